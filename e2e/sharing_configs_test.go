package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// TestActorConfigs covers config CRUD, their own permissions, naming rules
// and secrets (never shown, sealed at rest), on both databases.
func TestActorConfigs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		alice, bob, admin := s.token("alice"), s.token("bob"), s.token("boss", abaco.RoleAdmin)
		actor := s.mustOK(s.postJSON("/v3/actors", alice, map[string]any{"image": "abacosamples/test"}))["id"].(string)
		s.mustOK(s.postForm("/v3/actors/aliases", alice, "alias=wc&actor_id="+actor))

		c := s.mustOK(s.postForm("/v3/actors/configs", alice, "name=db.password&value=hunter2&is_secret=true&actors="+actor+", wc"))
		require.Equal(t, map[string]any{"name": "db.password", "value": abaco.SecretPlaceholder, "is_secret": true, "actors": actor + ", wc"}, c)
		c = s.mustOK(s.postJSON("/v3/actors/configs", alice, map[string]any{"name": "plain", "value": "v1", "is_secret": false, "actors": "wc"}))
		require.Equal(t, "v1", c["value"])

		got := s.mustOK(s.getJSON("/v3/actors/configs/db.password", alice))
		require.Equal(t, abaco.SecretPlaceholder, got["value"])
		list := s.getJSON("/v3/actors/configs", alice)
		require.Equal(t, 200, list.Code)
		require.NotContains(t, string(list.Body), "hunter2")
		require.Len(t, list.resultList(t), 2)
		if s.database == "" { // SQLite: the secret is sealed in the file itself
			db, err := os.ReadFile(filepath.Join(s.dataDir, "abaco.db"))
			require.NoError(t, err)
			wal, _ := os.ReadFile(filepath.Join(s.dataDir, "abaco.db-wal"))
			require.NotContains(t, string(db)+string(wal), "hunter2")
			require.Contains(t, string(db)+string(wal), "aesgcm1:")
			_, err = os.Stat(filepath.Join(s.dataDir, "config.key"))
			require.NoError(t, err, "the config key is created in the data dir")
		}

		// Configs have their own permissions: bob sees nothing until granted.
		require.Empty(t, s.mustOK2List(s.getJSON("/v3/actors/configs", bob)))
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/v3/actors/configs/plain", ""},
			{"PUT", "/v3/actors/configs/plain", "value=v2&is_secret=false&actors=wc"},
			{"DELETE", "/v3/actors/configs/plain", ""},
			{"GET", "/v3/actors/configs/plain/permissions", ""},
			{"POST", "/v3/actors/configs/plain/permissions", "user=bob&level=UPDATE"},
		} {
			r := s.call(req.method, req.path, bob, "", "application/x-www-form-urlencoded", req.body)
			require.Equal(t, 403, r.Code, "%s %s: %s", req.method, req.path, r.Body)
			require.Equal(t, "You do not have sufficient access to this actor config.", r.Env.Message)
		}
		s.grant(alice, "/v3/actors/configs/plain", "bob", "READ")
		require.Equal(t, "v1", s.mustOK(s.getJSON("/v3/actors/configs/plain", bob))["value"])
		require.Len(t, s.mustOK2List(s.getJSON("/v3/actors/configs", bob)), 1)
		r := s.do("PUT", "/v3/actors/configs/plain", bob, "application/x-www-form-urlencoded", []byte("value=v2&is_secret=false&actors=wc"))
		require.Equal(t, 403, r.Code, "%s", r.Body)
		s.grant(alice, "/v3/actors/configs/plain", abaco.WorldUser, "UPDATE")
		require.Equal(t, "v2", s.mustOK(s.do("PUT", "/v3/actors/configs/plain", s.token("carol"), "application/x-www-form-urlencoded", []byte("value=v2&is_secret=false&actors=wc")))["value"])
		// bob's own READ row decides over ABACO_WORLD's UPDATE.
		r = s.do("PUT", "/v3/actors/configs/plain", bob, "application/x-www-form-urlencoded", []byte("value=v3&is_secret=false&actors=wc"))
		require.Equal(t, 403, r.Code, "%s", r.Body)
		perms := s.mustOK(s.getJSON("/v3/actors/configs/plain/permissions", alice))
		require.Equal(t, map[string]any{"alice": "UPDATE", "bob": "READ", abaco.WorldUser: "UPDATE"}, perms)
		// Access to a config grants nothing on the actor.
		require.Equal(t, 403, s.getJSON("/v3/actors/"+actor, bob).Code)
		require.Equal(t, 200, s.getJSON("/v3/actors/configs/db.password", admin).Code)

		// Errors with the reference's texts.
		for body, want := range map[string]struct {
			code int
			msg  string
		}{
			"name=plain&value=x&is_secret=false":                  {409, "Config plain already exists; please choose another name for your config"},
			"name=utilization&value=x&is_secret=false":            {400, "utilization is a reserved word."},
			"name=a,b&value=x&is_secret=false":                    {400, "',' is a forbidden character."},
			"name=x&value=x&is_secret=false&actors=nosuchalias":   {404, "No actor or alias found with id: nosuchalias."},
			"name=x&value=x&is_secret=false&actors=yP0PDpZWG38Bg": {404, "No actor or alias found with id: yP0PDpZWG38Bg."},
			"name=x&is_secret=false":                              {400, "Invalid config description: {'value'"},
			"name=x&value=x":                                      {400, "Invalid config description: {'is_secret'"},
		} {
			r := s.postForm("/v3/actors/configs", alice, body)
			require.Equal(t, want.code, r.Code, "%s: %s", body, r.Body)
			require.True(t, strings.HasPrefix(r.Env.Message, want.msg), "%s: %s", body, r.Env.Message)
		}
		r = s.getJSON("/v3/actors/configs/none", alice)
		require.Equal(t, 404, r.Code)
		require.Equal(t, "No config found: none.", r.Env.Message)

		s.mustOK(s.do("DELETE", "/v3/actors/configs/plain", alice, "", nil))
		require.Equal(t, 404, s.getJSON("/v3/actors/configs/plain", alice).Code)
	})
}
