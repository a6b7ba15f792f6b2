package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMessageKinds sends every kind of message of the Messages section and
// checks what the container saw.
func TestMessageKinds(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		post := func(path, ct string, body []byte) (string, map[string]any) {
			r := s.do("POST", "/v3/actors/"+id+path, tok, ct, body)
			require.Equal(t, 200, r.Code, "%s", r.Body)
			res := r.result(t)
			require.Equal(t, res["execution_id"], res["executionId"])
			return res["execution_id"].(string), res
		}
		run := func(eid string) string {
			s.waitExecution(tok, id, eid, "COMPLETE")
			return s.logs(tok, id, eid)
		}

		// Form field, as the docs' curl -d "message=...".
		eid, res := post("/messages", "application/x-www-form-urlencoded", []byte("message=hello+world"))
		require.Equal(t, "hello world", res["msg"])
		logs := run(eid)
		require.Contains(t, logs, "Contents of MSG: hello world\n")
		require.Contains(t, logs, "_abaco_Content_Type=str\n")
		require.Contains(t, logs, "_abaco_Content-Type=str\n")
		require.Contains(t, logs, "_abaco_username=jdoe\n")
		require.Contains(t, logs, "_abaco_execution_id="+eid+"\n")
		require.Contains(t, logs, "_abaco_actor_id="+id+"\n")
		require.Contains(t, logs, "_abaco_actor_dbid=dev_"+id+"\n")
		require.Contains(t, logs, "_abaco_container_repo=abacosamples/test\n")
		require.Contains(t, logs, "_abaco_actor_name=None\n")
		require.Contains(t, logs, "_abaco_actor_revision=1\n")
		require.Contains(t, logs, "_abaco_actor_state={}\n")
		require.Contains(t, logs, "_abaco_api_server=http://"+s.addr+"\n")
		require.Contains(t, logs, "_abaco_worker_id=")
		require.Contains(t, logs, "_abaco_access_token=\n", "token is off by default")
		require.Contains(t, logs, "uid=65534 gid=65534", "containers never run as root by default")

		// tapipy's send_message: a JSON body with a message field.
		eid, _ = post("/messages", "application/json", []byte(`{"message": "from tapipy"}`))
		require.Contains(t, run(eid), "Contents of MSG: from tapipy\n")

		// A JSON body without message is the message; MSG is JSON text.
		eid, _ = post("/messages", "application/json", []byte(`{"name": "abaco", "n": 3}`))
		logs = run(eid)
		require.Contains(t, logs, `Contents of MSG: {"name":"abaco","n":3}`)
		require.Contains(t, logs, "_abaco_Content_Type=application/json\n")

		// The message as a query parameter; other parameters become env vars.
		eid, _ = post("/messages?message=via+query&ECHO_VARS=color&color=blue", "", nil)
		logs = run(eid)
		require.Contains(t, logs, "Contents of MSG: via query\n")
		require.Contains(t, logs, "color=blue\n")

		// Binary, larger than a default 64 KiB pipe: it arrives whole.
		data := make([]byte, 200_000)
		rand.Read(data)
		sum := sha256.Sum256(data)
		eid, res = post("//messages", "application/octet-stream", data)
		require.Equal(t, "binary - omitted", res["msg"])
		logs = run(eid)
		require.Contains(t, logs, fmt.Sprintf("binary bytes: 200000 sha256: %s", hex.EncodeToString(sum[:])))
		require.Contains(t, logs, "_abaco_Content_Type=application/octet-stream\n")
		require.NotContains(t, logs, "MSG=", "binary messages set no MSG")
		r := s.do("GET", "/v3/actors/"+id+"/executions/"+eid+"/results", tok, "", nil)
		require.Equal(t, hex.EncodeToString(sum[:]), string(r.Body))

		// Several results are popped one per call, in order, then an empty body.
		eid, _ = post("/messages?RESULTS=3", "application/x-www-form-urlencoded", []byte("message=x"))
		run(eid)
		for _, want := range []string{"result-1", "result-2", "result-3", ""} {
			r := s.do("GET", "/v3/actors/"+id+"/executions/"+eid+"/results", tok, "", nil)
			require.Equal(t, 200, r.Code)
			require.Equal(t, want, string(r.Body))
		}

		// A non-zero exit is still COMPLETE, with the exit code.
		eid, _ = post("/messages?EXIT=3&STDERR=oops", "application/x-www-form-urlencoded", []byte("message=x"))
		ex := s.waitExecution(tok, id, eid, "COMPLETE")
		require.EqualValues(t, 3, ex["exit_code"])
		require.Contains(t, s.logs(tok, id, eid), "oops\n", "stderr is in the log")
		final := ex["final_state"].(map[string]any)
		require.EqualValues(t, 3, final["ExitCode"])
		require.Equal(t, "exited", final["Status"])
	})
}

