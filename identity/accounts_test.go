package identity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/ldaptest"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func startLDAP(t *testing.T) *ldaptest.Server {
	return ldaptest.Start(t,
		[]ldaptest.User{{Name: "alice", UID: 20001, GID: 20001}, {Name: "bob", UID: 20002, GID: 20002, Home: "/u/bob"}, {Name: "star*", UID: 20003, GID: 20003}},
		[]ldaptest.Group{{Name: "proj", GID: 30001, Members: []string{"alice", "bob"}}, {Name: "lab", GID: 30002, Members: []string{"alice"}}})
}

func ldapConfig(s *ldaptest.Server) DirectoryConfig {
	return DirectoryConfig{
		Provider: ProviderLDAP,
		LDAP: LDAPConfig{
			URL: s.URL, BindDN: ldaptest.BindDN, BindPasswordFile: s.PasswordFile,
			BaseDN: ldaptest.People, GroupBaseDN: ldaptest.Groups, Timeout: 3 * time.Second,
		},
		WorkDir: "/work/{username}",
	}
}

func TestLDAPLookupOverEachTransport(t *testing.T) {
	t.Parallel()
	s := startLDAP(t)
	ctx := context.Background()
	for name, mod := range map[string]func(*LDAPConfig){
		"plain":    func(*LDAPConfig) {},
		"starttls": func(c *LDAPConfig) { c.StartTLS, c.CAFile = true, s.CAFile },
		"ldaps":    func(c *LDAPConfig) { c.URL, c.CAFile = s.LDAPSURL, s.CAFile },
	} {
		cfg := ldapConfig(s)
		mod(&cfg.LDAP)
		dir, err := NewAccounts(cfg, nil)
		require.NoError(t, err, name)
		require.True(t, dir.Enabled("any"))
		acct, err := dir.Lookup(ctx, "dev", "alice")
		require.NoError(t, err, name)
		require.Equal(t, &abaco.Account{Username: "alice", UID: 20001, GID: 20001, Groups: []int{30001, 30002}, Home: "/home/alice", WorkDir: "/work/alice"}, acct, name)
		require.Equal(t, "20001:20001", acct.User())
		bob, err := dir.Lookup(ctx, "dev", "bob")
		require.NoError(t, err, name)
		require.Equal(t, "/u/bob", bob.Home)
		require.Equal(t, []int{30001}, bob.Groups)
	}

	// A certificate the system does not trust is refused without the CA.
	cfg := ldapConfig(s)
	cfg.LDAP.URL = s.LDAPSURL
	dir, err := NewAccounts(cfg, nil)
	require.NoError(t, err)
	_, err = dir.Lookup(ctx, "dev", "alice")
	require.Equal(t, abaco.Unavailable, abaco.KindOf(err), "%v", err)
	require.ErrorContains(t, err, "the account directory ("+s.LDAPSURL+") is unavailable")
	require.ErrorContains(t, err, "certificate")
}

func TestLDAPUnknownUsersAndEscaping(t *testing.T) {
	t.Parallel()
	s := startLDAP(t)
	dir, err := NewAccounts(ldapConfig(s), nil)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = dir.Lookup(ctx, "dev", "mallory")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))
	require.EqualError(t, err, "user mallory has no account in the directory")

	// "*" would match every entry if it reached the filter unescaped.
	_, err = dir.Lookup(ctx, "dev", "*")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "%v", err)
	_, err = dir.Lookup(ctx, "dev", "a*)(uid=*")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "%v", err)
	star, err := dir.Lookup(ctx, "dev", "star*")
	require.NoError(t, err)
	require.Equal(t, 20003, star.UID)
	_, err = dir.Lookup(ctx, "dev", "../alice")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))
}

func TestLDAPBindFailureIsUnavailable(t *testing.T) {
	t.Parallel()
	s := startLDAP(t)
	cfg := ldapConfig(s)
	cfg.LDAP.BindPasswordFile = filepath.Join(t.TempDir(), "wrong")
	require.NoError(t, os.WriteFile(cfg.LDAP.BindPasswordFile, []byte("nope"), 0o600))
	dir, err := NewAccounts(cfg, nil)
	require.NoError(t, err)
	_, err = dir.Lookup(context.Background(), "dev", "alice")
	require.Equal(t, abaco.Unavailable, abaco.KindOf(err))
	require.ErrorContains(t, err, "bind as "+ldaptest.BindDN)
	require.ErrorContains(t, err, "Invalid Credentials")
}

