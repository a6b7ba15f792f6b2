package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// aliasRoute is one route under /actors/aliases/{alias}. It needs
// aliasLevel on the alias and actorLevel on the actor behind it
// (LevelNone: no check); denied is the message of a refusal.
type aliasRoute struct {
	method, path, body     string
	aliasLevel, actorLevel abaco.Level
	denied                 string
}

const (
	noAlias         = "Not authorized -- you do not have access to this alias."
	noAliasAndActor = "Not authorized -- you do not have access to this alias and actor."
)

var aliasRoutes = []aliasRoute{
	{method: "GET", path: "/v3/actors/aliases/{AL}", aliasLevel: abaco.LevelRead, denied: noAlias},
	{method: "PUT", path: "/v3/actors/aliases/{AL}", body: "actor_id={B}", aliasLevel: abaco.LevelUpdate, denied: noAlias},
	{method: "GET", path: "/v3/actors/aliases/{AL}/permissions", aliasLevel: abaco.LevelRead, denied: noAlias},
	{method: "POST", path: "/v3/actors/aliases/{AL}/permissions", body: "user=carol&level=READ", aliasLevel: abaco.LevelUpdate, denied: noAlias},
	{method: "GET", path: "/v3/actors/aliases/{AL}/nonces", aliasLevel: abaco.LevelRead, actorLevel: abaco.LevelRead, denied: noAliasAndActor},
	{method: "POST", path: "/v3/actors/aliases/{AL}/nonces", body: "level=READ&maxUses=2", aliasLevel: abaco.LevelUpdate, actorLevel: abaco.LevelUpdate, denied: noAliasAndActor},
	{method: "GET", path: "/v3/actors/aliases/{AL}/nonces/{N}", aliasLevel: abaco.LevelRead, actorLevel: abaco.LevelRead, denied: noAliasAndActor},
	{method: "DELETE", path: "/v3/actors/aliases/{AL}/nonces/{FRESH}", aliasLevel: abaco.LevelUpdate, actorLevel: abaco.LevelUpdate, denied: noAliasAndActor},
	// Through the alias, the actor's own routes check the actor's permissions.
	{method: "GET", path: "/v3/actors/{AL}", actorLevel: abaco.LevelRead, denied: notAuthorized},
	{method: "POST", path: "/v3/actors/{AL}/messages", body: "message=via-alias", actorLevel: abaco.LevelExecute, denied: notAuthorized},
	{method: "DELETE", path: "/v3/actors/aliases/{AL}", aliasLevel: abaco.LevelUpdate, denied: noAlias},
}

