package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/internal/testenv"
)

// forEachDBWith is forEachDB with extra serve flags.
func forEachDBWith(t *testing.T, args []string, fn func(t *testing.T, s *server)) {
	requireImages(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, startServer(t, "", args...))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, startServer(t, testenv.PostgresURL(t), args...))
	})
}

func (s *server) workers(token, actorID string) []map[string]any {
	s.t.Helper()
	r := s.getJSON("/v3/actors/"+actorID+"/workers", token)
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	var out []map[string]any
	for _, x := range r.resultList(s.t) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// waitReadyWorker waits until every worker of the actor is READY (a
// worker turns READY just after its execution is final).
func (s *server) waitReadyWorker(token, actorID string) {
	s.t.Helper()
	require.Eventually(s.t, func() bool {
		ws := s.workers(token, actorID)
		for _, w := range ws {
			if w["status"] != "READY" {
				return false
			}
		}
		return len(ws) > 0
	}, 20*time.Second, 50*time.Millisecond)
}

func (s *server) countStatus(token, actorID string, eids []string, status string) int {
	n := 0
	for _, e := range eids {
		if s.execution(token, actorID, e)["status"] == status {
			n++
		}
	}
	return n
}

// TestAutoscaleBurstAndScaleToZero: a burst of messages scales a stateless
// actor's pool up to its limit, never beyond, and the idle pool falls back
// to zero.
func TestAutoscaleBurstAndScaleToZero(t *testing.T) {
	args := []string{"--worker-idle-timeout", "1s", "--autoscale-interval", "200ms", "--max-workers-per-actor", "3"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		require.Eventually(t, func() bool { return len(s.workers(tok, id)) == 0 }, 20*time.Second, 100*time.Millisecond,
			"an idle stateless actor falls to zero workers")

		var eids []string
		for i := 0; i < 5; i++ {
			eids = append(eids, s.message(tok, id, "message=burst", "SLEEP=2"))
		}
		maxWorkers, maxRunning := 0, 0
		require.Eventually(t, func() bool {
			ws := s.workers(tok, id)
			maxWorkers = max(maxWorkers, len(ws))
			running := s.countStatus(tok, id, eids, "RUNNING")
			maxRunning = max(maxRunning, running)
			require.LessOrEqual(t, running, 3, "never more than the limit")
			require.LessOrEqual(t, len(ws), 3, "never more workers than the limit")
			for _, w := range ws {
				require.Contains(t, []any{"READY", "BUSY"}, w["status"])
				require.Equal(t, "abacosamples/test", w["image"])
				require.NotEmpty(t, w["location"])
				require.NotEmpty(t, w["cid"])
				require.Equal(t, "worker_"+w["id"].(string), w["ch_name"])
				require.Contains(t, w, "last_execution_time")
				require.Contains(t, w, "last_health_check_time")
			}
			return s.countStatus(tok, id, eids, "COMPLETE") == len(eids)
		}, 60*time.Second, 100*time.Millisecond)
		require.Equal(t, 3, maxWorkers, "the burst scaled the pool to its limit")
		require.Equal(t, 3, maxRunning)

		require.Eventually(t, func() bool { return len(s.workers(tok, id)) == 0 }, 20*time.Second, 100*time.Millisecond,
			"scaled back to zero when idle")
	})
}

// TestSyncHintKeepsAWarmWorker: with the sync hint one worker stays after
// the idle timeout that empties an ordinary actor's pool.
func TestSyncHintKeepsAWarmWorker(t *testing.T) {
	args := []string{"--worker-idle-timeout", "1s", "--autoscale-interval", "200ms", "--sync-idle-timeout", "1h"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		synced := s.createActor(tok, map[string]any{"image": "abacosamples/test", "hints": []string{"sync"}})
		plain := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		s.waitExecution(tok, synced, s.message(tok, synced, "message=b"), "COMPLETE")
		s.waitReadyWorker(tok, synced)
		// The plain actor's worker is used later, so once the autoscaler has
		// stopped it, the sync actor's worker would be gone too without its hint.
		s.waitExecution(tok, plain, s.message(tok, plain, "message=a"), "COMPLETE")
		s.waitReadyWorker(tok, plain)
		require.Eventually(t, func() bool { return len(s.workers(tok, plain)) == 0 }, 20*time.Second, 100*time.Millisecond)
		ws := s.workers(tok, synced)
		require.Len(t, ws, 1, "the sync actor keeps one warm worker")
		require.Equal(t, "READY", ws[0]["status"])
		require.NotNil(t, ws[0]["last_execution_time"])
	})
}

