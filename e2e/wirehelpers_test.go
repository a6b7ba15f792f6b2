package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/identity"
)

// mint runs `abaco token` with any arguments (e.g. --tenant), as a user would.
func (s *server) mint(args ...string) string {
	s.t.Helper()
	args = append([]string{"token", "--data-dir", s.dataDir}, args...)
	out, err := exec.Command(binary, args...).Output()
	require.NoError(s.t, err)
	return strings.TrimSpace(string(out))
}

// noRedirects is a client that refuses to follow a redirect, to prove the
// server answers an odd path itself.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return errors.New("the server redirected; tapipy would pay an extra round trip")
	},
}

// raw sends req and returns the response with its body read, headers and all.
func (s *server) raw(req *http.Request) (*http.Response, []byte) {
	s.t.Helper()
	resp, err := noRedirects.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp, b
}

// requireTapisJSON checks what tapipy needs of every JSON answer: the
// Content-Type exactly application/json (no charset, or tapipy hands back raw
// bytes) and the full envelope, also on errors.
func requireTapisJSON(t *testing.T, r *response) {
	t.Helper()
	require.Equal(t, "application/json", r.ContentType, "Content-Type of %s", r.Body)
	var env map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Body, &env), "body %s", r.Body)
	for _, k := range []string{"result", "status", "message", "version", "metadata"} {
		require.Contains(t, env, k, "envelope %s", r.Body)
	}
	want := "success"
	if r.Code >= 300 {
		want = "error"
	}
	require.Equal(t, want, r.Env.Status, "%s", r.Body)
	require.NotEmpty(t, r.Env.Version)
	require.NotNil(t, r.Env.Metadata, "metadata is an object: %s", r.Body)
	if r.Code >= 300 {
		require.NotEmpty(t, r.Env.Message, "tapipy raises with the message: %s", r.Body)
	}
}

// requireNoSelf checks tapipy's rule that no `result` object, nor any
// object in a `result` list, has a top-level key `self` (tapipy then returns
// raw bytes, or raises TypeError).
func requireNoSelf(t *testing.T, r *response) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(r.Env.Result, &v), "result of %s", r.Body)
	switch x := v.(type) {
	case map[string]any:
		require.NotContains(t, x, "self", "top-level self in result %s", r.Env.Result)
	case []any:
		for _, item := range x {
			if m, ok := item.(map[string]any); ok {
				require.NotContains(t, m, "self", "top-level self in a result item %s", r.Env.Result)
			}
		}
	}
}

// jwtClaims decodes a JWT's claims without checking the signature, as
// tapipy does in its constructor.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "a JWT has three segments: %q", tok)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

// requireExp checks a token has an `exp` claim in the future (tapipy raises
// KeyError without it).
func requireExp(t *testing.T, tok string) map[string]any {
	t.Helper()
	c := jwtClaims(t, tok)
	require.Contains(t, c, "exp")
	exp, ok := c["exp"].(float64)
	require.True(t, ok, "exp is a number: %v", c["exp"])
	require.Greater(t, exp, float64(time.Now().Unix()))
	return c
}

// envOf parses the probe's NAME=value lines.
func envOf(logs string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(logs, "\n") {
		if name, value, ok := strings.Cut(line, "="); ok && name != "" && !strings.Contains(name, " ") {
			env[name] = value
		}
	}
	return env
}

// runningContainers lists the running containers labelled for the actor.
func runningContainers(t *testing.T, actorID string) []string {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	list, err := cli.ContainerList(context.Background(), container.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", "org.abaco.actor="+actorID)),
	})
	require.NoError(t, err)
	var names []string
	for _, c := range list {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names
}

// startServerWithOtherTenant starts a server that, besides dev (which the
// server adds itself), knows a
// tenant "other" whose tokens are signed with the same dev key, so that
// `abaco token --tenant other` mints valid tokens for it.
func startServerWithOtherTenant(t *testing.T, database string) *server {
	t.Helper()
	dir, err := os.MkdirTemp("", "abaco-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	key, err := identity.EnsureDevKey(dir)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	pubPath := filepath.Join(dir, "other.pub.pem")
	require.NoError(t, os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))
	cfg, err := json.Marshal(map[string]any{"tenants": []map[string]any{
		{"id": "other", "base_url": "http://other.localhost:8000", "public_key_files": []string{pubPath}, "trust_role_claims": true},
	}})
	require.NoError(t, err)
	cfgPath := filepath.Join(dir, "config.yaml") // JSON is YAML
	require.NoError(t, os.WriteFile(cfgPath, cfg, 0o600))

	s := &server{t: t, dataDir: dir, database: database}
	s.start("--config", cfgPath)
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.output.String())
		}
	})
	return s
}
