package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/identity"
)

// otherTenant is a second tenant whose key the test holds, configured
// through the YAML config file as an operator would; "root" is its admin
// and "pat" its privileged user by configuration, not by token claims.
type otherTenant struct {
	id  string
	key *rsa.PrivateKey
}

// startTenantServer starts a server that knows the dev tenant and a second
// tenant "other".
func startTenantServer(t *testing.T, database string) (*server, *otherTenant) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	dir := t.TempDir()
	pub := filepath.Join(dir, "other.pub")
	require.NoError(t, os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))
	cfg := filepath.Join(dir, "abaco.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`tenants:
  - id: other
    base_url: https://other.example.org
    public_key_files: [%s]
    admins: [root]
    privileged: [pat]
`, pub)), 0o600))
	return startServer(t, database, "--config", cfg), &otherTenant{id: "other", key: key}
}

// token mints a token of the other tenant; role claims are ignored there.
func (o *otherTenant) token(t *testing.T, user string) string {
	t.Helper()
	tok, err := identity.Mint(o.key, identity.Claims{Tenant: o.id, User: user})
	require.NoError(t, err)
	return tok
}

// withNonce appends ?x-nonce= (or &x-nonce=) to path.
func withNonce(path, nonce string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "x-nonce=" + url.QueryEscape(nonce)
}

// call sends a request authenticated by a token or, if token is empty and
// nonce is not, by the nonce.
func (s *server) call(method, path, token, nonce, contentType, body string) *response {
	s.t.Helper()
	if token == "" && nonce != "" {
		path = withNonce(path, nonce)
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return s.do(method, path, token, contentType, b)
}

// mustOK requires a 200 and returns the result as a map.
func (s *server) mustOK(r *response) map[string]any {
	s.t.Helper()
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	return r.result(s.t)
}

// newNonce creates a nonce on an actor (or alias path) and returns its id.
func (s *server) newNonce(token, path, level string, maxUses int) string {
	s.t.Helper()
	r := s.postForm(path+"/nonces", token, fmt.Sprintf("level=%s&max_uses=%d", level, maxUses))
	return s.mustOK(r)["id"].(string)
}

// grant sets a user's level on an actor, alias or config path.
func (s *server) grant(token, path, user, level string) {
	s.t.Helper()
	s.mustOK(s.postForm(path+"/permissions", token, "user="+user+"&level="+level))
}
