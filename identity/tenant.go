package identity

import (
	"fmt"
	"os"

	"github.com/golang-jwt/jwt/v5"

	"github.com/abaco-hpc/abaco"
)

// DefaultSiteID is the site of tenants whose config names none; it is the
// site of the reference deployment.
const DefaultSiteID = "tacc"

// Tenant is one Tapis tenant as written in the server's config file.
type Tenant struct {
	ID      string `yaml:"id" json:"id"`
	BaseURL string `yaml:"base_url" json:"base_url"`
	SiteID  string `yaml:"site_id" json:"site_id"`
	// PublicKeys are PEM texts (PKIX, PKCS#1 or a certificate). A token is
	// accepted if any of them verifies it, so that keys can be rotated.
	PublicKeys     []string `yaml:"public_keys" json:"public_keys"`
	PublicKeyFiles []string `yaml:"public_key_files" json:"public_key_files"`
	// Admins and Privileged name the users holding abaco_admin and
	// abaco_privileged in this tenant; this replaces the Tapis SK lookup.
	Admins     []string `yaml:"admins" json:"admins"`
	Privileged []string `yaml:"privileged" json:"privileged"`
	// TrustRoleClaims also takes abaco roles from the token's tapis/roles
	// claim. Real Tapis tokens carry no roles, and anyone holding the signing
	// key could grant themselves admin, so only tenants whose key is ours
	// (like the dev tenant) should set it.
	TrustRoleClaims bool `yaml:"trust_role_claims" json:"trust_role_claims"`
}

// tenant is a Tenant ready for verification: keys parsed, roles indexed.
type tenant struct {
	Tenant
	pems  []string
	keys  []jwt.VerificationKey
	roles map[string][]string // username -> roles from the config
}

func loadTenant(cfg Tenant) (*tenant, error) {
	if cfg.ID == "" {
		return nil, fmt.Errorf("tenant without an id")
	}
	if cfg.SiteID == "" {
		cfg.SiteID = DefaultSiteID
	}
	t := &tenant{Tenant: cfg, pems: append([]string(nil), cfg.PublicKeys...), roles: map[string][]string{}}
	for _, path := range cfg.PublicKeyFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("tenant %s: %w", cfg.ID, err)
		}
		t.pems = append(t.pems, string(b))
	}
	if len(t.pems) == 0 {
		return nil, fmt.Errorf("tenant %s: no public keys", cfg.ID)
	}
	for i, p := range t.pems {
		key, err := jwt.ParseRSAPublicKeyFromPEM([]byte(p))
		if err != nil {
			return nil, fmt.Errorf("tenant %s: public key %d: %w", cfg.ID, i+1, err)
		}
		t.keys = append(t.keys, key)
	}
	for _, u := range cfg.Admins {
		t.roles[u] = append(t.roles[u], abaco.RoleAdmin)
	}
	for _, u := range cfg.Privileged {
		t.roles[u] = append(t.roles[u], abaco.RolePrivileged)
	}
	return t, nil
}
