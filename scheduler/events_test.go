package scheduler

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/webhooktest"
	"github.com/abaco-hpc/abaco/storage"
)

var t0 = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

// settle runs delivery passes until nothing is due at the clock's time.
func settle(t *testing.T, d *Events, s abaco.Store) {
	t.Helper()
	for range 100 {
		d.pass(t.Context())
		d.inflight.Wait()
		due, err := s.EventListDue(t.Context(), d.clock.Now(), 10)
		require.NoError(t, err)
		if len(due) == 0 {
			return
		}
	}
	t.Fatal("deliveries never settled")
}

func startReceiver(t *testing.T, r http.Handler) string {
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL + "/hook"
}

func setReady(t *testing.T, s abaco.Store, id string, now time.Time) {
	t.Helper()
	ok, err := s.ActorSetStatus(t.Context(), abaco.ActorSetStatusParams{Tenant: "t1", ActorID: id, Revision: 1,
		Status: abaco.ActorReady, Now: now})
	require.NoError(t, err)
	require.True(t, ok)
}

// finishNew queues an execution of a and finalizes it with exit code.
func finishNew(t *testing.T, s abaco.Store, a *abaco.Actor, id string, exit int, now time.Time) {
	t.Helper()
	e := &abaco.Execution{Tenant: a.Tenant, ID: id, ActorID: a.ID, Executor: "alice", Status: abaco.ExecSubmitted,
		Message: []byte("m"), ContentType: abaco.ContentString, Env: map[string]string{}, MessageReceivedTime: now}
	require.NoError(t, s.ExecutionCreate(t.Context(), e))
	finish(t, s, id, exit, now)
}

func finish(t *testing.T, s abaco.Store, id string, exit int, now time.Time) {
	t.Helper()
	ok, err := s.ExecutionFinish(t.Context(), abaco.ExecutionFinishParams{ID: id, Status: abaco.ExecComplete,
		StartTime: now, FinishTime: now, ExitCode: &exit, FinalState: json.RawMessage(`{}`)})
	require.NoError(t, err)
	require.True(t, ok)
}

func TestLinkChainDeliversEveryEventOnceInOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(t0)
		c := storeActor(t, s, "C", nil)
		b := storeActor(t, s, "B", func(a *abaco.Actor) { a.Link = c.ID })
		a := storeActor(t, s, "A", func(a *abaco.Actor) { a.Link = b.ID })
		var notified []string
		var mu sync.Mutex
		d := NewEvents(s, clock, EventOptions{APIServer: "http://api"}, func(_, id string) {
			mu.Lock()
			notified = append(notified, id)
			mu.Unlock()
		}, nil)

		setReady(t, s, a.ID, t0)
		for i, id := range []string{"a1", "a2", "a3"} {
			finishNew(t, s, a, id, i, t0.Add(time.Duration(i+1)*time.Second))
		}
		settle(t, d, s)
		settle(t, d, s) // a second round delivers nothing again

		sum, err := s.ExecutionSummary(ctx, "t1", b.ID)
		require.NoError(t, err)
		require.Equal(t, 4, sum.TotalExecutions, "every event once")
		var types, execIDs []any
		for _, x := range sum.Executions {
			e, err := s.ExecutionGet(ctx, "t1", b.ID, x.ID)
			require.NoError(t, err)
			require.Equal(t, "Abaco Event", e.Executor)
			require.Equal(t, abaco.ContentJSON, e.ContentType)
			require.Equal(t, "application/json", e.Env["_abaco_Content_Type"])
			require.Equal(t, "Abaco Event", e.Env["_abaco_username"])
			require.Equal(t, "http://api", e.APIServer)
			var m map[string]any
			require.NoError(t, json.Unmarshal(e.Message, &m))
			require.Equal(t, a.ID, m["actor_id"])
			require.Equal(t, "t1_"+a.ID, m["actor_dbid"])
			require.Equal(t, b.ID, m["_abaco_link"])
			types = append(types, m["event_type"])
			execIDs = append(execIDs, m["execution_id"])
		}
		require.Equal(t, []any{"ACTOR_READY", "EXECUTION_COMPLETE", "EXECUTION_COMPLETE", "EXECUTION_COMPLETE"}, types)
		require.Equal(t, []any{nil, "a1", "a2", "a3"}, execIDs, "in the order they happened")
		mu.Lock()
		require.Equal(t, []string{b.ID, b.ID, b.ID, b.ID}, notified)
		mu.Unlock()
		ds, err := s.EventList(ctx, "t1", a.ID)
		require.NoError(t, err)
		for _, dl := range ds {
			require.Equal(t, abaco.DeliveryDelivered, dl.Status)
			require.Equal(t, 1, dl.Attempts)
		}

		// The chain goes on: B's execution finishing is B's event, for C.
		finish(t, s, sum.Executions[0].ID, 0, t0.Add(time.Minute))
		settle(t, d, s)
		cs, err := s.ExecutionSummary(ctx, "t1", c.ID)
		require.NoError(t, err)
		require.Equal(t, 1, cs.TotalExecutions)
		e, err := s.ExecutionGet(ctx, "t1", c.ID, cs.Executions[0].ID)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(e.Message, &m))
		require.Equal(t, b.ID, m["actor_id"])
		require.Equal(t, sum.Executions[0].ID, m["execution_id"])
	})
}

