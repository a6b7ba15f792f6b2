package identity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDirectory(t *testing.T) {
	t.Parallel()
	f := setup(t)

	tenants := f.v.Tenants()
	require.Len(t, tenants, 2)
	require.Equal(t, "a", tenants[0].TenantID)
	require.Equal(t, DefaultSiteID, tenants[0].SiteID)
	require.Equal(t, "https://a.example", tenants[0].BaseURL)
	require.Equal(t, publicPEM(t, f.keyA), tenants[0].PublicKey)

	require.Equal(t, []SiteInfo{
		{SiteID: DefaultSiteID, Primary: true, BaseURL: "https://a.example"},
		{SiteID: "other", BaseURL: "https://b.example"},
	}, f.v.Sites())

	// tapipy reads these exact keys.
	var wire []map[string]any
	b, err := json.Marshal(tenants)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &wire))
	for _, k := range []string{"tenant_id", "site_id", "base_url"} {
		require.Contains(t, wire[0], k)
	}
}

func TestDirectoryEmpty(t *testing.T) {
	t.Parallel()
	v, err := NewVerifier(nil)
	require.NoError(t, err)
	// Empty lists, not null: tapipy iterates over result.
	b, err := json.Marshal(v.Tenants())
	require.NoError(t, err)
	require.JSONEq(t, "[]", string(b))
	b, err = json.Marshal(v.Sites())
	require.NoError(t, err)
	require.JSONEq(t, "[]", string(b))
}
