package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// writeEnvelope encodes into a pooled buffer; its body must stay what
// json.Marshal gives, HTML escaping and all, whatever was encoded before.
func TestWriteEnvelopeIsMarshal(t *testing.T) {
	t.Parallel()
	results := []any{
		nil,
		map[string]any{"a": "<b>&\u2028", "n": 1.5, "list": []string{"x", "y"}},
		[]actorView{{ID: "abc", Hints: []string{"<h>"}, State: json.RawMessage(` {"k": [1, 2]} `)}},
		"short",
	}
	for _, result := range results {
		want, err := json.Marshal(envelope{Result: result, Status: "success", Message: "m <&>", Version: abaco.Version})
		require.NoError(t, err)
		w := httptest.NewRecorder()
		ok(w, "m <&>", result)
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, string(want), w.Body.String())
	}
}
