package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLogCap: output beyond the 1 MB cap is cut and the cut is marked.
func TestLogCap(t *testing.T) {
	requireImages(t)
	s := startServer(t, "")
	tok := s.token("jdoe")
	id := s.createActor(tok, map[string]any{"image": "abacosamples/test"})
	eid := s.message(tok, id, "message=loud", "OUTPUT_BYTES=2000000")
	s.waitExecution(tok, id, eid, "COMPLETE")
	logs := s.logs(tok, id, eid)
	require.True(t, strings.HasSuffix(logs, " LOG LIMIT EXCEEDED; this execution log was TRUNCATED!"))
	require.Equal(t, 1_000_000+len(" LOG LIMIT EXCEEDED; this execution log was TRUNCATED!"), len(logs))
	require.True(t, strings.HasPrefix(logs, "Contents of MSG: loud\n"))
}
