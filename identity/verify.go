package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/abaco-hpc/abaco"
)

// Caller-facing messages. Where the reference has one (missing token,
// unparsable, bad signature, unknown tenant) we keep its words; every failure
// has its own message so that a user can tell what to fix.
const (
	msgNoToken       = "No JWT or nonce provided."
	msgUnparsable    = "Could not parse the Tapis access token."
	msgBadSignature  = "Invalid Tapis token."
	msgExpired       = "The Tapis token has expired."
	msgUnknownTenant = "Unable to process Tapis token; unexpected tenant_id."
	msgNotYetValid   = "The Tapis token is not yet valid."
	msgNoExpiry      = "Invalid Tapis token; it has no exp claim."
	msgNoTenant      = "Invalid Tapis token; it has no tapis/tenant_id claim."
	msgNoUsername    = "Invalid Tapis token; it has no tapis/username claim."
	msgNotAccess     = "Invalid Tapis token; only access tokens are accepted."
)

// Verifier checks Tapis access tokens against the configured tenants' keys.
// It is safe for concurrent use.
type Verifier struct {
	tenants map[string]*tenant
	order   []*tenant // config order, for listing
	now     func() time.Time
	parser  *jwt.Parser
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithClock makes the verifier judge exp and nbf by now instead of the wall
// clock, so that tests of expiry need not sleep.
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) { v.now = now }
}

// NewVerifier loads the tenants' public keys (reading PublicKeyFiles) and
// fails if a tenant has no usable key or an id is repeated.
func NewVerifier(tenants []Tenant, opts ...Option) (*Verifier, error) {
	v := &Verifier{tenants: map[string]*tenant{}, now: time.Now}
	for _, o := range opts {
		o(v)
	}
	for _, cfg := range tenants {
		t, err := loadTenant(cfg)
		if err != nil {
			return nil, fmt.Errorf("load tenants: %w", err)
		}
		if v.tenants[t.ID] != nil {
			return nil, fmt.Errorf("load tenants: tenant %s is listed twice", t.ID)
		}
		v.tenants[t.ID] = t
		v.order = append(v.order, t)
	}
	// Only RS256: accepting HS* would let anyone sign with the (public) key
	// bytes as an HMAC secret, and "none" needs no key at all.
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	)
	return v, nil
}

// Authenticate verifies token and returns who it speaks for. Every failure is
// an *abaco.Error of kind Unauthenticated; the token itself never appears in
// the error.
func (v *Verifier) Authenticate(token string) (abaco.Principal, error) {
	if token == "" {
		return abaco.Principal{}, abaco.E(abaco.Unauthenticated, msgNoToken)
	}
	var c tapisClaims
	// The key depends on the tenant the token claims, which the keyfunc reads
	// from the still unverified claims; the signature check that follows is
	// what makes that claim trustworthy.
	_, err := v.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) {
		t, err := v.tenant(c.TenantID)
		if err != nil {
			return nil, err
		}
		return jwt.VerificationKeySet{Keys: t.keys}, nil
	})
	if err != nil {
		return abaco.Principal{}, classify(err)
	}
	if c.TokenType != "" && c.TokenType != "access" {
		return abaco.Principal{}, abaco.E(abaco.Unauthenticated, msgNotAccess)
	}
	if c.Username == "" {
		return abaco.Principal{}, abaco.E(abaco.Unauthenticated, msgNoUsername)
	}
	t := v.tenants[c.TenantID]
	return abaco.Principal{Tenant: t.ID, User: c.Username, Roles: t.rolesOf(c.Username, c.Roles)}, nil
}

func (v *Verifier) tenant(id string) (*tenant, error) {
	if id == "" {
		return nil, abaco.E(abaco.Unauthenticated, msgNoTenant)
	}
	t := v.tenants[id]
	if t == nil {
		return nil, abaco.E(abaco.Unauthenticated, msgUnknownTenant)
	}
	return t, nil
}

// rolesOf returns the user's roles from the config, plus the abaco roles the
// token claims when the tenant trusts such claims.
func (t *tenant) rolesOf(user string, claimed []string) []string {
	roles := slices.Clone(t.roles[user])
	if !t.TrustRoleClaims {
		return roles
	}
	for _, r := range claimed {
		// Like the reference's SK lookup, only roles naming abaco matter.
		if strings.Contains(r, "abaco") && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles
}

// classify turns a jwt parse error into the caller-facing error, keeping the
// jwt error as the cause for logs.
func classify(err error) error {
	var e *abaco.Error
	if errors.As(err, &e) { // raised by our keyfunc
		return e
	}
	msg := msgBadSignature
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		msg = msgUnparsable
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		msg = msgBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		msg = msgExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		msg = msgNotYetValid
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		msg = msgNoExpiry
	}
	return abaco.Wrap(abaco.Unauthenticated, err, "%s", msg)
}
