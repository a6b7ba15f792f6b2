package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestActorLifecycle: PUT replaces the definition, a new image (or force)
// makes a new revision that new executions use, and DELETE removes the actor
// and stops what it runs.
func TestActorLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		update := func(id, body string) *response {
			t.Helper()
			return s.do("PUT", "/v3/actors/"+id, tok, "application/json", []byte(body))
		}

		id := s.createActor(tok, map[string]any{
			"image": "abacosamples/wc", "name": "counter", "description": "counts words",
			"default_environment": map[string]string{"K": "V"}, "hints": []string{"tag"}, "token": true, "log_ex": 600,
		})
		eid := s.message(tok, id, "message=one+two")
		s.waitExecution(tok, id, eid, "COMPLETE")
		require.Contains(t, s.logs(tok, id, eid), "Number of words is: 2")

		// A new image: full replacement, name kept, a new revision brought up.
		r := update(id, `{"image": "abacosamples/test"}`)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Actor updated successfully.", r.Env.Message)
		a := r.result(t)
		require.Equal(t, "counter", a["name"], "name is kept")
		require.Equal(t, "abacosamples/test", a["image"])
		require.Equal(t, "", a["description"])
		require.Equal(t, map[string]any{}, a["default_environment"])
		require.Equal(t, []any{}, a["hints"])
		require.Equal(t, "false", a["token"], "the configured default, as the reference shows it")
		require.Nil(t, a["log_ex"])
		require.Equal(t, true, a["stateless"])
		require.Equal(t, "jdoe", a["owner"])
		require.EqualValues(t, 2, a["revision"])
		require.Equal(t, "SUBMITTED", a["status"])
		a = s.waitActor(tok, id, "READY")
		require.EqualValues(t, 2, a["revision"])

		eid = s.message(tok, id, "message=one+two")
		s.waitExecution(tok, id, eid, "COMPLETE")
		logs := s.logs(tok, id, eid)
		require.Contains(t, logs, "Contents of MSG: one two\n", "the new image runs")
		require.NotContains(t, logs, "Number of words")
		require.Contains(t, logs, "_abaco_container_repo=abacosamples/test\n")
		require.Contains(t, logs, "_abaco_actor_revision=2\n")

		// The same image without force: no new revision, still READY.
		r = update(id, `{"image": "abacosamples/test", "description": "probe"}`)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.EqualValues(t, 2, r.result(t)["revision"])
		require.Equal(t, "READY", r.result(t)["status"])
		require.Equal(t, "probe", r.result(t)["description"])
		// force: a new revision of the same image.
		r = update(id, `{"image": "abacosamples/test", "force": true}`)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.EqualValues(t, 3, r.result(t)["revision"])
		require.Equal(t, "SUBMITTED", r.result(t)["status"])
		s.waitActor(tok, id, "READY")
		eid = s.message(tok, id, "message=x")
		s.waitExecution(tok, id, eid, "COMPLETE")
		require.Contains(t, s.logs(tok, id, eid), "_abaco_actor_revision=3\n")

		// A stateful actor cannot become stateless, not even by leaving the
		// field out.
		stateful := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		for _, body := range []string{`{"image": "abacosamples/test"}`, `{"image": "abacosamples/test", "stateless": true}`} {
			r = update(stateful, body)
			require.Equal(t, http.StatusBadRequest, r.Code, "%s: %s", body, r.Body)
			require.Contains(t, r.Env.Message, "an actor that was not stateless cannot be updated to be stateless")
		}
		r = update(stateful, `{"image": "abacosamples/test", "stateless": false}`)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, false, r.result(t)["stateless"])

		// DELETE: gone from GET and from the list.
		r = s.do("DELETE", "/v3/actors/"+id, tok, "", nil)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "Actor deleted successfully.", r.Env.Message)
		require.Equal(t, "null", string(r.Env.Result))
		r = s.getJSON("/v3/actors/"+id, tok)
		require.Equal(t, http.StatusNotFound, r.Code, "%s", r.Body)
		require.Equal(t, "error", r.Env.Status)
		require.Equal(t, 404, s.getJSON("/v3/actors/"+id+"/executions/"+eid, tok).Code)
		list := s.getJSON("/v3/actors", tok)
		require.Equal(t, 200, list.Code)
		require.NotContains(t, string(list.Env.Result), id)
		require.Contains(t, string(list.Env.Result), stateful)

		// DELETE with an execution RUNNING stops its container promptly.
		busy := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		running := s.message(tok, busy, "message=long", "SLEEP=30")
		s.waitExecution(tok, busy, running, "RUNNING")
		require.NotEmpty(t, runningContainers(t, busy), "the execution's container runs")
		start := time.Now()
		r = s.do("DELETE", "/v3/actors/"+busy, tok, "", nil)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Eventually(t, func() bool { return len(runningContainers(t, busy)) == 0 },
			10*time.Second, 100*time.Millisecond, "the deleted actor's container still runs")
		t.Logf("container stopped %v after DELETE", time.Since(start).Round(time.Millisecond))
		require.Equal(t, http.StatusNotFound, s.getJSON("/v3/actors/"+busy, tok).Code)
	})
}

