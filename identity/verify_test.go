package identity

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

type fixture struct {
	v                *Verifier
	keyA, keyB, keyX *rsa.PrivateKey // keyX belongs to no tenant
}

// setup builds a verifier for tenant "a" (roles from config only) and tenant
// "b" (also trusts role claims), with options such as a shifted clock.
func setup(t *testing.T, opts ...Option) fixture {
	t.Helper()
	keys := testKeys()
	f := fixture{keyA: keys[0], keyB: keys[1], keyX: keys[2]}
	v, err := NewVerifier([]Tenant{
		{ID: "a", BaseURL: "https://a.example", PublicKeys: []string{publicPEM(t, f.keyA)},
			Admins: []string{"alice"}, Privileged: []string{"bob", "alice"}},
		{ID: "b", SiteID: "other", BaseURL: "https://b.example", PublicKeys: []string{publicPEM(t, f.keyB)},
			Privileged: []string{"bob"}, TrustRoleClaims: true},
	}, opts...)
	require.NoError(t, err)
	f.v = v
	return f
}

func TestAuthenticateRoundTrip(t *testing.T) {
	t.Parallel()
	f := setup(t)
	p, err := f.v.Authenticate(mint(t, f.keyA, Claims{Tenant: "a", User: "carol"}))
	require.NoError(t, err)
	require.Equal(t, abaco.Principal{Tenant: "a", User: "carol"}, p)
}

func TestAuthenticateRoles(t *testing.T) {
	t.Parallel()
	f := setup(t)
	claimed := []string{"abaco_admin", "jobs_admin", "abaco_privileged"}
	cases := []struct {
		name   string
		key    *rsa.PrivateKey
		claims Claims
		want   []string
	}{
		{"from config", f.keyA, Claims{Tenant: "a", User: "alice"}, []string{abaco.RoleAdmin, abaco.RolePrivileged}},
		{"claim ignored when untrusted", f.keyA, Claims{Tenant: "a", User: "carol", Roles: claimed}, nil},
		{"claim filtered when trusted", f.keyB, Claims{Tenant: "b", User: "carol", Roles: claimed}, []string{abaco.RoleAdmin, abaco.RolePrivileged}},
		{"config and claim merged", f.keyB, Claims{Tenant: "b", User: "bob", Roles: claimed}, []string{abaco.RolePrivileged, abaco.RoleAdmin}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := f.v.Authenticate(mint(t, tc.key, tc.claims))
			require.NoError(t, err)
			require.Equal(t, tc.want, p.Roles)
		})
	}
}

func TestAuthenticateExpiry(t *testing.T) {
	t.Parallel()
	keyA := setup(t).keyA
	token := mint(t, keyA, Claims{Tenant: "a", User: "carol", TTL: time.Hour})

	later := setup(t, WithClock(func() time.Time { return time.Now().Add(2 * time.Hour) }))
	_, err := later.v.Authenticate(token)
	requireUnauthenticated(t, err, msgExpired)

	soon := setup(t, WithClock(func() time.Time { return time.Now().Add(50 * time.Minute) }))
	_, err = soon.v.Authenticate(token)
	require.NoError(t, err)
}

func TestAuthenticateNotYetValid(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := time.Now()
	token := sign(t, f.keyA, jwt.MapClaims{
		"tapis/tenant_id": "a", "tapis/username": "carol",
		"nbf": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix(),
	})
	_, err := f.v.Authenticate(token)
	requireUnauthenticated(t, err, msgNotYetValid)

	later := setup(t, WithClock(func() time.Time { return now.Add(90 * time.Minute) }))
	_, err = later.v.Authenticate(token)
	require.NoError(t, err)
}

func TestAuthenticateRejects(t *testing.T) {
	t.Parallel()
	f := setup(t)
	exp := time.Now().Add(time.Hour).Unix()
	valid := jwt.MapClaims{"tapis/tenant_id": "a", "tapis/username": "carol", "exp": exp}

	// HS256 keyed with the public key text: the classic algorithm confusion.
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, valid).SignedString([]byte(publicPEM(t, f.keyA)))
	require.NoError(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	cases := []struct {
		name, token, msg string
	}{
		{"missing", "", msgNoToken},
		{"garbage", "not a token", msgUnparsable},
		{"three garbage segments", "a.b.c", msgUnparsable},
		{"wrong key", mint(t, f.keyX, Claims{Tenant: "a", User: "carol"}), msgBadSignature},
		{"other tenant's claim", mint(t, f.keyA, Claims{Tenant: "b", User: "carol"}), msgBadSignature},
		{"unknown tenant", mint(t, f.keyA, Claims{Tenant: "c", User: "carol"}), msgUnknownTenant},
		{"hs256 with public key", hs, msgBadSignature},
		{"alg none", none, msgBadSignature},
		{"no exp", sign(t, f.keyA, jwt.MapClaims{"tapis/tenant_id": "a", "tapis/username": "carol"}), msgNoExpiry},
		{"no username", sign(t, f.keyA, jwt.MapClaims{"tapis/tenant_id": "a", "exp": exp}), msgNoUsername},
		{"empty username", sign(t, f.keyA, jwt.MapClaims{"tapis/tenant_id": "a", "tapis/username": "", "exp": exp}), msgNoUsername},
		{"no tenant", sign(t, f.keyA, jwt.MapClaims{"tapis/username": "carol", "exp": exp}), msgNoTenant},
		{"username not a string", sign(t, f.keyA, jwt.MapClaims{"tapis/tenant_id": "a", "tapis/username": 7, "exp": exp}), msgUnparsable},
		{"refresh token", sign(t, f.keyA, jwt.MapClaims{"tapis/tenant_id": "a", "tapis/username": "carol", "tapis/token_type": "refresh", "exp": exp}), msgNotAccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := f.v.Authenticate(tc.token)
			requireUnauthenticated(t, err, tc.msg)
			require.Equal(t, abaco.Principal{}, p)
		})
	}
}

func TestVerifierKeys(t *testing.T) {
	t.Parallel()
	keys := testKeys()
	path := filepath.Join(t.TempDir(), "b.pem")
	require.NoError(t, os.WriteFile(path, []byte(publicPEM(t, keys[1])), 0o600))

	// An old key inline and a new one in a file: both verify during rotation.
	v, err := NewVerifier([]Tenant{{ID: "a", PublicKeys: []string{publicPEM(t, keys[0])}, PublicKeyFiles: []string{path}}})
	require.NoError(t, err)
	for _, k := range keys[:2] {
		_, err := v.Authenticate(mint(t, k, Claims{Tenant: "a", User: "carol"}))
		require.NoError(t, err)
	}
}

func TestNewVerifierRejectsBadConfig(t *testing.T) {
	t.Parallel()
	pub := publicPEM(t, testKeys()[0])
	cases := map[string][]Tenant{
		"no id":        {{PublicKeys: []string{pub}}},
		"no keys":      {{ID: "a"}},
		"bad pem":      {{ID: "a", PublicKeys: []string{"not a key"}}},
		"missing file": {{ID: "a", PublicKeyFiles: []string{filepath.Join(t.TempDir(), "nope.pem")}}},
		"duplicate":    {{ID: "a", PublicKeys: []string{pub}}, {ID: "a", PublicKeys: []string{pub}}},
	}
	for name, tenants := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewVerifier(tenants)
			require.Error(t, err)
		})
	}
}
