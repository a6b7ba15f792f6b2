package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConfigsInjected: the configs attached to an actor, by id or through
// one of its aliases, reach its executions as `_actor_configs`, secrets in
// clear; configs of other actors do not.
func TestConfigsInjected(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		alice := s.token("alice")
		actor := s.createActor(alice, map[string]any{"image": "abacosamples/test"})
		other := s.createActor(alice, map[string]any{"image": "abacosamples/test"})
		s.mustOK(s.postForm("/v3/actors/aliases", alice, "alias=probe&actor_id="+actor))
		s.mustOK(s.postForm("/v3/actors/configs", alice, "name=db.password&value=hunter2&is_secret=true&actors="+actor))
		s.mustOK(s.postForm("/v3/actors/configs", alice, "name=endpoint&value=https://data.example.org&is_secret=false&actors=probe"))
		s.mustOK(s.postForm("/v3/actors/configs", alice, "name=unrelated&value=x&is_secret=false&actors="+other))

		eid := s.message(alice, actor, "message=x", "ECHO_VARS=_actor_configs")
		s.waitExecution(alice, actor, eid, "COMPLETE")
		var configs map[string]string
		for _, line := range strings.Split(s.logs(alice, actor, eid), "\n") {
			if v, ok := strings.CutPrefix(line, "_actor_configs="); ok {
				require.NoError(t, json.Unmarshal([]byte(v), &configs))
			}
		}
		require.Equal(t, map[string]string{"db.password": "hunter2", "endpoint": "https://data.example.org"}, configs)
	})
}
