package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"/v3/actors/abc//messages":  "/v3/actors/abc/messages",
		"/v3/actors/abc///messages": "/v3/actors/abc/messages",
		"//actors/":                 "/actors",
		"/":                         "/",
		"":                          "/",
	} {
		require.Equal(t, want, cleanPath(in), in)
	}
}

func TestDecodeMessage(t *testing.T) {
	api := &API{svc: abaco.NewService(nil, nil, nil, abaco.DefaultConfig(), nil)}
	cases := []struct {
		name, ct, query, body string
		wantType, wantBody    string
		wantErr               abaco.Kind
	}{
		{"form field", "application/x-www-form-urlencoded", "", "message=hello+there", abaco.ContentString, "hello there", 0},
		{"json message field", "application/json", "", `{"message": "hi"}`, abaco.ContentString, "hi", 0},
		{"json message object", "application/json", "", `{"message": {"a": 1}}`, abaco.ContentString, `{"a":1}`, 0},
		{"json body", "application/json", "", `{"a": [1, 2]}`, abaco.ContentJSON, `{"a":[1,2]}`, 0},
		{"json list body", "application/json", "", `[1, "two"]`, abaco.ContentJSON, `[1,"two"]`, 0},
		{"query message", "", "message=from+query", "", abaco.ContentString, "from query", 0},
		{"untyped json", "", "", `{"k": "v"}`, abaco.ContentJSON, `{"k":"v"}`, 0},
		{"binary", "application/octet-stream", "", "\x00\x01\xff", abaco.ContentBinary, "\x00\x01\xff", 0},
		{"plain text", "text/plain", "", "not json", "", "", abaco.Invalid},
		{"broken json", "application/json", "", `{"message": `, "", "", abaco.Invalid},
		{"two json values", "application/json", "", `{} {}`, "", "", abaco.Invalid},
		{"empty", "", "", "", "", "", abaco.Invalid},
		{"form without message", "application/x-www-form-urlencoded", "", "a=1", "", "", abaco.Invalid},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/actors/x/messages?"+c.query, strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		m, err := api.decodeMessage(r)
		if c.wantErr != 0 {
			require.Error(t, err, c.name)
			require.Equal(t, c.wantErr, abaco.KindOf(err), c.name)
			continue
		}
		require.NoError(t, err, c.name)
		require.Equal(t, c.wantType, m.ContentType, c.name)
		require.Equal(t, c.wantBody, string(m.Body), c.name)
	}
}

func TestActorSpecTypes(t *testing.T) {
	f := fields{"image": "x", "stateless": "FALSE", "max_workers": "16000", "hints": []any{"sync", "a"}, "default_environment": map[string]any{"n": 1, "s": "v"}}
	spec, err := actorSpec(f)
	require.NoError(t, err)
	require.False(t, *spec.Stateless)
	require.Equal(t, 16000, *spec.MaxWorkers)
	require.Equal(t, []string{"sync", "a"}, spec.Hints)
	require.Equal(t, map[string]string{"n": "1", "s": "v"}, spec.DefaultEnvironment)

	_, err = actorSpec(fields{"image": "x", "stateless": "abcd"})
	require.ErrorContains(t, err, "'stateless'")
	_, err = actorSpec(fields{"image": "x", "max_workers": "many"})
	require.ErrorContains(t, err, "'max_workers'")
	_, err = actorSpec(fields{"image": "x", "default_environment": "k=v"})
	require.ErrorContains(t, err, "'default_environment'")
}