// TestImageMissing: an actor whose image cannot be had goes to ERROR, keeps
// its messages, and runs them once a PUT fixes the image.
func TestImageMissing(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/does-not-exist"})
		require.Equal(t, 200, r.Code, "%s", r.Body)
		id := r.result(t)["id"].(string)
		a := s.waitActor(tok, id, "ERROR")
		require.Contains(t, a["status_message"], "abacosamples/does-not-exist")

		eid := s.message(tok, id, "message=four+words+in+here")
		pending := func() float64 {
			r := s.getJSON("/v3/actors/"+id+"/messages", tok)
			require.Equal(t, 200, r.Code, "%s", r.Body)
			return r.result(t)["messages"].(float64)
		}
		require.EqualValues(t, 1, pending())
		// Past a dispatcher sweep (2 s), nothing ran and nothing was lost.
		require.Never(t, func() bool {
			return s.execution(tok, id, eid)["status"] != "SUBMITTED"
		}, 3*time.Second, 100*time.Millisecond, "a message to an actor in ERROR waits")
		require.EqualValues(t, 1, pending())
		require.Equal(t, "ERROR", s.getJSON("/v3/actors/"+id, tok).result(t)["status"])

		r = s.do("PUT", "/v3/actors/"+id, tok, "application/json", []byte(`{"image": "abacosamples/wc"}`))
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Equal(t, "SUBMITTED", r.result(t)["status"])
		require.Equal(t, "", r.result(t)["status_message"])
		s.waitActor(tok, id, "READY")
		ex := s.waitExecution(tok, id, eid, "COMPLETE")
		require.EqualValues(t, 0, ex["exit_code"])
		require.Contains(t, s.logs(tok, id, eid), "Number of words is: 4")
		require.EqualValues(t, 0, pending())
	})
}

// TestOwnership: a user sees only their own actors; another tenant's
// tokens are refused; an admin reads everything in the tenant.
func TestOwnership(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test", "stateless": false})
		eid := s.message(tok, id, "message=mine", "RESULTS=1")
		s.waitExecution(tok, id, eid, "COMPLETE")

		routes := []string{
			"/v3/actors/" + id,
			"/v3/actors/" + id + "/executions",
			"/v3/actors/" + id + "/executions/" + eid,
			"/v3/actors/" + id + "/executions/" + eid + "/logs",
			"/v3/actors/" + id + "/executions/" + eid + "/results",
			"/v3/actors/" + id + "/messages",
			"/v3/actors/" + id + "/state",
		}

		other := s.mint("--user", "other")
		for _, path := range routes {
			r := s.getJSON(path, other)
			require.Equal(t, http.StatusForbidden, r.Code, "GET %s: %s", path, r.Body)
			requireTapisJSON(t, r)
			require.Contains(t, r.Env.Message, "Not authorized")
		}
		// Nor may they write to it.
		for _, c := range []struct{ method, path, ct, body string }{
			{"POST", "/v3/actors/" + id + "/messages", "application/x-www-form-urlencoded", "message=x"},
			{"POST", "/v3/actors/" + id + "/state", "application/json", `{"mine": true}`},
			{"PUT", "/v3/actors/" + id, "application/json", `{"image": "abacosamples/wc", "stateless": false}`},
			{"DELETE", "/v3/actors/" + id + "/messages", "", ""},
			{"DELETE", "/v3/actors/" + id, "", ""},
		} {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := s.do(c.method, c.path, other, c.ct, body)
			require.Equal(t, http.StatusForbidden, r.Code, "%s %s: %s", c.method, c.path, r.Body)
			require.Contains(t, r.Env.Message, "Not authorized")
		}
		r := s.getJSON("/v3/actors", other)
		require.Equal(t, 200, r.Code, "%s", r.Body)
		require.Empty(t, r.resultList(t))

		// A token for a tenant this server does not know is refused outright.
		foreign := s.mint("--user", "jdoe", "--tenant", "other")
		r = s.getJSON("/v3/actors/"+id, foreign)
		require.Equal(t, http.StatusUnauthorized, r.Code, "%s", r.Body)
		requireTapisJSON(t, r)
		require.Contains(t, r.Env.Message, "unexpected tenant_id")

		// An admin of the tenant reads it all.
		admin := s.token("boss", "abaco_admin")
		for _, path := range routes {
			r := s.getJSON(path, admin)
			require.Equal(t, 200, r.Code, "GET %s as admin: %s", path, r.Body)
		}
		// The owner still has it, untouched.
		a := s.getJSON("/v3/actors/"+id, tok).result(t)
		require.Equal(t, "abacosamples/test", a["image"])
		require.JSONEq(t, `{"state": {}}`, string(s.getJSON("/v3/actors/"+id+"/state", tok).Env.Result))
	})

	// With a second tenant configured, the same actor id does not exist
	// for the other tenant's users, not even for its admins.
	t.Run("other tenant", func(t *testing.T) {
		requireImages(t)
		s := startServerWithOtherTenant(t, "")
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		for _, foreign := range []string{
			s.mint("--user", "jdoe", "--tenant", "other"),
			s.mint("--user", "boss", "--tenant", "other", "--role", "abaco_admin"),
		} {
			r := s.getJSON("/v3/actors/"+id, foreign)
			require.Equal(t, http.StatusNotFound, r.Code, "%s", r.Body)
			requireTapisJSON(t, r)
			r = s.postForm("/v3/actors/"+id+"/messages", foreign, "message=x")
			require.Equal(t, http.StatusNotFound, r.Code, "%s", r.Body)
			r = s.getJSON("/v3/actors", foreign)
			require.Equal(t, 200, r.Code, "%s", r.Body)
			require.Empty(t, r.resultList(t))
		}
	})
}
