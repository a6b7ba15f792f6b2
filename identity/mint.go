package identity

import (
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// DefaultTTL is the lifetime of a minted token whose Claims name none; it is
// the Tapis Tokens API's default for access tokens.
const DefaultTTL = 4 * time.Hour

// Claims says what a minted token asserts.
type Claims struct {
	Tenant string
	User   string
	// Roles go into tapis/roles; only tenants with TrustRoleClaims heed them.
	Roles []string
	// TTL is how long the token is valid; zero or less means DefaultTTL.
	TTL time.Duration
}

// Mint signs an RS256 access token shaped like one from the Tapis Tokens API,
// so that tapipy and actors treat it as a real one. It uses the wall clock:
// the token is judged by other processes' clocks, not by a test's.
func Mint(key *rsa.PrivateKey, c Claims) (string, error) {
	if c.Tenant == "" || c.User == "" {
		return "", fmt.Errorf("mint token: tenant and user are required")
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	now := time.Now()
	claims := tapisClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    fmt.Sprintf("https://%s.tapis.io/v3/tokens", c.Tenant),
			Subject:   c.User + "@" + c.Tenant,
			ID:        uuid.NewString(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		TenantID:    c.Tenant,
		Username:    c.User,
		TokenType:   "access",
		AccountType: "user",
		Roles:       c.Roles,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return s, nil
}
