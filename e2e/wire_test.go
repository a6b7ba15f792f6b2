package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTapipyWire replays what tapipy 1.9.0 sends and checks what it needs
// back (spec/tapipy-wire.md §2–§4): the exact Content-Type, the envelope,
// no top-level `self`, the odd message paths answered without a redirect,
// results popped one per call, tokens with `exp`, and the get_context
// environment inside the container.
func TestTapipyWire(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("jdoe")
		requireExp(t, tok) // Tapis(access_token=...) decodes it and reads exp

		// api is one tapipy call: every answer is a Tapis JSON envelope whose
		// result has no top-level self.
		api := func(method, path, ct string, body []byte) *response {
			t.Helper()
			r := s.doWith(noRedirects, method, path, tok, ct, body)
			require.Equal(t, 200, r.Code, "%s %s: %s", method, path, r.Body)
			requireTapisJSON(t, r)
			requireNoSelf(t, r)
			return r
		}

		// Tapis() without tenant_id: sites and tenants, without a token.
		r := s.getJSON("/v3/sites", "")
		require.Equal(t, 200, r.Code, "%s", r.Body)
		requireTapisJSON(t, r)
		sites := r.resultList(t)
		require.NotEmpty(t, sites)
		for _, x := range sites {
			require.NotEmpty(t, x.(map[string]any)["site_id"], "site %v", x)
		}
		r = s.getJSON("/v3/tenants", "")
		require.Equal(t, 200, r.Code, "%s", r.Body)
		requireTapisJSON(t, r)
		var tenantIDs []any
		for _, x := range r.resultList(t) {
			tenant := x.(map[string]any)
			for _, k := range []string{"tenant_id", "site_id", "base_url"} {
				require.NotEmpty(t, tenant[k], "tenant %v lacks %s", tenant, k)
			}
			tenantIDs = append(tenantIDs, tenant["tenant_id"])
		}
		require.Contains(t, tenantIDs, "dev")

		// Errors use the same envelope and Content-Type, whatever the status.
		errorCases := []struct {
			method, path, token, ct string
			body                    []byte
			code                    int
		}{
			{"GET", "/v3/actors", "", "", nil, http.StatusUnauthorized},
			{"POST", "/v3/actors", tok, "application/json", []byte(`{}`), http.StatusBadRequest},
			{"GET", "/v3/actors/nosuchactor", tok, "", nil, http.StatusNotFound},
			{"GET", "/v3/nosuchroute", tok, "", nil, http.StatusNotFound},
			{"GET", "/v3/actors/x/y/z/w/v", tok, "", nil, http.StatusNotFound},
			{"PUT", "/v3/actors", tok, "", nil, http.StatusMethodNotAllowed},
			{"POST", "/v3/tenants", "", "", nil, http.StatusMethodNotAllowed},
		}
		for _, c := range errorCases {
			r := s.doWith(noRedirects, c.method, c.path, c.token, c.ct, c.body)
			require.Equal(t, c.code, r.Code, "%s %s: %s", c.method, c.path, r.Body)
			requireTapisJSON(t, r)
		}

		// create_actor sends only the spec's properties, snake_case, as JSON.
		// Stateful so that update_state works; RESULTS makes the probe send
		// two results; token asks for an access token in the container.
		r = api("POST", "/v3/actors", "application/json",
			[]byte(`{"image": "abacosamples/test", "stateless": false, "token": true, "default_environment": {"RESULTS": "2"}}`))
		id := r.result(t)["id"].(string)
		s.waitActor(tok, id, "READY")
		api("GET", "/v3/actors/"+id, "", nil)
		list := api("GET", "/v3/actors", "", nil).resultList(t)
		require.Len(t, list, 1)

		// The three ways tapipy sends a message, each answered directly.
		send := func(path, ct string, body []byte) (string, map[string]any) {
			t.Helper()
			res := api("POST", "/v3/actors/"+id+path, ct, body).result(t)
			require.NotEmpty(t, res["execution_id"])
			require.Equal(t, res["execution_id"], res["executionId"], "both spellings: %v", res)
			return res["execution_id"].(string), res
		}
		text, res := send("/messages", "application/json", []byte(`{"message":"hi"}`)) // send_message
		require.Equal(t, "hi", res["msg"])
		binary, res := send("//messages", "application/octet-stream", []byte("some raw bytes")) // send_binary_message
		require.Equal(t, "binary - omitted", res["msg"])
		jsonMsg, _ := send("///messages", "application/json", []byte(`{"who": "tapipy", "n": 1}`)) // send_json_message

		for _, eid := range []string{text, binary, jsonMsg} {
			s.waitExecution(tok, id, eid, "COMPLETE")
			api("GET", "/v3/actors/"+id+"/executions/"+eid, "", nil)
		}
		sum := api("GET", "/v3/actors/"+id+"/executions", "", nil).result(t)
		require.EqualValues(t, 3, sum["total_executions"])
		require.EqualValues(t, 0, api("GET", "/v3/actors/"+id+"/messages", "", nil).result(t)["messages"])

		// get_context's environment, all present in the container.
		logs := api("GET", "/v3/actors/"+id+"/executions/"+text+"/logs", "", nil).result(t)["logs"].(string)
		env := envOf(logs)
		for _, name := range []string{"MSG", "_abaco_Content-Type", "_abaco_container_repo", "_abaco_actor_name",
			"_abaco_actor_id", "_abaco_actor_dbid", "_abaco_execution_id", "_abaco_worker_id", "_abaco_username",
			"_abaco_actor_state", "_abaco_api_server", "_abaco_jwt_header_name", "_abaco_actor_revision", "_abaco_access_token"} {
			require.Contains(t, env, name, "container environment:\n%s", logs)
		}
		require.Equal(t, "hi", env["MSG"])
		require.Equal(t, "str", env["_abaco_Content-Type"])
		require.Equal(t, id, env["_abaco_actor_id"])
		require.Equal(t, text, env["_abaco_execution_id"])
		require.Equal(t, "jdoe", env["_abaco_username"])
		require.Equal(t, "abacosamples/test", env["_abaco_container_repo"])
		require.Equal(t, "X-Tapis-Token", env["_abaco_jwt_header_name"])
		require.Equal(t, "1", env["_abaco_actor_revision"])
		require.Equal(t, "http://"+s.addr, env["_abaco_api_server"], "get_client() uses it as base_url")
		require.NotEmpty(t, env["_abaco_worker_id"])

		logs = s.logs(tok, id, jsonMsg)
		require.Equal(t, "application/json", envOf(logs)["_abaco_Content-Type"])
		var msg map[string]any
		require.NoError(t, json.Unmarshal([]byte(envOf(logs)["MSG"]), &msg), "MSG of a JSON message is JSON text:\n%s", logs)
		require.Equal(t, map[string]any{"who": "tapipy", "n": float64(1)}, msg)
		logs = s.logs(tok, id, binary)
		require.Equal(t, "application/octet-stream", envOf(logs)["_abaco_Content-Type"])
		require.NotContains(t, envOf(logs), "MSG", "binary messages get no MSG")
		require.Contains(t, logs, "binary bytes: 14 ")

		// get_execution_result: raw bytes, one per call, then an empty body.
		for _, want := range []string{"result-1", "result-2", ""} {
			r := s.doWith(noRedirects, "GET", "/v3/actors/"+id+"/executions/"+text+"/results", tok, "", nil)
			require.Equal(t, 200, r.Code, "%s", r.Body)
			require.Equal(t, "application/octet-stream", r.ContentType)
			require.Equal(t, want, string(r.Body))
		}

		// With token: true the container gets a JWT (with exp) that this
		// server accepts, speaking for the actor's owner.
		access := env["_abaco_access_token"]
		require.NotEmpty(t, access)
		claims := requireExp(t, access)
		require.Equal(t, "jdoe", claims["tapis/username"])
		require.Equal(t, "dev", claims["tapis/tenant_id"])
		r = s.doWith(noRedirects, "GET", "/v3/actors", access, "", nil)
		require.Equal(t, 200, r.Code, "the in-container token is accepted: %s", r.Body)
		requireTapisJSON(t, r)
		require.Len(t, r.resultList(t), 1)
		require.Equal(t, id, r.resultList(t)[0].(map[string]any)["id"])

		// update_state(actor_id=..., request_body={...}): the state is the body.
		r = api("POST", "/v3/actors/"+id+"/state", "application/json", []byte(`{"count": 1, "who": "tapipy"}`))
		require.Equal(t, id, r.result(t)["id"])
		r = api("GET", "/v3/actors/"+id+"/state", "", nil)
		require.JSONEq(t, `{"state": {"count": 1, "who": "tapipy"}}`, string(r.Env.Result))

		// Repeated slashes and the unprefixed /actors give the same answers.
		same := map[string][]string{
			"/v3/actors":                                         {"/actors", "/v3//actors", "//v3/actors/"},
			"/v3/actors/" + id:                                   {"/actors/" + id, "/v3//actors//" + id, "//v3/actors/" + id + "/"},
			"/v3/actors/" + id + "/executions":                   {"/actors/" + id + "/executions", "/v3/actors/" + id + "//executions"},
			"/v3/actors/" + id + "/executions/" + text:           {"/actors/" + id + "/executions/" + text, "/v3/actors/" + id + "/executions//" + text},
			"/v3/actors/" + id + "/executions/" + text + "/logs": {"/actors/" + id + "/executions/" + text + "/logs", "/v3/actors/" + id + "///executions/" + text + "//logs"},
			"/v3/actors/" + id + "/messages":                     {"/actors/" + id + "/messages", "/v3/actors//" + id + "//messages"},
			"/v3/actors/" + id + "/state":                        {"/actors/" + id + "/state", "/v3/actors/" + id + "//state"},
			"/v3/tenants":                                        {"/v3//tenants"},
		}
		for canonical, variants := range same {
			want := api("GET", canonical, "", nil)
			for _, path := range variants {
				got := api("GET", path, "", nil)
				require.Equal(t, want.Env.Message, got.Env.Message, path)
				require.JSONEq(t, string(want.Env.Result), string(got.Env.Result), "%s differs from %s", path, canonical)
			}
		}
	})
}