// TestResultsOfAWorkersRun: the executions one worker runs back to back
// (a stateful actor's queue) share its results socket: each gets exactly
// the results its own container sent, and a binary message among them
// arrives whole.
func TestResultsOfAWorkersRun(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		first := s.message(tok, id, "message=a", "RESULTS=1", "SLEEP=1") // the others queue behind it
		second := s.message(tok, id, "message=b", "RESULTS=3")
		data := make([]byte, 100_000)
		rand.Read(data)
		sum := sha256.Sum256(data)
		r := s.do("POST", "/v3/actors/"+id+"/messages", tok, "application/octet-stream", data)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		binary := r.result(t)["execution_id"].(string)
		last := s.message(tok, id, "message=d", "RESULTS=2")
		streamed := s.message(tok, id, "message=e", "RESULTS=1", "SLEEP=4")
		for eid, want := range map[string][]string{
			first:  {"result-1"},
			second: {"result-1", "result-2", "result-3"},
			binary: {hex.EncodeToString(sum[:])},
			last:   {"result-1", "result-2"},
		} {
			s.waitExecution(tok, id, eid, "COMPLETE")
			for _, body := range append(want, "") {
				r := s.do("GET", "/v3/actors/"+id+"/executions/"+eid+"/results", tok, "", nil)
				require.Equal(t, 200, r.Code)
				require.Equal(t, body, string(r.Body), "execution %s", eid)
			}
		}
		// A result is readable as soon as it is sent, while the container runs.
		s.waitExecution(tok, id, streamed, "RUNNING")
		require.Eventually(t, func() bool {
			r := s.do("GET", "/v3/actors/"+id+"/executions/"+streamed+"/results", tok, "", nil)
			return string(r.Body) == "result-1"
		}, 10*time.Second, 50*time.Millisecond)
		require.Equal(t, "RUNNING", s.execution(tok, id, streamed)["status"])
		workers := map[any]bool{}
		for _, eid := range []string{first, second, binary, last, streamed} {
			workers[s.execution(tok, id, eid)["worker_id"]] = true
		}
		require.Len(t, workers, 1, "one worker ran them all")
	})
}

// TestSynchronousMessages: the reply is the first result if there is one,
// else the logs.
func TestSynchronousMessages(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		wc := s.createActor(tok, map[string]any{"image": "abacosamples/wc"})
		r := s.postForm("/v3/actors/"+wc+"/messages?_abaco_synchronous=true", tok, "message=one+two+three")
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "application/octet-stream", r.ContentType)
		require.Equal(t, "3", string(r.Body))

		probe := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		r = s.postForm("/v3/actors/"+probe+"/messages?_abaco_synchronous=true", tok, "message=sync+please")
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.True(t, strings.HasPrefix(r.ContentType, "text/html"), r.ContentType)
		require.Contains(t, string(r.Body), "Contents of MSG: sync please")
	})
}

// TestMailbox: GET counts pending messages, DELETE purges them.
func TestMailbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		// Stateful: one at a time, so the later messages wait in the queue.
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		first := s.message(tok, id, "message=first", "SLEEP=30")
		for i := 0; i < 4; i++ {
			s.message(tok, id, "message=queued")
		}
		s.waitExecution(tok, id, first, "RUNNING")
		count := func() float64 {
			r := s.getJSON("/v3/actors/"+id+"/messages", tok)
			require.Equal(t, 200, r.Code)
			return r.result(t)["messages"].(float64)
		}
		require.EqualValues(t, 4, count())
		// More than 3 waiting: a synchronous message is refused.
		r := s.postForm("/v3/actors/"+id+"/messages?_abaco_synchronous=true", tok, "message=sync")
		require.Equal(t, http.StatusConflict, r.Code, "%s", r.Body)
		require.Contains(t, r.Env.Message, "Cannot issue synchronous execution")

		r = s.do("DELETE", "/v3/actors/"+id+"/messages", tok, "", nil)
		require.Equal(t, 200, r.Code)
		require.Equal(t, "Actor mailbox purged.", r.result(t)["msg"])
		require.EqualValues(t, 0, count())

		// Halt the running one: it ends COMPLETE, long before its 30 s.
		start := time.Now()
		r = s.do("DELETE", "/v3/actors/"+id+"/executions/"+first, tok, "", nil)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Issued force quit command for execution "+first+".", r.Env.Message)
		s.waitExecution(tok, id, first, "COMPLETE")
		require.Less(t, time.Since(start), 20*time.Second)
		// Halting a finished execution is refused.
		r = s.do("DELETE", "/v3/actors/"+id+"/executions/"+first, tok, "", nil)
		require.Equal(t, http.StatusConflict, r.Code)
		require.Contains(t, r.Env.Message, "Cannot force quit an execution not in RUNNING status")
	})
}