// TestStatefulActorRunsOneAtATime: a stateful actor never runs two
// executions at once and keeps exactly one worker.
func TestStatefulActorRunsOneAtATime(t *testing.T) {
	args := []string{"--worker-idle-timeout", "500ms", "--autoscale-interval", "100ms"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		var eids []string
		for i := 0; i < 4; i++ {
			eids = append(eids, s.message(tok, id, fmt.Sprintf("message=m%d", i), "SLEEP=0.5"))
		}
		require.Eventually(t, func() bool {
			require.LessOrEqual(t, s.countStatus(tok, id, eids, "RUNNING"), 1)
			require.LessOrEqual(t, len(s.workers(tok, id)), 1)
			return s.countStatus(tok, id, eids, "COMPLETE") == len(eids)
		}, 60*time.Second, 50*time.Millisecond)

		type span struct{ id, start, finish string }
		var spans []span
		for _, e := range eids {
			x := s.execution(tok, id, e)
			spans = append(spans, span{e, x["start_time"].(string), x["finish_time"].(string)})
		}
		sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
		for i := 1; i < len(spans); i++ {
			require.GreaterOrEqual(t, spans[i].start, spans[i-1].finish, "executions overlap: %v", spans)
		}
		for i, sp := range spans {
			require.Equal(t, eids[i], sp.id, "run in arrival order: %v", spans)
		}
		// A stateless witness used later goes back to zero workers; the
		// stateful actor keeps its one.
		s.waitReadyWorker(tok, id)
		witness := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		s.waitExecution(tok, witness, s.message(tok, witness, "message=w"), "COMPLETE")
		s.waitReadyWorker(tok, witness)
		require.Eventually(t, func() bool { return len(s.workers(tok, witness)) == 0 }, 20*time.Second, 100*time.Millisecond)
		require.Len(t, s.workers(tok, id), 1, "a stateful actor keeps exactly one worker")
	})
}

// TestImageUpdateKeepsQueuedMessages: messages queued while the image
// changes all run, on the new image.
func TestImageUpdateKeepsQueuedMessages(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		first := s.message(tok, id, "message=first", "SLEEP=2")
		s.waitExecution(tok, id, first, "RUNNING")
		var queued []string
		for i := 0; i < 3; i++ {
			queued = append(queued, s.message(tok, id, "message=one two three"))
		}
		r := s.do("PUT", "/v3/actors/"+id, tok, "application/json",
			[]byte(`{"image": "abacosamples/wc", "stateless": false}`))
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.EqualValues(t, 2, r.result(t)["revision"])

		s.waitExecution(tok, id, first, "COMPLETE")
		require.Contains(t, s.logs(tok, id, first), "Contents of MSG: first", "the running execution kept its image")
		for _, e := range queued {
			s.waitExecution(tok, id, e, "COMPLETE")
			require.Contains(t, s.logs(tok, id, e), "Number of words is: 3", "queued messages run on the new image")
		}
		require.Eventually(t, func() bool {
			ws := s.workers(tok, id)
			return len(ws) == 1 && ws[0]["image"] == "abacosamples/wc" && ws[0]["revision"] == float64(2)
		}, 20*time.Second, 100*time.Millisecond, "the old worker was replaced")
	})
}

// brokenImage makes an image whose entrypoint does not exist, so that
// every container start fails.
func brokenImage(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: "abacosamples/wc"}, nil, nil, nil, "")
	require.NoError(t, err)
	defer cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
	const ref = "abaco-e2e/broken:latest"
	_, err = cli.ContainerCommit(ctx, c.ID, container.CommitOptions{Reference: ref, Changes: []string{`ENTRYPOINT ["/nonexistent"]`}})
	require.NoError(t, err)
	return ref
}

// TestStartFailuresPutActorInError: repeated container start failures put
// the actor in ERROR with a clear message, stop its workers, and keep the
// message queued.
func TestStartFailuresPutActorInError(t *testing.T) {
	requireImages(t)
	image := brokenImage(t)
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": image})
		eid := s.message(tok, id, "message=x")
		a := s.waitActor(tok, id, "ERROR")
		require.Contains(t, a["status_message"], "Could not start a container for image "+image+" after 3 attempts")
		require.Eventually(t, func() bool { return len(s.workers(tok, id)) == 0 }, 20*time.Second, 100*time.Millisecond,
			"its workers are stopped")
		x := s.execution(tok, id, eid)
		require.Equal(t, "SUBMITTED", x["status"], "the message waits for a fix")
		require.Nil(t, x["worker_id"])
	})
}