// TestCORS: browsers get the headers flask-cors sends by default.
func TestCORS(t *testing.T) {
	s := startServer(t, "")
	tok := s.token("jdoe")
	r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test"})
	require.Equal(t, 200, r.Code, "%s", r.Body)
	id := r.result(t)["id"].(string)
	const origin = "https://portal.example.org"

	// Simple requests, successful or not, carry Allow-Origin.
	for _, c := range []struct{ path, token string }{
		{"/v3/actors/" + id, tok},
		{"/v3/actors", tok},
		{"/v3/actors", ""}, // 401
		{"/v3/tenants", ""},
	} {
		req, err := http.NewRequest("GET", s.url(c.path), nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		if c.token != "" {
			req.Header.Set("X-Tapis-Token", c.token)
		}
		resp, body := s.raw(req)
		require.NotEqual(t, 0, resp.StatusCode, "%s", body)
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), "GET %s (%d)", c.path, resp.StatusCode)
	}

	// A preflight, with or without the token, on an actor route.
	for _, c := range []struct{ path, token string }{
		{"/v3/actors/" + id + "/messages", ""},
		{"/v3/actors/" + id + "/messages", tok},
		{"/actors/" + id + "//state", ""},
	} {
		req, err := http.NewRequest("OPTIONS", s.url(c.path), nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "x-tapis-token,content-type")
		if c.token != "" {
			req.Header.Set("X-Tapis-Token", c.token)
		}
		resp, body := s.raw(req)
		require.Equal(t, 200, resp.StatusCode, "OPTIONS %s: %s", c.path, body)
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		methods := resp.Header.Get("Access-Control-Allow-Methods")
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			require.True(t, strings.Contains(methods, m), "Allow-Methods %q lacks %s", methods, m)
		}
		require.Equal(t, "x-tapis-token,content-type", resp.Header.Get("Access-Control-Allow-Headers"))
	}
}
