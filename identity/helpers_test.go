package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// testKeys are generated once: RSA generation is the slow part of these tests.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func publicPEM(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// sign makes a token with arbitrary claims, for shapes Mint never produces.
func sign(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

func mint(t *testing.T, key *rsa.PrivateKey, c Claims) string {
	t.Helper()
	s, err := Mint(key, c)
	require.NoError(t, err)
	return s
}

func requireUnauthenticated(t *testing.T, err error, msg string) {
	t.Helper()
	var e *abaco.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, abaco.Unauthenticated, e.Kind)
	require.Equal(t, msg, e.Msg)
}
