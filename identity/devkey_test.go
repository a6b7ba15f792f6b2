package identity

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestEnsureDevKeyCreatesThenLoads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := EnsureDevKey(dir)
	require.NoError(t, err)
	require.Equal(t, 2048, key.N.BitLen())

	fi, err := os.Stat(filepath.Join(dir, "keys", "dev-signing-key.pem"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	again, err := EnsureDevKey(dir)
	require.NoError(t, err)
	require.True(t, key.Equal(again))

	// Only the key is left behind, no temporary files.
	entries, err := os.ReadDir(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestEnsureDevKeyConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := make([]*rsa.PrivateKey, 8)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = EnsureDevKey(dir) })
	}
	wg.Wait()
	for i := range keys {
		require.NoError(t, errs[i])
		require.True(t, keys[0].Equal(keys[i]))
	}
}

func TestEnsureDevKeyRejectsCorruptFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "keys"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keys", "dev-signing-key.pem"), []byte("junk"), 0o600))
	_, err := EnsureDevKey(dir)
	require.Error(t, err)
}

func TestDevTenant(t *testing.T) {
	t.Parallel()
	key := testKeys()[0]
	tenant := DevTenant(key)
	require.Equal(t, "dev", tenant.ID)
	require.Equal(t, "tacc", tenant.SiteID)
	require.Equal(t, "http://localhost:8000", tenant.BaseURL)

	v, err := NewVerifier([]Tenant{tenant})
	require.NoError(t, err)
	p, err := v.Authenticate(mint(t, key, Claims{Tenant: "dev", User: "alice", Roles: []string{abaco.RoleAdmin}}))
	require.NoError(t, err)
	require.True(t, p.IsAdmin())
}
