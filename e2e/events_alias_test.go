package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLinkThroughAlias: a link may name an alias; events follow the alias
// to whichever actor it points at when they are delivered.
func TestLinkThroughAlias(t *testing.T) {
	requireImages(t)
	s := startServer(t, "", eventServerArgs...)
	tok := s.token("alice")
	b := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
	s.mustOK(s.postForm("/v3/actors/aliases", tok, "alias=downstream&actor_id="+b))
	a := s.createActor(tok, map[string]any{"image": "abacosamples/test", "link": "downstream"})
	require.Equal(t, "downstream", s.getJSON("/v3/actors/"+a, tok).result(t)["link"])

	e := s.message(tok, a, "message=one")
	s.waitExecution(tok, a, e, "COMPLETE")
	require.Eventually(t, func() bool {
		execs := s.getJSON("/v3/actors/"+b+"/executions", tok).result(t)["executions"].([]any)
		return len(execs) >= 2 // ACTOR_READY and EXECUTION_COMPLETE
	}, 30*time.Second, 50*time.Millisecond)

	// A link through an alias back to the actor itself is a cycle.
	s.mustOK(s.postForm("/v3/actors/aliases", tok, "alias=upstream&actor_id="+a))
	r := s.do("PUT", "/v3/actors/"+b, tok, "application/json", []byte(`{"image": "abacosamples/test", "link": "upstream"}`))
	require.Equal(t, 400, r.Code, "%s", r.Body)
	require.Contains(t, r.Env.Message, "cycle")
}
