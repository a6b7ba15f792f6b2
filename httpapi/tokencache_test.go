package httpapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/identity"
)

// counting counts the verifications that reach the real verifier.
type counting struct {
	next  Authenticator
	calls int
}

func (c *counting) Authenticate(token string) (abaco.Principal, error) {
	c.calls++
	return c.next.Authenticate(token)
}

func TestTokenCache(t *testing.T) {
	key, err := identity.EnsureDevKey(t.TempDir())
	require.NoError(t, err)
	now := time.Now()
	clock := func() time.Time { return now }
	v, err := identity.NewVerifier([]identity.Tenant{identity.DevTenant(key)}, identity.WithClock(clock))
	require.NoError(t, err)
	real := &counting{next: v}
	c := newTokenCache(real, clock)

	tok, err := identity.Mint(key, identity.Claims{Tenant: "dev", User: "jdoe", TTL: 90 * time.Second})
	require.NoError(t, err)
	for range 3 {
		p, err := c.Authenticate(tok)
		require.NoError(t, err)
		require.Equal(t, "jdoe", p.User)
	}
	require.Equal(t, 1, real.calls, "a verified token is verified once")

	// A token differing in one byte of its signature is verified, and fails.
	forged := tok[:len(tok)-2] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-2] != 'A'] + tok[len(tok)-1:]
	_, err = c.Authenticate(forged)
	require.Equal(t, abaco.Unauthenticated, abaco.KindOf(err))
	_, err = c.Authenticate(forged)
	require.Error(t, err)
	require.Equal(t, 3, real.calls, "failures are not cached")

	// After the cache's TTL the token is verified again.
	now = now.Add(tokenCacheTTL + time.Second)
	_, err = c.Authenticate(tok)
	require.NoError(t, err)
	require.Equal(t, 4, real.calls)

	// Never past the token's exp, even within the cache's TTL.
	now = now.Add(40 * time.Second)
	_, err = c.Authenticate(tok)
	require.Equal(t, abaco.Unauthenticated, abaco.KindOf(err))
}