// TestAliasAuthorization checks alias routes for callers holding different
// levels on the alias and on its actor: the two are separate.
func TestAliasAuthorization(t *testing.T) {
	s, other := startTenantServer(t, "")
	tok := map[string]string{}
	for _, u := range []string{"alice", "aliasreader", "aliasupdater", "both", "actoronly", "stranger"} {
		tok[u] = s.token(u)
	}
	tok["admin"] = s.token("boss", abaco.RoleAdmin)
	tok["other"] = other.token(t, "alice")
	newActor := func() string {
		return s.mustOK(s.postJSON("/v3/actors", tok["alice"], map[string]any{"image": "abacosamples/test"}))["id"].(string)
	}
	a, b := newActor(), newActor() // b: the target of PUTs
	for _, u := range []string{"both", "actoronly"} {
		s.grant(tok["alice"], "/v3/actors/"+a, u, "UPDATE")
		s.grant(tok["alice"], "/v3/actors/"+b, u, "UPDATE")
	}
	actorNonce := s.newNonce(tok["alice"], "/v3/actors/"+a, "UPDATE", -1)

	type fixture struct{ alias, nonceRead, nonceExec, exhausted string }
	n := 0
	build := func() fixture {
		n++
		f := fixture{alias: fmt.Sprintf("counter.%d", n)}
		s.mustOK(s.postForm("/v3/actors/aliases", tok["alice"], "alias="+f.alias+"&actor_id="+a))
		p := "/v3/actors/aliases/" + f.alias
		s.grant(tok["alice"], p, "aliasreader", "READ")
		s.grant(tok["alice"], p, "aliasupdater", "UPDATE")
		s.grant(tok["alice"], p, "both", "UPDATE")
		f.nonceRead = s.newNonce(tok["alice"], p, "READ", -1)
		f.nonceExec = s.newNonce(tok["alice"], p, "EXECUTE", -1)
		f.exhausted = s.newNonce(tok["alice"], p, "READ", 1)
		require.Equal(t, 200, s.call("GET", p, "", f.exhausted, "", "").Code)
		return f
	}
	type col struct {
		name             string
		user             string // token of; "" for a nonce
		nonce            func(fixture) string
		aliasLv, actorLv abaco.Level
		code             int // fixed outcome, if not 0
		msg              string
		exhausted        bool
	}
	const insufficient = "Nonce does not have sufficient permissions level."
	cols := []col{
		{name: "owner", user: "alice", aliasLv: abaco.LevelUpdate, actorLv: abaco.LevelUpdate},
		{name: "alias READ", user: "aliasreader", aliasLv: abaco.LevelRead},
		{name: "alias UPDATE only", user: "aliasupdater", aliasLv: abaco.LevelUpdate},
		{name: "alias and actor UPDATE", user: "both", aliasLv: abaco.LevelUpdate, actorLv: abaco.LevelUpdate},
		{name: "actor UPDATE only", user: "actoronly", actorLv: abaco.LevelUpdate},
		{name: "no grant", user: "stranger"},
		{name: "admin", user: "admin", aliasLv: abaco.LevelUpdate, actorLv: abaco.LevelUpdate},
		{name: "other tenant", user: "other", code: 404},
		{name: "alias nonce READ", nonce: func(f fixture) string { return f.nonceRead }, aliasLv: abaco.LevelRead, actorLv: abaco.LevelRead},
		{name: "alias nonce EXECUTE", nonce: func(f fixture) string { return f.nonceExec }, aliasLv: abaco.LevelExecute, actorLv: abaco.LevelExecute},
		{name: "exhausted alias nonce", nonce: func(f fixture) string { return f.exhausted }, aliasLv: abaco.LevelRead, exhausted: true},
		{name: "actor nonce on alias", nonce: func(fixture) string { return actorNonce }, code: 401, msg: "Nonce does not exist."},
	}
	methodLevel := func(rt aliasRoute) abaco.Level {
		switch {
		case rt.method == "GET":
			return abaco.LevelRead
		case rt.method == "POST" && strings.HasSuffix(rt.path, "/messages"):
			return abaco.LevelExecute
		}
		return abaco.LevelUpdate
	}
	f := build()
	for _, rt := range aliasRoutes {
		for _, c := range cols {
			cell := f
			if rt.method == "DELETE" && rt.path == "/v3/actors/aliases/{AL}" || rt.method == "PUT" {
				cell = build() // these change the alias itself
			}
			path := strings.NewReplacer("{AL}", cell.alias, "{N}", cell.nonceRead).Replace(rt.path)
			if strings.Contains(path, "{FRESH}") {
				path = strings.ReplaceAll(path, "{FRESH}", s.newNonce(tok["alice"], "/v3/actors/aliases/"+cell.alias, "READ", 1))
			}
			body := strings.ReplaceAll(rt.body, "{B}", b)
			wantCode, wantMsg := 200, ""
			switch {
			case c.code != 0:
				wantCode, wantMsg = c.code, c.msg
			case c.nonce != nil && c.aliasLv < methodLevel(rt):
				wantCode, wantMsg = 403, insufficient // checked before a use is spent
			case c.exhausted:
				wantCode, wantMsg = 401, "No remaining uses left for this nonce."
			case c.aliasLv < rt.aliasLevel || c.actorLv < rt.actorLevel:
				wantCode, wantMsg = 403, rt.denied
			case rt.method == "PUT" && c.actorLv < abaco.LevelUpdate:
				wantCode, wantMsg = 403, "Not authorized -- you do not have UPDATE access to the actor you want to associate with this alias."
			}
			if c.code == 404 {
				wantMsg = "No alias found: " + cell.alias + "."
				if strings.HasPrefix(rt.path, "/v3/actors/{AL}") {
					wantMsg = "Actor with identifier '" + cell.alias + "' not found"
				}
			}
			token, nonce := "", ""
			if c.user != "" {
				token = tok[c.user]
			} else {
				nonce = c.nonce(cell)
			}
			ct := ""
			if body != "" {
				ct = "application/x-www-form-urlencoded"
			}
			r := s.call(rt.method, path, token, nonce, ct, body)
			require.Equal(t, wantCode, r.Code, "%s %s as %s: %s", rt.method, rt.path, c.name, r.Body)
			if wantMsg != "" {
				require.Equal(t, wantMsg, r.Env.Message, "%s %s as %s", rt.method, rt.path, c.name)
			}
		}
	}

	// Creating an alias needs UPDATE on the actor; anyone lists the tenant's aliases.
	r := s.postForm("/v3/actors/aliases", tok["aliasupdater"], "alias=mine&actor_id="+a)
	require.Equal(t, 403, r.Code, "%s", r.Body)
	require.Equal(t, "Not authorized -- you do not have access to "+a+".", r.Env.Message)
	s.mustOK(s.postForm("/v3/actors/aliases", tok["actoronly"], "alias=mine&actor_id="+a))
	list := s.mustOK2List(s.getJSON("/v3/actors/aliases", tok["stranger"]))
	require.NotEmpty(t, list)
	require.Empty(t, s.mustOK2List(s.getJSON("/v3/actors/aliases", tok["other"])), "aliases are per tenant")
}

