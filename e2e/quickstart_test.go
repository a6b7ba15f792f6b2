package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQuickstart is the README's quickstart: register the word counter,
// send it a sentence, read the count from the logs and from the results.
func TestQuickstart(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/wc", "name": "wc"})
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "application/json", r.ContentType)
		actor := r.result(t)
		require.Equal(t, "SUBMITTED", actor["status"])
		id := actor["id"].(string)
		s.waitActor(tok, id, "READY")

		eid := s.message(tok, id, "message="+url.QueryEscape("Actor, please count these words."))
		ex := s.waitExecution(tok, id, eid, "COMPLETE")
		require.EqualValues(t, 0, ex["exit_code"])
		require.Contains(t, s.logs(tok, id, eid), "Number of words is: 5")

		res := s.do("GET", "/v3/actors/"+id+"/executions/"+eid+"/results", tok, "", nil)
		require.Equal(t, 200, res.Code)
		require.Equal(t, "application/octet-stream", res.ContentType)
		require.Equal(t, "5", string(res.Body))
		empty := s.do("GET", "/v3/actors/"+id+"/executions/"+eid+"/results", tok, "", nil)
		require.Equal(t, 200, empty.Code)
		require.Empty(t, empty.Body, "a result is popped exactly once")
	})
}

// TestRegistrationExample is the docs' curl registration, verbatim.
func TestRegistrationExample(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		r := s.do("POST", "/v3/actors", tok, "application/json", []byte(`{"image": "abacosamples/test", "name": "test", "description": "My test actor using the abacosamples image.", "default_environment":{"key1": "value1", "key2": "value2"} }`))
		require.Equal(t, 200, r.Code, "%s", r.Body)
		a := r.result(t)
		require.Equal(t, "test", a["name"])
		require.Equal(t, "My test actor using the abacosamples image.", a["description"])
		require.Equal(t, map[string]any{"key1": "value1", "key2": "value2"}, a["default_environment"])
		require.Equal(t, "jdoe", a["owner"])
		require.Equal(t, true, a["stateless"])
		require.EqualValues(t, 1, a["revision"])
		for _, k := range []string{"id", "image", "privileged", "hints", "link", "webhook", "token", "max_workers", "mem_limit", "max_cpus", "use_container_uid", "run_as_executor", "queue", "mounts", "status_message", "state", "log_ex", "cron_schedule", "cron_on", "create_time", "last_update_time", "_links"} {
			require.Contains(t, a, k)
		}
		id := a["id"].(string)
		s.waitActor(tok, id, "READY")

		// The default environment reaches the container; a query parameter overrides it.
		eid := s.message(tok, id, "message=hi", "key2=override", "ECHO_VARS=key1,key2")
		s.waitExecution(tok, id, eid, "COMPLETE")
		logs := s.logs(tok, id, eid)
		require.Contains(t, logs, "key1=value1\n")
		require.Contains(t, logs, "key2=override\n")

		// The list holds it, and GET returns the same actor.
		list := s.getJSON("/v3/actors", tok)
		require.Equal(t, 200, list.Code)
		require.Contains(t, string(list.Env.Result), id)
		require.True(t, strings.HasPrefix(string(list.Env.Result), "["))
	})
}
