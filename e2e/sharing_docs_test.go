package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// curl runs a documentation example verbatim under sh, with the docs' host
// replaced by the server's and $TOKEN set, and decodes the envelope.
func (s *server) curl(token, example string, replace ...string) map[string]any {
	s.t.Helper()
	r := strings.NewReplacer(append([]string{"https://tacc.tapis.io", s.url("")}, replace...)...)
	cmd := exec.Command("sh", "-c", "set -e; "+r.Replace(example))
	cmd.Env = append(os.Environ(), "TOKEN="+token)
	out, err := cmd.Output()
	require.NoError(s.t, err, "%s", example)
	var env map[string]any
	require.NoError(s.t, json.Unmarshal(out, &env), "%s", out)
	require.Equal(s.t, "success", env["status"], "%s", out)
	return env
}

// TestSharingDocsExamples runs the curl examples of "Actor Sharing and
// Nonces" and "Networks of Actors → Actor Aliases" as written.
func TestSharingDocsExamples(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("testuser")
		actor := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
		ids := []string{"<actor_id>", actor, "6PlMbDLa4zlON", actor}

		env := s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
-d "user=jdoe&level=READ" \
https://tacc.tapis.io/v3/actors/<actor_id>/permissions`, ids...)
		require.Equal(t, "Permission added successfully.", env["message"])
		require.Equal(t, map[string]any{"jdoe": "READ", "testuser": "UPDATE"}, env["result"])

		s.grant(tok, "/v3/actors/"+actor, "jsmith", "EXECUTE")
		env = s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
https://tacc.tapis.io/v3/actors/<actor_id>/permissions`, ids...)
		require.Equal(t, "Permissions retrieved successfully.", env["message"])
		require.Equal(t, map[string]any{"jdoe": "READ", "jsmith": "EXECUTE", "testuser": "UPDATE"}, env["result"])

		// jdoe may read but not send; after the public grant, so may anyone.
		require.Equal(t, 200, s.getJSON("/v3/actors/"+actor, s.token("jdoe")).Code)
		stranger := s.token("stranger")
		require.Equal(t, 403, s.getJSON("/v3/actors/"+actor, stranger).Code)
		s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
-d "user=ABACO_WORLD&level=READ" \
https://tacc.tapis.io/v3/actors/<actor_id>/permissions`, ids...)
		require.Equal(t, 200, s.getJSON("/v3/actors/"+actor, stranger).Code)
		require.Equal(t, 403, s.postForm("/v3/actors/"+actor+"/messages", stranger, "message=x").Code)

		env = s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
-d "maxUses=5&level=READ" \
https://tacc.tapis.io/v3/actors/<actor_id>/nonces`, ids...)
		require.Equal(t, "Actor nonce created successfully.", env["message"])
		n := env["result"].(map[string]any)
		require.Equal(t, actor, n["actor_id"])
		require.Equal(t, "READ", n["level"])
		require.EqualValues(t, 5, n["max_uses"])
		require.EqualValues(t, 5, n["remaining_uses"])
		require.EqualValues(t, 0, n["current_uses"])
		require.Equal(t, "None", n["last_use_time"])
		require.Equal(t, "testuser", n["owner"])
		require.True(t, strings.HasPrefix(n["id"].(string), "dev_"), "%v", n["id"])
		require.Equal(t, s.url("/v3/actors/"+actor), n["_links"].(map[string]any)["actor"])
		readNonce := n["id"].(string)

		// The redeem example posts a message, which needs an EXECUTE nonce
		// (the docs show a second nonce id there); the default level is EXECUTE.
		execNonce := s.mustOK(s.postForm("/v3/actors/"+actor+"/nonces", tok, "maxUses=-1"))["id"].(string)
		env = s.curl("", `curl -X POST -d "message=<your content here>" \
https://tacc.tapis.io/v3/actors/<actor_id>/messages?x-nonce=TACC_vr9rMO6Zy0yHz`, append(ids, "TACC_vr9rMO6Zy0yHz", execNonce)...)
		eid := env["result"].(map[string]any)["execution_id"].(string)
		s.waitExecution(tok, actor, eid, "COMPLETE")
		logs := s.logs(tok, actor, eid)
		require.Contains(t, logs, "Contents of MSG: <your content here>")
		require.NotContains(t, logs, "_abaco_username=", "a nonce send carries no username")

		// The READ nonce reads but does not send, and counts its uses.
		require.Equal(t, 200, s.call("GET", "/v3/actors/"+actor, "", readNonce, "", "").Code)
		r := s.call("POST", "/v3/actors/"+actor+"/messages", "", readNonce, "application/x-www-form-urlencoded", "message=x")
		require.Equal(t, 403, r.Code, "%s", r.Body)
		require.EqualValues(t, 1, s.mustOK(s.getJSON("/v3/actors/"+actor+"/nonces/"+readNonce, tok))["current_uses"])

		env = s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
-d "alias=counter&actor_id=6PlMbDLa4zlON" \
https://tacc.tapis.io/v3/actors/aliases`, ids...)
		require.Equal(t, "Actor alias created successfully.", env["message"])
		al := env["result"].(map[string]any)
		require.Equal(t, "counter", al["alias"])
		require.Equal(t, actor, al["actor_id"])
		require.Equal(t, "testuser", al["owner"])
		require.Equal(t, s.url("/v3/actors/aliases/counter"), al["_links"].(map[string]any)["self"])

		env = s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
https://tacc.tapis.io/v3/actors/counter`, ids...)
		byID := s.mustOK(s.getJSON("/v3/actors/"+actor, tok))
		require.Equal(t, byID, env["result"], "the alias answers exactly as the id does")

		env = s.curl(tok, `curl -H "X-Tapis-Token: $TOKEN" \
-d "maxUses=5&level=READ" \
https://tacc.tapis.io/v3/actors/aliases/counter/nonces`, ids...)
		an := env["result"].(map[string]any)
		require.Equal(t, "counter", an["alias"])
		require.Nil(t, an["actor_id"])
		require.Equal(t, "READ", an["level"])
		// The alias nonce reads the actor through the alias, not through its id.
		require.Equal(t, 200, s.call("GET", "/v3/actors/counter", "", an["id"].(string), "", "").Code)
		require.Equal(t, 401, s.call("GET", "/v3/actors/"+actor, "", an["id"].(string), "", "").Code)
	})
}

// TestNonceConcurrentRedeem redeems a 10-use nonce from 40 clients at once
// through the server: exactly 10 are served, the rest refused, and the
// nonce shows 10 uses.
func TestNonceConcurrentRedeem(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("alice")
		actor := s.mustOK(s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test"}))["id"].(string)
		nonce := s.newNonce(tok, "/v3/actors/"+actor, "READ", 10)
		var served, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := s.call("GET", "/v3/actors/"+actor, "", nonce, "", "")
				switch {
				case r.Code == 200:
					served.Add(1)
				case r.Code == 401 && r.Env.Message == "No remaining uses left for this nonce.":
					refused.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		require.EqualValues(t, 10, served.Load())
		require.EqualValues(t, 30, refused.Load())
		n := s.mustOK(s.getJSON("/v3/actors/"+actor+"/nonces/"+nonce, tok))
		require.EqualValues(t, 10, n["current_uses"])
		require.EqualValues(t, 0, n["remaining_uses"])
	})
}
