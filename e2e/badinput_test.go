package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadInput: every malformed request is a 4xx with a clear message in the
// envelope, never a 5xx, and nothing is half-written.
func TestBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		big := bytes.Repeat([]byte("x"), 2<<20)
		cases := []struct {
			name, method, path, token, ct string
			body                          []byte
			code                          int
			msg                           string
		}{
			{"missing image", "POST", "/v3/actors", tok, "application/json", []byte(`{"name": "x"}`), 400, "image"},
			{"empty image form", "POST", "/v3/actors", tok, "application/x-www-form-urlencoded", []byte(`image=`), 400, "image"},
			{"malformed JSON", "POST", "/v3/actors", tok, "application/json", []byte(`{"image": `), 400, "JSON"},
			{"bad boolean", "POST", "/v3/actors", tok, "application/json", []byte(`{"image": "a", "stateless": "abcd"}`), 400, "stateless"},
			{"bad integer", "POST", "/v3/actors", tok, "application/json", []byte(`{"image": "a", "log_ex": "soon"}`), 400, "log_ex"},
			{"env as form", "POST", "/v3/actors", tok, "application/x-www-form-urlencoded", []byte(`image=a&default_environment=k`), 400, "default_environment"},
			{"stateful with workers", "POST", "/v3/actors", s.token("root", "abaco_admin"), "application/json", []byte(`{"image": "a", "stateless": false, "max_workers": 3}`), 400, "stateful actors can only have 1 worker"},
			{"privileged by regular user", "POST", "/v3/actors", tok, "application/json", []byte(`{"image": "a", "privileged": true}`), 403, "only admins and privileged users can make privileged actors"},
			{"unknown queue", "POST", "/v3/actors", s.token("root", "abaco_admin"), "application/json", []byte(`{"image": "a", "queue": "nope"}`), 400, "queue"},
			{"oversized body", "POST", "/v3/actors", tok, "application/json", big, 413, "exceeds"},
			// Not an id, so an unknown alias (reference §3, Identifiers).
			{"unknown actor", "GET", "/v3/actors/nosuchactor", tok, "", nil, 404, "Actor with identifier 'nosuchactor' not found"},
			{"unknown actor messages", "POST", "/v3/actors/nosuchactor/messages", tok, "application/x-www-form-urlencoded", []byte("message=x"), 404, "Actor with identifier 'nosuchactor' not found"},
			{"unknown actor id", "GET", "/v3/actors/yP0PDpZWG38Bg", tok, "", nil, 404, "No actor found"},
			{"unknown execution", "GET", "/v3/actors/" + id + "/executions/nosuch", tok, "", nil, 404, "No executions found"},
			{"unknown execution logs", "GET", "/v3/actors/" + id + "/executions/nosuch/logs", tok, "", nil, 404, "No executions found"},
			{"wrong method on actors", "PUT", "/v3/actors", tok, "", nil, 405, "not allowed"},
			{"wrong method on actor", "POST", "/v3/actors/" + id, tok, "", nil, 405, "not allowed"},
			{"wrong method on executions", "PUT", "/v3/actors/" + id + "/executions", tok, "", nil, 405, "not allowed"},
			{"wrong method on logs", "POST", "/v3/actors/" + id + "/executions/x/logs", tok, "", nil, 405, "not allowed"},
			{"wrong method on messages", "PUT", "/v3/actors/" + id + "/messages", tok, "", nil, 405, "not allowed"},
			{"no token", "GET", "/v3/actors", "", "", nil, 401, "No JWT or nonce provided."},
			{"garbage token", "GET", "/v3/actors", "not-a-jwt", "", nil, 401, "Tapis"},
			{"tampered token", "GET", "/v3/actors", tok[:len(tok)-4] + "AAAA", "", nil, 401, "Tapis"},
			{"message not JSON", "POST", "/v3/actors/" + id + "/messages", tok, "text/plain", []byte("just words"), 400, "could not be serialized"},
			{"message JSON broken", "POST", "/v3/actors/" + id + "/messages", tok, "application/json", []byte(`{"message": `), 400, "could not be serialized"},
			{"message form without message", "POST", "/v3/actors/" + id + "/messages", tok, "application/x-www-form-urlencoded", []byte("other=1"), 400, "could not be serialized"},
			{"forged context variable", "POST", "/v3/actors/" + id + "/messages?_abaco_username=admin", tok, "application/x-www-form-urlencoded", []byte("message=x"), 400, "reserved"},
			{"empty message body", "POST", "/v3/actors/" + id + "/messages", tok, "", nil, 400, "could not be serialized"},
			{"state not JSON", "POST", "/v3/actors/" + id + "/state", tok, "application/json", []byte("{"), 400, "JSON serializable"},
		}
		for _, c := range cases {
			r := s.do(c.method, c.path, c.token, c.ct, c.body)
			require.Equal(t, c.code, r.Code, "%s: %s", c.name, r.Body)
			require.Equal(t, "application/json", r.ContentType, c.name)
			require.Equal(t, "error", r.Env.Status, c.name)
			require.Contains(t, strings.ToLower(r.Env.Message), strings.ToLower(c.msg), c.name)
		}

		// A binary message without a Content-Length (chunked) is refused.
		req, _ := http.NewRequest("POST", s.url("/v3/actors/"+id+"/messages"), struct{ *bytes.Reader }{bytes.NewReader([]byte("abc"))})
		req.Header.Set("X-Tapis-Token", tok)
		req.Header.Set("Content-Type", "application/octet-stream")
		req.ContentLength = -1
		r := s.send(req)
		require.Equal(t, 400, r.Code, "%s", r.Body)
		require.Contains(t, r.Env.Message, "Content Length required")

		// None of the refused requests created anything.
		list := s.getJSON("/v3/actors", tok)
		require.Len(t, list.resultList(t), 1)
		sum := s.getJSON("/v3/actors/"+id+"/executions", tok).result(t)
		require.EqualValues(t, 0, sum["total_executions"])
	})
}

// TestOversizedMessage: a message over the configured cap is a 413.
func TestOversizedMessage(t *testing.T) {
	requireImages(t)
	s := startServer(t, "", "--max-message-bytes", "1000")
	tok := s.token("jdoe")
	id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
	r := s.do("POST", "/v3/actors/"+id+"/messages", tok, "application/octet-stream", bytes.Repeat([]byte{1}, 1001))
	require.Equal(t, 413, r.Code, "%s", r.Body)
	require.Contains(t, r.Env.Message, "Message exceeds max content length of: 1000")
	r = s.postForm("/v3/actors/"+id+"/messages", tok, "message="+strings.Repeat("y", 1001))
	require.Equal(t, 413, r.Code, "%s", r.Body)
}
