package identity

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The server embeds Tenant in its YAML config, so the snake_case names are
// part of the config file format.
func TestTenantYAML(t *testing.T) {
	t.Parallel()
	var got Tenant
	require.NoError(t, yaml.Unmarshal([]byte(`
id: dev
base_url: http://localhost:8000
site_id: tacc
public_keys: ["-----BEGIN PUBLIC KEY-----"]
public_key_files: [/etc/abaco/dev.pem]
admins: [alice]
privileged: [bob]
trust_role_claims: true
`), &got))
	require.Equal(t, Tenant{
		ID: "dev", BaseURL: "http://localhost:8000", SiteID: "tacc",
		PublicKeys: []string{"-----BEGIN PUBLIC KEY-----"}, PublicKeyFiles: []string{"/etc/abaco/dev.pem"},
		Admins: []string{"alice"}, Privileged: []string{"bob"}, TrustRoleClaims: true,
	}, got)
}
