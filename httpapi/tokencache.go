package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Verifying a token's RS256 signature was a quarter of the server's CPU in
// the ingest benchmark, and clients send the same token with every request.
// tokenCache remembers tokens that verified, keyed by the whole token text
// (signature included: a token that differs in any byte is verified
// afresh), for at most tokenCacheTTL and never past the token's own exp.
// Failures are never cached.
type tokenCache struct {
	next Authenticator
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     abaco.Principal
	until time.Time
}

const (
	tokenCacheTTL  = time.Minute
	tokenCacheSize = 4096
)

func newTokenCache(next Authenticator, now func() time.Time) *tokenCache {
	return &tokenCache{next: next, now: now, entries: map[string]cachedPrincipal{}}
}

// Authenticate answers from the cache or asks the real authenticator.
func (c *tokenCache) Authenticate(token string) (abaco.Principal, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[token]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.p, nil
	}
	p, err := c.next.Authenticate(token)
	if err != nil {
		return p, err
	}
	exp, ok := tokenExpiry(token)
	if !ok {
		return p, nil
	}
	until := now.Add(tokenCacheTTL)
	if exp.Before(until) {
		until = exp
	}
	c.mu.Lock()
	if len(c.entries) >= tokenCacheSize {
		for k, v := range c.entries {
			if !now.Before(v.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= tokenCacheSize {
			clear(c.entries) // many live tokens: start over rather than track use
		}
	}
	c.entries[token] = cachedPrincipal{p: p, until: until}
	c.mu.Unlock()
	return p, nil
}

// tokenExpiry reads the exp claim of a token that has just verified.
func tokenExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	sec := int64(*claims.Exp)
	return time.Unix(sec, 0), true
}