// TestAliasValidation covers the naming rules of reference §5.
func TestAliasValidation(t *testing.T) {
	s := startServer(t, "")
	tok := s.token("alice")
	a := s.mustOK(s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test"}))["id"].(string)
	for alias, want := range map[string]string{
		a:          "Invalid alias description. Alias cannot be an Abaco hash id.",
		"messages": "messages is a reserved word.",
		"my alias": "' ' is a forbidden character.",
		"a:b":      "':' is a forbidden character.",
		"what?":    "'?' is a forbidden character.",
		"nonces":   "nonces is a reserved word.",
	} {
		r := s.postJSON("/v3/actors/aliases", tok, map[string]any{"alias": alias, "actor_id": a})
		require.Equal(t, 400, r.Code, "%q: %s", alias, r.Body)
		require.True(t, strings.HasPrefix(r.Env.Message, want), "%q: %s", alias, r.Env.Message)
	}
	s.mustOK(s.postJSON("/v3/actors/aliases", tok, map[string]any{"alias": "with.dots", "actor_id": a}))
	r := s.postJSON("/v3/actors/aliases", tok, map[string]any{"alias": "with.dots", "actor_id": a})
	require.Equal(t, 409, r.Code, "%s", r.Body)
	require.Equal(t, "Alias with.dots already exists.", r.Env.Message)
	r = s.postJSON("/v3/actors/aliases", tok, map[string]any{"alias": "ghost", "actor_id": "yP0PDpZWG38Bg"})
	require.Equal(t, 404, r.Code, "%s", r.Body)
	r = s.do("PUT", "/v3/actors/aliases/with.dots", tok, "application/json", []byte(`{"alias": "x", "actor_id": "`+a+`"}`))
	require.Equal(t, 400, r.Code, "%s", r.Body)
	require.Equal(t, "Invalid alias update description. The alias itself cannot be updated in a PUT request.", r.Env.Message)
	r = s.postForm("/v3/actors/aliases/with.dots/nonces", tok, "level=UPDATE")
	require.Equal(t, 400, r.Code, "alias nonces stop at EXECUTE: %s", r.Body)
	r = s.postForm("/v3/actors/"+a+"/nonces", tok, "maxUses=0")
	require.Equal(t, 400, r.Code, "%s", r.Body)
	require.Equal(t, "The max uses parameter must be a positive integer or -1 (to denote unlimited uses).", r.Env.Message)
	r = s.postForm("/v3/actors/"+a+"/permissions", tok, "user=bob&level=ADMIN")
	require.Equal(t, 400, r.Code, "%s", r.Body)
	require.Equal(t, "Invalid permission level: ADMIN. The valid values are ('NONE', 'READ', 'EXECUTE', 'UPDATE')", r.Env.Message)
	r = s.getJSON("/v3/actors/no-such-alias", tok)
	require.Equal(t, 404, r.Code, "%s", r.Body)
	require.Equal(t, "Actor with identifier 'no-such-alias' not found", r.Env.Message)
	r = s.getJSON("/v3/actors/"+a+"/nonces/dev_nosuchnonce", tok)
	require.Equal(t, 404, r.Code, "%s", r.Body)
	require.Equal(t, "Nonce not found.", r.Env.Message)
	r = s.getJSON("/v3/actors/"+a+"?x-nonce=dev_nosuchnonce", "")
	require.Equal(t, 401, r.Code, "%s", r.Body)
	require.Equal(t, "Nonce does not exist.", r.Env.Message)
}
