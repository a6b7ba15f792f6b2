package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCrashRestart kills the server (SIGKILL) with one execution running
// and two queued, then starts it again: every acknowledged message runs,
// and none runs twice.
func TestCrashRestart(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		running := s.message(tok, id, "message=first", "SLEEP=3")
		queued := []string{s.message(tok, id, "message=second"), s.message(tok, id, "message=third")}
		before := s.waitExecution(tok, id, running, "RUNNING")

		s.kill()
		s.start()

		after := s.waitExecution(tok, id, running, "COMPLETE")
		require.Equal(t, before["start_time"], after["start_time"], "reattached, not run again")
		require.Equal(t, before["worker_id"], after["worker_id"])
		require.EqualValues(t, 0, after["exit_code"])
		require.Contains(t, s.logs(tok, id, running), "Contents of MSG: first")
		for _, eid := range queued {
			s.waitExecution(tok, id, eid, "COMPLETE")
			require.Contains(t, s.logs(tok, id, eid), "Contents of MSG: ")
		}
		sum := s.getJSON("/v3/actors/"+id+"/executions", tok).result(t)
		require.EqualValues(t, 3, sum["total_executions"])

		// The actor survives the restart and still runs new messages.
		eid := s.message(tok, id, "message=after")
		s.waitExecution(tok, id, eid, "COMPLETE")
	})
}

// TestRestartFinalizesExitedContainer: an execution whose container
// finished while the server was down is finalized with its real exit code
// and logs when the server comes back.
func TestRestartFinalizesExitedContainer(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		eid := s.message(tok, id, "message=bye", "SLEEP=1.5", "EXIT=7")
		s.waitExecution(tok, id, eid, "RUNNING")
		s.kill()
		// Let the container exit while nobody watches.
		waitForExit(t, "abaco-"+eid)
		s.start()
		ex := s.waitExecution(tok, id, eid, "COMPLETE")
		require.EqualValues(t, 7, ex["exit_code"])
		require.Contains(t, s.logs(tok, id, eid), "Contents of MSG: bye")
	})
}