// TestWorkerEndpoints covers stopping a worker, adding workers (admins
// only) and the operator's views.
func TestWorkerEndpoints(t *testing.T) {
	args := []string{"--worker-idle-timeout", "10m"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok, admin := s.token("jdoe"), s.token("boss", "abaco_admin")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		require.Eventually(t, func() bool { return len(s.workers(tok, id)) == 1 }, 20*time.Second, 100*time.Millisecond)

		r := s.postJSON("/v3/actors/"+id+"/workers", tok, map[string]any{"num": 3})
		require.Equal(t, 403, r.Code, "%s", r.Body)
		require.Equal(t, "Not authorized -- only admins are authorized to update workers.", r.Env.Message)
		r = s.postJSON("/v3/actors/"+id+"/workers", admin, map[string]any{"num": "abc"})
		require.Equal(t, 400, r.Code, "%s", r.Body)
		r = s.postJSON("/v3/actors/"+id+"/workers", admin, map[string]any{"num": 3})
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Scheduled 2 new worker(s) to start. Previously, there were 1 workers.", r.Env.Message)
		r = s.postForm("/v3/actors/"+id+"/workers", admin, "num=3")
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Actor "+id+" already had 3 worker(s).", r.Env.Message)
		ws := s.workers(tok, id)
		require.Len(t, ws, 3)

		// Stop one: it goes away.
		wid := ws[0]["id"].(string)
		require.Equal(t, 200, s.getJSON("/v3/actors/"+id+"/workers/"+wid, tok).Code)
		other := s.token("mallory")
		require.Equal(t, 403, s.do("DELETE", "/v3/actors/"+id+"/workers/"+wid, other, "", nil).Code)
		r = s.do("DELETE", "/v3/actors/"+id+"/workers/"+wid, tok, "", nil)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Worker scheduled to be stopped.", r.Env.Message)
		require.Eventually(t, func() bool {
			return s.getJSON("/v3/actors/"+id+"/workers/"+wid, tok).Code == 404
		}, 10*time.Second, 100*time.Millisecond)
		r = s.do("DELETE", "/v3/actors/"+id+"/workers/nosuchworker", tok, "", nil)
		require.Equal(t, 404, r.Code)
		require.Equal(t, "Worker not found.", r.Env.Message)

		// Utilization: any user, camelCase always.
		r = s.getJSON("/v3/actors/utilization", other)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, map[string]any{"currentActors": 1.0, "totalActors": 1.0, "workers": 2.0, "commandQueue": 0.0}, r.result(t))

		// Admin views.
		for _, path := range []string{"/v3/actors/admin", "/v3/actors/admin/workers", "/v3/actors/admin/executions"} {
			require.Equal(t, 403, s.getJSON(path, tok).Code, path)
		}
		eid := s.message(tok, id, "message=hello")
		s.waitExecution(tok, id, eid, "COMPLETE")
		r = s.getJSON("/v3/actors/admin", admin)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		list := r.resultList(t)
		require.Len(t, list, 1)
		row := list[0].(map[string]any)
		require.Equal(t, id, row["id"])
		require.Len(t, row["workers"], 2)
		require.EqualValues(t, 0, row["messages"])
		require.EqualValues(t, 1, row["executions"])
		require.Contains(t, row, "runtime")

		// The worker turns READY just after its execution is final.
		var res, summary map[string]any
		require.Eventually(t, func() bool {
			r = s.getJSON("/v3/actors/admin/workers", admin)
			require.Equal(t, 200, r.Code, "%s", r.Body)
			res = r.result(t)
			summary = res["summary"].(map[string]any)
			return summary["ready_workers"] == 2.0
		}, 10*time.Second, 50*time.Millisecond, "%v", summary)
		require.EqualValues(t, 2, summary["total_workers"])
		require.EqualValues(t, 0, summary["busy_workers"])
		require.EqualValues(t, 0, summary["actors_no_workers"])
		require.Len(t, res["workers"], 2)

		r = s.getJSON("/v3/actors/admin/executions", admin)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		res = r.result(t)
		require.EqualValues(t, 1, res["summary"].(map[string]any)["total_executions_all"])
		actors := res["actors"].([]any)
		require.Len(t, actors, 1)
		require.EqualValues(t, 1, actors[0].(map[string]any)["executions_by_status"].(map[string]any)["COMPLETE"])
	})
}

// TestContainerRemovedWhileRunning: a container removed behind the
// server's back ends its execution as ERROR rather than RUNNING forever.
func TestContainerRemovedWhileRunning(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		eid := s.message(tok, id, "message=x", "SLEEP=60")
		s.waitExecution(tok, id, eid, "RUNNING")
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		require.NoError(t, err)
		defer cli.Close()
		require.NoError(t, cli.ContainerRemove(context.Background(), "abaco-"+eid, container.RemoveOptions{Force: true}))
		x := s.waitExecution(tok, id, eid, "ERROR")
		require.Equal(t, map[string]any{"unavailable": true}, x["final_state"])
	})
}

