package secretbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEnsureCreatesKeyOnceAndSealsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.key")
	b1, err := Ensure(path)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	sealed, err := b1.Seal("s3cret")
	require.NoError(t, err)
	require.NotContains(t, sealed, "s3cret")
	again, err := b1.Seal("s3cret")
	require.NoError(t, err)
	require.NotEqual(t, sealed, again, "every seal uses a fresh nonce")

	b2, err := Ensure(path) // the same key is read back, not replaced
	require.NoError(t, err)
	plain, err := b2.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, "s3cret", plain)
}

func TestOpenRefusesOtherKeyAndTampering(t *testing.T) {
	b1, err := Ensure(filepath.Join(t.TempDir(), "a.key"))
	require.NoError(t, err)
	b2, err := Ensure(filepath.Join(t.TempDir(), "b.key"))
	require.NoError(t, err)
	sealed, err := b1.Seal("value")
	require.NoError(t, err)
	_, err = b2.Open(sealed)
	require.Error(t, err)
	_, err = b1.Open(sealed[:len(sealed)-4] + "AAAA")
	require.Error(t, err)
	_, err = b1.Open("value")
	require.Error(t, err)
	_, err = Load(filepath.Join(t.TempDir(), "missing.key"))
	require.Error(t, err, "a configured key file must exist")
}
