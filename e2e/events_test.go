package e2e

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/internal/webhooktest"
)

// eventServerArgs make event delivery fast enough for a test: the outbox
// is polled often and a failed webhook is retried after 50 ms.
var eventServerArgs = []string{"--event-poll-interval", "50ms",
	"--webhook-retry-min", "50ms", "--webhook-retry-max", "200ms", "--webhook-give-up", "1m"}

// A → B link and A's webhook: every event of A reaches B (as an execution
// of the "Abaco Event" executor) and the webhook (which fails at first),
// exactly once and in order.
func TestEventsLinkChainAndWebhook(t *testing.T) {
	requireImages(t)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			database := ""
			if db == "postgres" {
				database = testenv.PostgresURL(t)
			}
			s := startServer(t, database, eventServerArgs...)
			hook := &webhooktest.Receiver{Fail: 2}
			receiver := httptest.NewServer(hook)
			t.Cleanup(receiver.Close)
			tok := s.token("alice")

			b := s.createActor(tok, map[string]any{"image": "abacosamples/test", "name": "b"})
			// Stateful, so that its executions (and their events) come in order.
			a := s.createActor(tok, map[string]any{"image": "abacosamples/test", "name": "a",
				"stateless": false, "link": b, "webhook": receiver.URL + "/hook"})

			e1 := s.message(tok, a, "message=one")
			e2 := s.message(tok, a, "message=two")
			s.waitExecution(tok, a, e1, "COMPLETE")
			s.waitExecution(tok, a, e2, "COMPLETE")

			want := []string{"ACTOR_READY", "EXECUTION_COMPLETE", "EXECUTION_COMPLETE"}
			require.Eventually(t, func() bool { return len(hook.Events()) >= len(want) },
				30*time.Second, 20*time.Millisecond, "the webhook got %d events", len(hook.Events()))
			got := hook.Events()
			require.Len(t, got, 3, "every event exactly once")
			require.Equal(t, 5, hook.Requests(), "two refused attempts, then one per event")
			for i, ev := range got {
				require.Equal(t, want[i], ev["event_type"])
				require.Equal(t, a, ev["actor_id"])
				require.Equal(t, "dev_"+a, ev["actor_dbid"])
				require.Equal(t, "dev", ev["tenant_id"])
				require.Equal(t, b, ev["_abaco_link"])
				require.Equal(t, receiver.URL+"/hook", ev["_abaco_webhook"])
				require.Equal(t, "Abaco Event", ev["_abaco_username"])
				require.Equal(t, "application/json", ev["_abaco_Content_Type"])
				require.NotEmpty(t, ev["event_time_utc"])
			}
			require.Equal(t, e1, got[1]["execution_id"])
			require.Equal(t, e2, got[2]["execution_id"])
			require.Equal(t, "COMPLETE", got[1]["status"])
			require.Equal(t, float64(0), got[1]["exit_code"])

			// B got the same events as messages, in the same order.
			var execs []any
			require.Eventually(t, func() bool {
				execs = s.getJSON("/v3/actors/"+b+"/executions", tok).result(t)["executions"].([]any)
				return len(execs) >= 3
			}, 30*time.Second, 20*time.Millisecond)
			require.Len(t, execs, 3, "every event exactly once")
			for i, x := range execs {
				id := x.(map[string]any)["id"].(string)
				e := s.waitExecution(tok, b, id, "COMPLETE")
				require.Equal(t, "Abaco Event", e["executor"])
				logs := s.logs(tok, b, id)
				require.Contains(t, logs, `"event_type":"`+want[i]+`"`)
				require.Contains(t, logs, "_abaco_username=Abaco Event")
				require.Contains(t, logs, "_abaco_Content_Type=application/json")
			}
			require.Contains(t, s.logs(tok, b, execs[1].(map[string]any)["id"].(string)), `"execution_id":"`+e1+`"`)
			require.Contains(t, s.logs(tok, b, execs[2].(map[string]any)["id"].(string)), `"execution_id":"`+e2+`"`)

			// Links that would close a cycle, or point to the actor itself, are refused.
			r := s.do("PUT", "/v3/actors/"+b, tok, "application/json", []byte(`{"image": "abacosamples/test", "link": "`+a+`"}`))
			require.Equal(t, 400, r.Code, "%s", r.Body)
			require.Equal(t, "Error: this update would result in a cycle of linked actors.", r.Env.Message)
			r = s.do("PUT", "/v3/actors/"+a, tok, "application/json", []byte(`{"image": "abacosamples/test", "stateless": false, "link": "`+a+`"}`))
			require.Equal(t, 400, r.Code, "%s", r.Body)
			require.Equal(t, "Invalid link parameter. An actor cannot link to itself.", r.Env.Message)
			r = s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test", "link": "nosuchactor"})
			require.Equal(t, 400, r.Code, "%s", r.Body)
			require.Contains(t, r.Env.Message, "Invalid link parameter; unable to retrieve linked actor data.")
			r = s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test", "webhook": "ftp://example.org"})
			require.Equal(t, 400, r.Code, "%s", r.Body)
		})
	}
}

// Cron fields through the API: a schedule turns cron on and sets
// cron_next_ex; errors are 400s with the reference's messages.
func TestCronFieldsOverHTTP(t *testing.T) {
	s := startServer(t, "")
	tok := s.token("alice")
	r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test", "cron_schedule": "2099-09-6 20 + 3 months"})
	require.Equal(t, 200, r.Code, "%s", r.Body)
	res := r.result(t)
	require.Equal(t, true, res["cron_on"])
	require.Equal(t, "2099-09-6 20 + 3 months", res["cron_schedule"])
	require.Equal(t, "2099-09-6 20", res["cron_next_ex"])
	id := res["id"].(string)

	r = s.do("PUT", "/v3/actors/"+id, tok, "application/json", []byte(`{"image": "abacosamples/test", "cronSchedule": "2099-10-1 0 + 1 week"}`))
	require.Equal(t, 200, r.Code, "%s", r.Body)
	res = r.result(t)
	require.Equal(t, false, res["cron_on"], "PUT is a full replacement")
	require.Equal(t, "2099-10-1 0", res["cron_next_ex"])

	for in, msg := range map[string]string{
		"sometime":                "The cron is not in the correct format",
		"2000-01-01 00 + 1 hour":  "The starting datetime is old. The current UTC time is ",
		"2099-01-01 00 + 1 eon":   "eon is an invalid unit of time",
		"2099-31-01 00 + 1 hours": "The starting date 2099-31-01 00 is not in the correct format",
	} {
		r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test", "cron_schedule": in})
		require.Equal(t, 400, r.Code, "%s: %s", in, r.Body)
		require.Contains(t, r.Env.Message, msg)
	}
}

// A finished execution's event is delivered at once, not on the outbox's
// next poll (an hour away here): the scheduler wakes the delivery loop.
func TestEventDeliveredWithoutPolling(t *testing.T) {
	requireImages(t)
	t.Parallel()
	s := startServer(t, "", "--event-poll-interval", "1h")
	tok := s.token("alice")
	hook := &webhooktest.Receiver{}
	receiver := httptest.NewServer(hook)
	t.Cleanup(receiver.Close)
	a := s.createActor(tok, map[string]any{"image": "abacosamples/test", "webhook": receiver.URL + "/hook"})
	s.waitExecution(tok, a, s.message(tok, a, "message=one"), "COMPLETE")
	require.Eventually(t, func() bool {
		for _, ev := range hook.Events() {
			if ev["event_type"] == "EXECUTION_COMPLETE" {
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "EXECUTION_COMPLETE delivered without a poll")
}
