package identity

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// parseClaims reads a minted token's claims as a generic map.
func parseClaims(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	c := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, c)
	require.NoError(t, err)
	return c
}

func TestMintClaims(t *testing.T) {
	t.Parallel()
	key := testKeys()[0]
	c := parseClaims(t, mint(t, key, Claims{Tenant: "dev", User: "alice", Roles: []string{"abaco_admin"}, TTL: time.Hour}))

	require.Equal(t, "https://dev.tapis.io/v3/tokens", c["iss"])
	require.Equal(t, "alice@dev", c["sub"])
	require.Equal(t, "dev", c["tapis/tenant_id"])
	require.Equal(t, "alice", c["tapis/username"])
	require.Equal(t, "access", c["tapis/token_type"])
	require.Equal(t, "user", c["tapis/account_type"])
	require.Equal(t, false, c["tapis/delegation"])
	require.Equal(t, []any{"abaco_admin"}, c["tapis/roles"])
	_, err := uuid.Parse(c["jti"].(string))
	require.NoError(t, err)
	require.InDelta(t, time.Now().Unix(), c["iat"], 5)
	require.InDelta(t, time.Hour.Seconds(), c["exp"].(float64)-c["iat"].(float64), 0)
}

func TestMintDefaults(t *testing.T) {
	t.Parallel()
	key := testKeys()[0]
	c := parseClaims(t, mint(t, key, Claims{Tenant: "dev", User: "alice"}))
	require.NotContains(t, c, "tapis/roles")
	require.InDelta(t, DefaultTTL.Seconds(), c["exp"].(float64)-c["iat"].(float64), 0)

	// Every token is distinct, even for the same user in the same second.
	require.NotEqual(t, c["jti"], parseClaims(t, mint(t, key, Claims{Tenant: "dev", User: "alice"}))["jti"])
}

func TestMintRequiresTenantAndUser(t *testing.T) {
	t.Parallel()
	key := testKeys()[0]
	_, err := Mint(key, Claims{Tenant: "dev"})
	require.Error(t, err)
	_, err = Mint(key, Claims{User: "alice"})
	require.Error(t, err)
}
