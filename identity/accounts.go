package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Account directory providers.
const (
	ProviderNone   = "none"
	ProviderStatic = "static"
	ProviderLDAP   = "ldap"
)

// DirectoryConfig is the `directory:` section of the server's config: the
// account directory of every tenant, unless Tenants gives one its own.
type DirectoryConfig struct {
	// Provider is none (the default), static or ldap.
	Provider string `yaml:"provider"`
	// File is the static provider's YAML or JSON file.
	File string     `yaml:"file"`
	LDAP LDAPConfig `yaml:"ldap"`
	// WorkDir is the work directory of accounts whose entry names none, a
	// template over {username}, {uid} and {home}, e.g. /work/{username}.
	WorkDir string `yaml:"work_dir"`
	// CacheTTL is how long a found account is kept (default 5m; -1s: not
	// cached); NegativeTTL how long "no such user" is (default 1m). Failures
	// to reach the directory are never cached.
	CacheTTL    time.Duration `yaml:"cache_ttl"`
	NegativeTTL time.Duration `yaml:"negative_ttl"`
	// Tenants overrides the directory per tenant id.
	Tenants map[string]DirectoryConfig `yaml:"tenants"`
}

// source is one provider: it resolves a username, with errors kinded as
// abaco.AccountDirectory documents.
type source interface {
	lookup(ctx context.Context, username string) (*abaco.Account, error)
	String() string
}

// Accounts is the account directory: a provider per tenant behind a cache.
type Accounts struct {
	clock    abaco.Clock
	fallback *tenantAccounts
	tenants  map[string]*tenantAccounts
}

var _ abaco.AccountDirectory = (*Accounts)(nil)

type tenantAccounts struct {
	src     source // nil: no directory
	workDir string
	ttl     time.Duration
	negTTL  time.Duration

	mu       sync.Mutex
	cache    map[string]cached
	inflight map[string]*flight
}

type cached struct {
	acct    *abaco.Account
	err     error // a NotExist error
	expires time.Time
}

// NewAccounts builds the directory the config describes; clock drives the
// cache (nil: the system clock). It reads files (static users, the LDAP
// password, CA) now, so mistakes show at start.
func NewAccounts(cfg DirectoryConfig, clock abaco.Clock) (*Accounts, error) {
	if clock == nil {
		clock = abaco.SystemClock{}
	}
	a := &Accounts{clock: clock, tenants: map[string]*tenantAccounts{}}
	var err error
	if a.fallback, err = newTenantAccounts(cfg); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for id, tc := range cfg.Tenants {
		if len(tc.Tenants) > 0 {
			return nil, fmt.Errorf("directory of tenant %s: tenants cannot nest", id)
		}
		if a.tenants[id], err = newTenantAccounts(tc); err != nil {
			return nil, fmt.Errorf("directory of tenant %s: %w", id, err)
		}
	}
	return a, nil
}

func newTenantAccounts(cfg DirectoryConfig) (*tenantAccounts, error) {
	t := &tenantAccounts{workDir: cfg.WorkDir, ttl: cfg.CacheTTL, negTTL: cfg.NegativeTTL, cache: map[string]cached{}, inflight: map[string]*flight{}}
	if t.ttl == 0 {
		t.ttl = 5 * time.Minute
	}
	if t.negTTL == 0 {
		t.negTTL = time.Minute
	}
	var err error
	switch cfg.Provider {
	case "", ProviderNone:
	case ProviderStatic:
		t.src, err = newStaticSource(cfg.File)
	case ProviderLDAP:
		t.src, err = newLDAPSource(cfg.LDAP)
	default:
		err = fmt.Errorf("unknown provider %q (none, static or ldap)", cfg.Provider)
	}
	return t, err
}

func (a *Accounts) of(tenant string) *tenantAccounts {
	if t, ok := a.tenants[tenant]; ok {
		return t
	}
	return a.fallback
}

// Enabled implements abaco.AccountDirectory.
func (a *Accounts) Enabled(tenant string) bool { return a.of(tenant).src != nil }

// Describe names the tenant's provider for logs, e.g. "ldap ldaps://…".
func (a *Accounts) Describe(tenant string) string {
	if t := a.of(tenant); t.src != nil {
		return t.src.String()
	}
	return ProviderNone
}

// Lookup implements abaco.AccountDirectory: from the cache while fresh,
// else from the provider.
func (a *Accounts) Lookup(ctx context.Context, tenant, username string) (*abaco.Account, error) {
	t := a.of(tenant)
	if t.src == nil {
		return nil, abaco.E(abaco.NotExist, "tenant %s has no account directory", tenant)
	}
	if !abaco.ValidUsername(username) {
		return nil, abaco.E(abaco.NotExist, "%q cannot be a directory user name", username)
	}
	t.mu.Lock()
	c, ok := t.cache[username]
	if ok && a.clock.Now().Before(c.expires) {
		t.mu.Unlock()
		return copyAccount(c.acct), c.err
	}
	// Concurrent misses for one user share one search, so that a burst of
	// executions asks the directory once.
	f, busy := t.inflight[username]
	if !busy {
		f = &flight{done: make(chan struct{})}
		t.inflight[username] = f
	}
	t.mu.Unlock()
	if busy {
		select {
		case <-f.done:
			return copyAccount(f.acct), f.err
		case <-ctx.Done():
			return nil, abaco.Wrap(abaco.Unavailable, ctx.Err(), "account lookup of %s cancelled", username)
		}
	}
	f.acct, f.err = t.fetch(ctx, username, a.clock)
	t.mu.Lock()
	delete(t.inflight, username)
	t.mu.Unlock()
	close(f.done)
	return copyAccount(f.acct), f.err
}

// flight is one directory search that concurrent lookups wait for.
type flight struct {
	done chan struct{}
	acct *abaco.Account
	err  error
}

// fetch asks the provider and caches what it says, except a failure to
// reach it.
func (t *tenantAccounts) fetch(ctx context.Context, username string, clock abaco.Clock) (*abaco.Account, error) {
	acct, err := t.src.lookup(ctx, username)
	now := clock.Now()
	switch {
	case err == nil:
		if acct.WorkDir == "" && t.workDir != "" {
			acct.WorkDir = strings.NewReplacer("{username}", username, "{uid}", strconv.Itoa(acct.UID), "{home}", acct.Home).Replace(t.workDir)
		}
		t.put(username, cached{acct: acct, expires: now.Add(t.ttl)}, t.ttl)
	case abaco.KindOf(err) == abaco.NotExist:
		t.put(username, cached{err: err, expires: now.Add(t.negTTL)}, t.negTTL)
	}
	return acct, err
}

func (t *tenantAccounts) put(username string, c cached, ttl time.Duration) {
	if ttl < 0 {
		return
	}
	t.mu.Lock()
	t.cache[username] = c
	t.mu.Unlock()
}

// copyAccount keeps callers from changing the cached entry.
func copyAccount(a *abaco.Account) *abaco.Account {
	if a == nil {
		return nil
	}
	c := *a
	c.Groups = append([]int(nil), a.Groups...)
	return &c
}
