package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/golang-jwt/jwt/v5"
)

// devKeyPath is where the development signing key lives under the data dir.
const devKeyPath = "keys/dev-signing-key.pem"

// EnsureDevKey returns the development signing key kept at
// <dataDir>/keys/dev-signing-key.pem, creating a 2048-bit RSA key there on
// first use. Processes starting together all end up with the same key.
func EnsureDevKey(dataDir string) (*rsa.PrivateKey, error) {
	path := filepath.Join(dataDir, devKeyPath)
	key, err := loadPrivateKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createPrivateKey(path); err != nil {
		return nil, fmt.Errorf("create dev signing key: %w", err)
	}
	// Load what is on disk, not what we generated: another process may have
	// won the race.
	return loadPrivateKey(path)
}

func loadPrivateKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return key, nil
}

// createPrivateKey writes a new key to path unless a key is already there.
func createPrivateKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".dev-signing-key-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// A hard link, unlike a rename, never replaces an existing file: when two
	// processes race, the first complete key to land wins and the other
	// process loads it, so they never sign with different keys.
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		// Some filesystems have no hard links; a rename is still atomic,
		// only a simultaneous start may then replace a fresh key once.
		return os.Rename(tmp.Name(), path)
	}
	return nil
}

// DevTenant is the tenant `dev` whose tokens are signed with key, as minted
// by `abaco token`. It trusts the tokens' role claims, since whoever holds
// the dev key is the operator anyway.
func DevTenant(key *rsa.PrivateKey) Tenant {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		panic(fmt.Sprintf("marshal RSA public key: %v", err)) // cannot fail for RSA
	}
	return Tenant{
		ID:              "dev",
		SiteID:          DefaultSiteID,
		BaseURL:         "http://localhost:8000",
		PublicKeys:      []string{string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		TrustRoleClaims: true,
	}
}