// TestExpiredLogsAndResultsDisappear: a log is gone after the actor's
// log_ex, a result after the result TTL.
func TestExpiredLogsAndResultsDisappear(t *testing.T) {
	args := []string{"--retention-interval", "200ms", "--result-ttl", "3s"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "log_ex": 3})
		eid := s.message(tok, id, "message=keep", "RESULTS=2")
		s.waitExecution(tok, id, eid, "COMPLETE")
		require.Contains(t, s.logs(tok, id, eid), "Contents of MSG: keep")
		r := s.getJSON("/v3/actors/"+id+"/executions/"+eid+"/results", tok)
		require.Equal(t, "result-1", string(r.Body))

		require.Eventually(t, func() bool { return s.logs(tok, id, eid) == "" }, 20*time.Second, 200*time.Millisecond,
			"the log expires")
		require.Eventually(t, func() bool {
			r := s.getJSON("/v3/actors/"+id+"/executions/"+eid+"/results", tok)
			return r.Code == 200 && len(r.Body) == 0
		}, 20*time.Second, 200*time.Millisecond, "the second result expires")
		require.Equal(t, "COMPLETE", s.execution(tok, id, eid)["status"], "the execution record stays")
	})
}

// scrape reads /metrics and returns the value of each sample line.
func (s *server) scrape() map[string]string {
	s.t.Helper()
	r := s.do("GET", "/metrics", "", "", nil)
	require.Equal(s.t, 200, r.Code)
	out := map[string]string{}
	for _, line := range strings.Split(string(r.Body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		out[line[:i]] = line[i+1:]
	}
	return out
}

// TestMetricsMatchWhatHappened scrapes /metrics after a known workload.
func TestMetricsMatchWhatHappened(t *testing.T) {
	args := []string{"--worker-idle-timeout", "10m"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		var eids []string
		for _, q := range []string{"EXIT=0", "EXIT=1", "EXIT=0"} {
			eids = append(eids, s.message(tok, id, "message=m", q))
		}
		for _, e := range eids {
			s.waitExecution(tok, id, e, "COMPLETE")
		}
		require.Equal(t, 400, s.postJSON("/v3/actors", tok, map[string]any{}).Code)

		// A stateful actor busy with one long execution, two more queued.
		slow := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		busy := s.message(tok, slow, "message=slow", "SLEEP=60")
		s.waitExecution(tok, slow, busy, "RUNNING")
		s.message(tok, slow, "message=q1")
		s.message(tok, slow, "message=q2")

		m := s.scrape()
		require.Equal(t, "6", m["abaco_messages_accepted_total"])
		require.Equal(t, "6", m[`abaco_http_requests_total{code="200",method="POST",route="/actors/:id/messages"}`])
		require.Equal(t, "2", m[`abaco_http_requests_total{code="200",method="POST",route="/actors"}`])
		require.Equal(t, "1", m[`abaco_http_requests_total{code="400",method="POST",route="/actors"}`])
		require.Equal(t, "3", m[`abaco_executions_finished_total{status="COMPLETE"}`])
		require.Equal(t, "3", m["abaco_execution_duration_seconds_count"])
		require.Equal(t, "2", m[fmt.Sprintf(`abaco_queue_depth{actor="%s",tenant="dev"}`, slow)])
		require.Equal(t, "1", m[`abaco_workers{status="BUSY"}`])
		ready := len(s.workers(tok, id))
		require.Equal(t, fmt.Sprint(ready), m[`abaco_workers{status="READY"}`])
	})
}

// TestMetricsCountEventDeliveries: link deliveries, webhook retries and a
// webhook given up on show in the event counters.
func TestMetricsCountEventDeliveries(t *testing.T) {
	args := []string{"--event-poll-interval", "50ms", "--webhook-retry-min", "100ms",
		"--webhook-retry-max", "200ms", "--webhook-give-up", "1s", "--webhook-timeout", "1s"}
	forEachDBWith(t, args, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		b := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		// A link (delivered) and a webhook nobody answers (retried, then failed).
		a := s.createActor(tok, map[string]any{"image": "abacosamples/test", "link": b,
			"webhook": "http://127.0.0.1:1/hook"})
		s.waitExecution(tok, a, s.message(tok, a, "message=x"), "COMPLETE")

		link := `abaco_event_deliveries_total{kind="%s",outcome="delivered"}`
		var m map[string]string
		require.Eventually(t, func() bool {
			m = s.scrape()
			return m[fmt.Sprintf(link, "ACTOR_READY")] == "1" && m[fmt.Sprintf(link, "EXECUTION_COMPLETE")] == "1" &&
				m[`abaco_event_failures_total{kind="ACTOR_READY",target="webhook"}`] == "1" &&
				m[`abaco_event_failures_total{kind="EXECUTION_COMPLETE",target="webhook"}`] == "1"
		}, 30*time.Second, 100*time.Millisecond, "%v", m)
		require.NotEmpty(t, m[`abaco_event_deliveries_total{kind="ACTOR_READY",outcome="retried"}`])
		require.Equal(t, "1", m[`abaco_event_deliveries_total{kind="ACTOR_READY",outcome="failed"}`])
	})
}