func TestLDAPCacheAndOutage(t *testing.T) {
	t.Parallel()
	s := startLDAP(t)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := ldapConfig(s)
	cfg.CacheTTL, cfg.NegativeTTL = time.Minute, 10*time.Second
	dir, err := NewAccounts(cfg, clock)
	require.NoError(t, err)
	ctx := context.Background()
	accountSearches := func(user string) int { return s.Searches("(uid=" + user + ")") }

	for range 3 {
		_, err := dir.Lookup(ctx, "dev", "alice")
		require.NoError(t, err)
	}
	require.Equal(t, 1, accountSearches("alice"), s.Log())
	require.Equal(t, 1, s.Searches("(memberUid=alice)"))
	clock.Add(61 * time.Second)
	_, err = dir.Lookup(ctx, "dev", "alice")
	require.NoError(t, err)
	require.Equal(t, 2, accountSearches("alice"), "an expired entry is looked up again")

	// "No such user" is cached too, for the shorter negative TTL.
	for range 3 {
		_, err := dir.Lookup(ctx, "dev", "mallory")
		require.Equal(t, abaco.NotExist, abaco.KindOf(err))
	}
	require.Equal(t, 1, accountSearches("mallory"))
	clock.Add(11 * time.Second)
	_, err = dir.Lookup(ctx, "dev", "mallory")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))
	require.Equal(t, 2, accountSearches("mallory"))

	// The directory goes down: cached accounts still resolve, others fail
	// clearly, and the failure is not cached.
	s.Stop()
	_, err = dir.Lookup(ctx, "dev", "alice")
	require.NoError(t, err)
	_, err = dir.Lookup(ctx, "dev", "bob")
	require.Equal(t, abaco.Unavailable, abaco.KindOf(err))
	require.ErrorContains(t, err, "the account directory ("+s.URL+") is unavailable")
	s.Start()
	bob, err := dir.Lookup(ctx, "dev", "bob")
	require.NoError(t, err)
	require.Equal(t, 20002, bob.UID)

	// Callers cannot change the cache.
	bob.Groups[0] = 0
	again, err := dir.Lookup(ctx, "dev", "bob")
	require.NoError(t, err)
	require.Equal(t, []int{30001}, again.Groups)
}

func TestLDAPTimeout(t *testing.T) {
	t.Parallel()
	// A server that accepts and never answers: the lookup gives up after
	// the timeout instead of holding the execution forever.
	ln, err := listenSilent(t)
	require.NoError(t, err)
	dir, err := NewAccounts(DirectoryConfig{Provider: ProviderLDAP, LDAP: LDAPConfig{
		URL: "ldap://" + ln, BaseDN: "dc=x", BindDN: "cn=x", Timeout: 300 * time.Millisecond,
	}}, nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = dir.Lookup(context.Background(), "dev", "alice")
	require.Equal(t, abaco.Unavailable, abaco.KindOf(err), "%v", err)
	require.Less(t, time.Since(start), 10*time.Second)
}

func TestStaticAndNoneAndPerTenant(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "users.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`users:
  alice: {uid: 1001, gid: 1001, groups: [2001], home: /home/alice}
  carol: {uid: 1003, gid: 1003, work_dir: /scratch/carol}
`), 0o600))
	dir, err := NewAccounts(DirectoryConfig{
		Provider: ProviderStatic, File: file, WorkDir: "/work/{uid}",
		Tenants: map[string]DirectoryConfig{"open": {Provider: ProviderNone}},
	}, nil)
	require.NoError(t, err)
	ctx := context.Background()
	alice, err := dir.Lookup(ctx, "hpc", "alice")
	require.NoError(t, err)
	require.Equal(t, &abaco.Account{Username: "alice", UID: 1001, GID: 1001, Groups: []int{2001}, Home: "/home/alice", WorkDir: "/work/1001"}, alice)
	carol, err := dir.Lookup(ctx, "hpc", "carol")
	require.NoError(t, err)
	require.Equal(t, "/scratch/carol", carol.WorkDir, "the entry's own work dir wins")
	_, err = dir.Lookup(ctx, "hpc", "bob")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))

	require.True(t, dir.Enabled("hpc"))
	require.False(t, dir.Enabled("open"))
	_, err = dir.Lookup(ctx, "open", "alice")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))

	for _, bad := range []DirectoryConfig{
		{Provider: "nis"},
		{Provider: ProviderStatic},
		{Provider: ProviderLDAP, LDAP: LDAPConfig{URL: "http://x", BaseDN: "dc=x"}},
		{Provider: ProviderLDAP, LDAP: LDAPConfig{URL: "ldap://x"}},
		{Provider: ProviderLDAP, LDAP: LDAPConfig{URL: "ldap://x", BaseDN: "dc=x", Filter: "(uid=bob)"}},
		{Provider: ProviderLDAP, LDAP: LDAPConfig{URL: "ldap://x", BaseDN: "dc=x", CAFile: file}},
	} {
		_, err := NewAccounts(bad, nil)
		require.Error(t, err, "%+v", bad)
	}
}

func TestLDAPConcurrentMissesShareOneSearch(t *testing.T) {
	t.Parallel()
	s := startLDAP(t)
	dir, err := NewAccounts(ldapConfig(s), nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct, err := dir.Lookup(context.Background(), "dev", "bob")
			if err == nil && acct.UID != 20002 {
				err = fmt.Errorf("uid %d", acct.UID)
			}
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	require.Equal(t, 1, s.Searches("(uid=bob)"))
}