// TestExecutionsListAndFields covers the Executions section.
func TestExecutionsListAndFields(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		e1 := s.message(tok, id, "message=one")
		e2 := s.message(tok, id, "message=two")
		s.waitExecution(tok, id, e2, "COMPLETE")
		ex1 := s.waitExecution(tok, id, e1, "COMPLETE")
		for _, k := range []string{"id", "actor_id", "worker_id", "exit_code", "final_state", "message_received_time", "start_time", "finish_time", "io", "runtime", "cpu", "executor", "status", "_links"} {
			require.Contains(t, ex1, k)
		}
		require.Equal(t, "jdoe", ex1["executor"])
		require.NotEmpty(t, ex1["worker_id"])
		ex2 := s.execution(tok, id, e2)
		// Stateful: strictly one at a time, in arrival order.
		require.LessOrEqual(t, ex1["finish_time"].(string), ex2["start_time"].(string))

		r := s.getJSON("/v3/actors/"+id+"/executions", tok)
		require.Equal(t, 200, r.Code)
		sum := r.result(t)
		require.EqualValues(t, 2, sum["total_executions"])
		require.Equal(t, id, sum["actor_id"])
		require.Equal(t, "jdoe", sum["owner"])
		for _, k := range []string{"total_cpu", "total_io", "total_runtime", "api_server", "_links"} {
			require.Contains(t, sum, k)
		}
		list := sum["executions"].([]any)
		require.Len(t, list, 2)
		require.Equal(t, e1, list[0].(map[string]any)["id"], "oldest first")
		require.Equal(t, e2, list[1].(map[string]any)["id"])
		require.Equal(t, "COMPLETE", list[0].(map[string]any)["status"])

		// The log of a running execution is visible while it runs.
		e3 := s.message(tok, id, "message=slow", "SLEEP=4")
		require.Eventually(t, func() bool {
			return strings.Contains(s.logs(tok, id, e3), "sleeping")
		}, 10*time.Second, 100*time.Millisecond)
		require.Equal(t, "RUNNING", s.execution(tok, id, e3)["status"])
	})
}

// TestStatelessParallel: a stateless actor runs messages side by side.
func TestStatelessParallel(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		var ids []string
		for i := 0; i < 3; i++ {
			ids = append(ids, s.message(tok, id, "message=p", "SLEEP=3"))
		}
		require.Eventually(t, func() bool {
			n := 0
			for _, e := range ids {
				if s.execution(tok, id, e)["status"] == "RUNNING" {
					n++
				}
			}
			return n == 3
		}, 20*time.Second, 100*time.Millisecond, "three executions run at once")
	})
}

// TestState covers the Actor State section's curl examples.
func TestState(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		r := s.getJSON("/v3/actors/"+id+"/state", tok)
		require.Equal(t, 200, r.Code)
		require.JSONEq(t, `{"state": {}}`, string(r.Env.Result))

		r = s.do("POST", "/v3/actors/"+id+"/state", tok, "application/json", []byte(`{"some variable": "value", "another variable": "value2"}`))
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "State updated successfully.", r.Env.Message)
		require.Equal(t, id, r.result(t)["id"])
		r = s.getJSON("/v3/actors/"+id+"/state", tok)
		require.JSONEq(t, `{"state": {"some variable": "value", "another variable": "value2"}}`, string(r.Env.Result))

		// State reaches the next execution.
		eid := s.message(tok, id, "message=x")
		s.waitExecution(tok, id, eid, "COMPLETE")
		var state map[string]any
		for _, line := range strings.Split(s.logs(tok, id, eid), "\n") {
			if v, ok := strings.CutPrefix(line, "_abaco_actor_state="); ok {
				require.NoError(t, json.Unmarshal([]byte(v), &state))
			}
		}
		require.Equal(t, map[string]any{"some variable": "value", "another variable": "value2"}, state)

		// Any JSON value is a state, even a string.
		r = s.do("POST", "/v3/actors/"+id+"/state", tok, "application/json", []byte(`"just a string"`))
		require.Equal(t, 200, r.Code)
		r = s.do("POST", "/v3/actors/"+id+"/state", tok, "application/json", []byte(`{not json`))
		require.Equal(t, 400, r.Code)

		stateless := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		r = s.getJSON("/v3/actors/"+stateless+"/state", tok)
		require.Equal(t, 404, r.Code)
		require.Equal(t, "actor is stateless.", r.Env.Message)
	})
}