func TestLinkToVanishedActorIsDropped(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		clock := newFakeClock(t0)
		b := storeActor(t, s, "B", nil)
		a := storeActor(t, s, "A", func(a *abaco.Actor) { a.Link = b.ID })
		require.NoError(t, s.ActorDelete(t.Context(), "t1", b.ID))
		setReady(t, s, a.ID, t0)
		finishNew(t, s, a, "a1", 0, t0)
		settle(t, NewEvents(s, clock, EventOptions{}, nil, nil), s)
		ds, err := s.EventList(t.Context(), "t1", a.ID)
		require.NoError(t, err)
		require.Len(t, ds, 2)
		for _, dl := range ds {
			require.Equal(t, abaco.DeliveryFailed, dl.Status, "a link that no longer resolves cannot be delivered")
			require.Contains(t, dl.LastError, "the linked actor "+b.ID+" does not exist")
		}
	})
}

func TestWebhookRetriesUntilDelivered(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		clock := newFakeClock(t0)
		r := &webhooktest.Receiver{Fail: 2}
		url := startReceiver(t, r)
		a := storeActor(t, s, "A", func(a *abaco.Actor) { a.Webhook = url })
		d := NewEvents(s, clock, EventOptions{RetryMin: time.Second, RetryMax: time.Minute, GiveUpAfter: time.Hour}, nil, nil)
		setReady(t, s, a.ID, t0)
		finishNew(t, s, a, "a1", 7, t0)
		finishNew(t, s, a, "a2", 0, t0)

		settle(t, d, s)
		require.Empty(t, r.Events(), "the first attempt failed")
		clock.Advance(999 * time.Millisecond)
		settle(t, d, s)
		require.Equal(t, 1, r.Requests(), "no retry before the back-off")
		clock.Advance(time.Millisecond)
		settle(t, d, s)
		require.Equal(t, 2, r.Requests())
		require.Empty(t, r.Events())
		clock.Advance(2 * time.Second) // the back-off doubled
		settle(t, d, s)

		got := r.Events()
		require.Len(t, got, 3, "every event once")
		require.Equal(t, "ACTOR_READY", got[0]["event_type"])
		require.Equal(t, "a1", got[1]["execution_id"])
		require.Equal(t, float64(7), got[1]["exit_code"])
		require.Equal(t, "a2", got[2]["execution_id"])
		require.Equal(t, "application/json", got[0]["_abaco_Content_Type"])
		require.Equal(t, "Abaco Event", got[0]["_abaco_username"])
		require.Equal(t, url, got[0]["_abaco_webhook"])
		require.Equal(t, 5, r.Requests())
		ds, err := s.EventList(t.Context(), "t1", a.ID)
		require.NoError(t, err)
		require.Equal(t, 3, ds[0].Attempts)
		for _, dl := range ds {
			require.Equal(t, abaco.DeliveryDelivered, dl.Status)
		}
	})
}

func TestWebhookGivesUpAfterConfiguredTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		clock := newFakeClock(t0)
		r := &webhooktest.Receiver{Fail: 1 << 30}
		url := startReceiver(t, r)
		a := storeActor(t, s, "A", func(a *abaco.Actor) { a.Webhook = url })
		d := NewEvents(s, clock, EventOptions{RetryMin: time.Second, RetryMax: 2 * time.Second, GiveUpAfter: 10 * time.Second}, nil, nil)
		setReady(t, s, a.ID, t0)
		for range 8 {
			settle(t, d, s)
			clock.Advance(2 * time.Second)
		}
		ds, err := s.EventList(t.Context(), "t1", a.ID)
		require.NoError(t, err)
		require.Equal(t, abaco.DeliveryFailed, ds[0].Status)
		require.Equal(t, "webhook answered 500 Internal Server Error", ds[0].LastError)
		require.Equal(t, 6, ds[0].Attempts, "attempts at 0, 2, 4, 6 and 8 s are retried; the one at 10 s reaches the limit")
		require.Equal(t, t0.Add(10*time.Second), ds[0].FinishedAt)
	})
}

// A webhook that hangs holds back only its own actor's events.
func TestSlowWebhookDoesNotHoldBackOtherActors(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		clock := newFakeClock(t0)
		release := make(chan struct{})
		var hangs sync.WaitGroup
		hangs.Add(1)
		slowURL := startReceiver(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			hangs.Done()
			<-release
		}))
		t.Cleanup(func() { close(release) }) // runs before the server closes
		fast := &webhooktest.Receiver{}
		fastURL := startReceiver(t, fast)
		slow := storeActor(t, s, "S", func(a *abaco.Actor) { a.Webhook = slowURL })
		ok := storeActor(t, s, "F", func(a *abaco.Actor) { a.Webhook = fastURL })
		d := NewEvents(s, clock, EventOptions{WebhookTimeout: time.Minute}, nil, nil)
		t.Cleanup(d.inflight.Wait)
		setReady(t, s, slow.ID, t0)
		finishNew(t, s, slow, "s1", 0, t0)
		setReady(t, s, ok.ID, t0)
		finishNew(t, s, ok, "f1", 0, t0)
		finishNew(t, s, ok, "f2", 0, t0)

		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		d.pass(ctx)
		hangs.Wait() // the slow webhook is now in flight and stuck
		require.Eventually(t, func() bool {
			d.pass(ctx)
			return len(fast.Events()) == 3
		}, 20*time.Second, 10*time.Millisecond)
		ds, err := s.EventList(t.Context(), "t1", slow.ID)
		require.NoError(t, err)
		require.Equal(t, abaco.DeliveryPending, ds[0].Status)
		require.Equal(t, 1, ds[0].Attempts, "the stuck delivery is leased, not attempted again")
	})
}
