package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
)

// route is one actor route of the matrix. path holds {A} (the actor), {E}
// (an execution of it) and {N} (a nonce of it); level is what a regular
// user needs; allowed is the status a permitted caller gets.
type route struct {
	method, path, contentType, body string
	level                           abaco.Level
	allowed                         int
	allowedMsg                      string // checked when not empty
}

// actorRoutes are every route under /actors/{id}. A halt of a finished
// execution is a 409 and a missing worker a 404 for whoever may ask:
// those outcomes prove the permission check passed.
var actorRoutes = []route{
	{method: "GET", path: "/v3/actors/{A}", level: abaco.LevelRead, allowed: 200},
	{method: "PUT", path: "/v3/actors/{A}", contentType: "application/json", body: `{"image": "abacosamples/test", "stateless": false}`, level: abaco.LevelUpdate, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/state", level: abaco.LevelRead, allowed: 200},
	{method: "POST", path: "/v3/actors/{A}/state", contentType: "application/json", body: `{"k": 1}`, level: abaco.LevelUpdate, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/messages", level: abaco.LevelRead, allowed: 200},
	{method: "POST", path: "/v3/actors/{A}/messages", contentType: "application/x-www-form-urlencoded", body: "message=hi", level: abaco.LevelExecute, allowed: 200},
	{method: "DELETE", path: "/v3/actors/{A}/messages", level: abaco.LevelUpdate, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/executions", level: abaco.LevelRead, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/executions/{E}", level: abaco.LevelRead, allowed: 200},
	{method: "DELETE", path: "/v3/actors/{A}/executions/{E}", level: abaco.LevelUpdate, allowed: 409},
	{method: "GET", path: "/v3/actors/{A}/executions/{E}/logs", level: abaco.LevelRead, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/executions/{E}/results", level: abaco.LevelRead, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/workers", level: abaco.LevelRead, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/workers/nosuchworker", level: abaco.LevelRead, allowed: 404, allowedMsg: "Worker not found."},
	{method: "GET", path: "/v3/actors/{A}/permissions", level: abaco.LevelRead, allowed: 200},
	{method: "POST", path: "/v3/actors/{A}/permissions", contentType: "application/x-www-form-urlencoded", body: "user=carol&level=READ", level: abaco.LevelUpdate, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/nonces", level: abaco.LevelRead, allowed: 200},
	{method: "POST", path: "/v3/actors/{A}/nonces", contentType: "application/x-www-form-urlencoded", body: "level=READ&maxUses=1", level: abaco.LevelUpdate, allowed: 200},
	{method: "GET", path: "/v3/actors/{A}/nonces/{N}", level: abaco.LevelRead, allowed: 200},
	{method: "DELETE", path: "/v3/actors/{A}/nonces/{FRESH}", level: abaco.LevelUpdate, allowed: 200},
	{method: "DELETE", path: "/v3/actors/{A}", level: abaco.LevelUpdate, allowed: 200},
}

// fixture is a pair of actors owned by alice in the dev tenant: A shared
// with named users and carrying nonces of every kind, and W, shared with
// ABACO_WORLD at EXECUTE.
type fixture struct {
	a, w     string // actor ids
	ea, ew   string // an execution of each
	na, nw   string // a nonce of each (for GET /nonces/{N})
	nonces   map[string]string
	otherRef string // a nonce of another actor of alice
}

// who is one column of the matrix.
type who struct {
	name   string
	token  func(f *fixture) string
	nonce  func(f *fixture) string
	world  bool // targets W instead of A
	expect func(rt route, f *fixture) (int, string)
}

const notAuthorized = "Not authorized -- you do not have access to this actor."

func levelRule(have abaco.Level, denied int, deniedMsg string) func(route, *fixture) (int, string) {
	return func(rt route, _ *fixture) (int, string) {
		if rt.level <= have {
			return rt.allowed, rt.allowedMsg
		}
		return denied, deniedMsg
	}
}

// TestAuthorizationMatrix checks every actor route against every kind of
// caller, through the real server on SQLite (the whole matrix) and
// PostgreSQL (the same matrix; it is fast enough for both).
func TestAuthorizationMatrix(t *testing.T) {
	requireImages(t)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			database := ""
			if db == "postgres" {
				database = testenv.PostgresURL(t)
			}
			runMatrix(t, database)
		})
	}
}

func runMatrix(t *testing.T, database string) {
	s, other := startTenantServer(t, database)
	tok := map[string]string{}
	for _, u := range []string{"alice", "reader", "executor", "updater", "noner", "stranger"} {
		tok[u] = s.token(u)
	}
	tok["admin"] = s.token("boss", abaco.RoleAdmin)
	tok["privileged"] = s.token("priv", abaco.RolePrivileged)
	tok["other"] = other.token(t, "alice") // the same username, another tenant
	tok["otheradmin"] = other.token(t, "root")

	otherActor := s.mustOK(s.postJSON("/v3/actors", tok["alice"], map[string]any{"image": "abacosamples/test"}))["id"].(string)
	otherNonce := s.newNonce(tok["alice"], "/v3/actors/"+otherActor, "UPDATE", -1)

	build := func(withExecutions bool) *fixture {
		f := &fixture{nonces: map[string]string{}, otherRef: otherNonce}
		mk := func() string {
			return s.mustOK(s.postJSON("/v3/actors", tok["alice"], map[string]any{"image": "abacosamples/test", "stateless": false}))["id"].(string)
		}
		f.a, f.w = mk(), mk()
		base := "/v3/actors/" + f.a
		s.grant(tok["alice"], base, "reader", "READ")
		s.grant(tok["alice"], base, "executor", "EXECUTE")
		s.grant(tok["alice"], base, "updater", "UPDATE")
		s.grant(tok["alice"], base, "noner", "READ")
		s.grant(tok["alice"], base, "noner", "NONE") // NONE removes the grant
		s.grant(tok["alice"], "/v3/actors/"+f.w, abaco.WorldUser, "EXECUTE")
		for _, l := range []string{"NONE", "READ", "EXECUTE", "UPDATE"} {
			f.nonces[l] = s.newNonce(tok["alice"], base, l, -1)
		}
		f.nonces["exhausted"] = s.newNonce(tok["alice"], base, "UPDATE", 1)
		require.Equal(t, 200, s.call("GET", base, "", f.nonces["exhausted"], "", "").Code)
		f.na = f.nonces["READ"]
		f.nw = s.newNonce(tok["alice"], "/v3/actors/"+f.w, "READ", -1)
		if withExecutions {
			f.ea = s.message(tok["alice"], f.a, "message=first")
			f.ew = s.message(tok["alice"], f.w, "message=first")
			s.waitExecution(tok["alice"], f.a, f.ea, "COMPLETE")
			s.waitExecution(tok["alice"], f.w, f.ew, "COMPLETE")
		}
		return f
	}

	byToken := func(name string) func(*fixture) string { return func(*fixture) string { return tok[name] } }
	byNonce := func(kind string) func(*fixture) string { return func(f *fixture) string { return f.nonces[kind] } }
	all := func(code int, msg string) func(route, *fixture) (int, string) {
		return func(rt route, _ *fixture) (int, string) {
			if code == 0 {
				return rt.allowed, rt.allowedMsg
			}
			return code, msg
		}
	}
	const insufficient = "Nonce does not have sufficient permissions level."
	columns := []who{
		{name: "owner", token: byToken("alice"), expect: all(0, "")},
		{name: "READ", token: byToken("reader"), expect: levelRule(abaco.LevelRead, 403, notAuthorized)},
		{name: "EXECUTE", token: byToken("executor"), expect: levelRule(abaco.LevelExecute, 403, notAuthorized)},
		{name: "UPDATE", token: byToken("updater"), expect: all(0, "")},
		{name: "NONE", token: byToken("noner"), expect: all(403, notAuthorized)},
		{name: "no grant", token: byToken("stranger"), expect: all(403, notAuthorized)},
		{name: "ABACO_WORLD", token: byToken("stranger"), world: true, expect: levelRule(abaco.LevelExecute, 403, notAuthorized)},
		{name: "admin", token: byToken("admin"), expect: all(0, "")},
		{name: "privileged", token: byToken("privileged"), expect: all(403, notAuthorized)},
		{name: "other tenant", token: byToken("other"), expect: func(_ route, f *fixture) (int, string) {
			return 404, "No actor found with identifier: " + f.a + "."
		}},
		{name: "other tenant admin", token: byToken("otheradmin"), expect: func(_ route, f *fixture) (int, string) {
			return 404, "No actor found with identifier: " + f.a + "."
		}},
		{name: "nonce NONE", nonce: byNonce("NONE"), expect: all(403, insufficient)},
		{name: "nonce READ", nonce: byNonce("READ"), expect: levelRule(abaco.LevelRead, 403, insufficient)},
		{name: "nonce EXECUTE", nonce: byNonce("EXECUTE"), expect: levelRule(abaco.LevelExecute, 403, insufficient)},
		{name: "nonce UPDATE", nonce: byNonce("UPDATE"), expect: all(0, "")},
		{name: "exhausted nonce", nonce: byNonce("exhausted"), expect: all(401, "No remaining uses left for this nonce.")},
		{name: "nonce of another actor", nonce: func(f *fixture) string { return f.otherRef }, expect: all(401, "Nonce does not exist.")},
	}

	f := build(true)
	for _, rt := range actorRoutes {
		for _, c := range columns {
			cell := f
			if rt.method == "DELETE" && rt.path == "/v3/actors/{A}" {
				cell = build(false) // deleting needs an actor of its own per cell
			}
			actor, exec, nonce := cell.a, cell.ea, cell.na
			if c.world {
				actor, exec, nonce = cell.w, cell.ew, cell.nw
			}
			path := strings.NewReplacer("{A}", actor, "{E}", exec, "{N}", nonce).Replace(rt.path)
			if strings.Contains(path, "{FRESH}") {
				path = strings.ReplaceAll(path, "{FRESH}", s.newNonce(tok["alice"], "/v3/actors/"+actor, "READ", 1))
			}
			token, nonceID := "", ""
			if c.token != nil {
				token = c.token(cell)
			} else {
				nonceID = c.nonce(cell)
			}
			wantCode, wantMsg := c.expect(rt, cell)
			r := s.call(rt.method, path, token, nonceID, rt.contentType, rt.body)
			require.Equal(t, wantCode, r.Code, "%s %s as %s: %s", rt.method, rt.path, c.name, r.Body)
			if wantMsg != "" {
				require.Equal(t, wantMsg, r.Env.Message, "%s %s as %s", rt.method, rt.path, c.name)
			}
		}
	}

	// GET /actors lists what the caller may read; admins list like anyone
	// (as in the reference); a nonce is no credential for the list.
	listed := func(token string) []string {
		var ids []string
		for _, x := range s.mustOK2List(s.getJSON("/v3/actors", token)) {
			ids = append(ids, x.(map[string]any)["id"].(string))
		}
		return ids
	}
	for name, want := range map[string]bool{"alice": true, "reader": true, "executor": true, "updater": true,
		"noner": false, "stranger": false, "admin": false, "privileged": false, "other": false, "otheradmin": false} {
		require.Equal(t, want, contains(listed(tok[name]), f.a), "GET /actors as %s", name)
	}
	require.True(t, contains(listed(tok["stranger"]), f.w), "a public actor is listed for everyone")
	require.False(t, contains(listed(tok["other"]), f.w), "but not in another tenant")
	r := s.call("GET", "/v3/actors", "", f.nonces["UPDATE"], "", "")
	require.Equal(t, 401, r.Code, "%s", r.Body)

	// Messages sent by nonce carry no _abaco_username; by token they do.
	viaNonce := s.call("POST", "/v3/actors/"+f.a+"/messages", "", f.nonces["EXECUTE"], "application/x-www-form-urlencoded", "message=n")
	eid := s.mustOK(viaNonce)["execution_id"].(string)
	s.waitExecution(tok["alice"], f.a, eid, "COMPLETE")
	require.NotContains(t, s.logs(tok["alice"], f.a, eid), "_abaco_username=")
	require.NotContains(t, s.logs(tok["alice"], f.a, eid), "x-nonce")
	require.Contains(t, s.logs(tok["alice"], f.a, f.ea), "_abaco_username=alice")

	// Every nonce request counted as a use, refused-for-level ones excepted.
	n := s.mustOK(s.getJSON("/v3/actors/"+f.a+"/nonces/"+f.nonces["READ"], tok["alice"]))
	reads := 0
	for _, rt := range actorRoutes {
		if rt.level == abaco.LevelRead {
			reads++
		}
	}
	require.EqualValues(t, reads, n["current_uses"], "one use per permitted request of the READ nonce")
	require.Equal(t, "READ", n["level"])
	require.NotEqual(t, "None", n["last_use_time"])
}

// mustOK2List requires a 200 and returns the result as a list.
func (s *server) mustOK2List(r *response) []any {
	s.t.Helper()
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	var l []any
	require.NoError(s.t, json.Unmarshal(r.Env.Result, &l))
	return l
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
