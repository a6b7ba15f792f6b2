package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/identity"
)

// TestRolesAndTenants: privileged fields need a role, from the token claim
// (dev tenant) or the config file (other tenant, which ignores claims);
// admins act in their own tenant only; tenants never see each other.
func TestRolesAndTenants(t *testing.T) {
	s, other := startTenantServer(t, "")
	regular := s.token("jdoe")
	priv := s.token("priv", abaco.RolePrivileged)
	admin := s.token("boss", abaco.RoleAdmin)

	for field, want := range map[string]string{
		"privileged":        "Not authorized -- only admins and privileged users can make privileged actors.",
		"max_workers":       "Not authorized -- only admins and privileged users can set max workers.",
		"max_cpus":          "Not authorized -- only admins and privileged users can set max CPUs.",
		"mem_limit":         "Not authorized -- only admins and privileged users can set mem limit.",
		"use_container_uid": "Not authorized -- only admins and privileged users can use the container uid.",
	} {
		spec := map[string]any{"image": "abacosamples/test"}
		switch field {
		case "privileged", "use_container_uid":
			spec[field] = true
		case "mem_limit":
			spec[field] = "1g"
		default:
			spec[field] = 2
		}
		r := s.postJSON("/v3/actors", regular, spec)
		require.Equal(t, 403, r.Code, "%s: %s", field, r.Body)
		require.Equal(t, want, r.Env.Message)
		for _, tok := range []string{priv, admin, other.token(t, "pat")} {
			r := s.postJSON("/v3/actors", tok, spec)
			require.Equal(t, 200, r.Code, "%s: %s", field, r.Body)
		}
	}
	// The other tenant does not trust role claims: a self-made admin claim is ignored.
	forged, err := identity.Mint(other.key, identity.Claims{Tenant: "other", User: "mallory", Roles: []string{abaco.RoleAdmin}})
	require.NoError(t, err)
	r := s.postJSON("/v3/actors", forged, map[string]any{"image": "abacosamples/test", "max_workers": 2})
	require.Equal(t, 403, r.Code, "%s", r.Body)

	// An actor of each tenant, with an alias, a nonce and a config of the same name.
	devActor := s.mustOK(s.postJSON("/v3/actors", regular, map[string]any{"image": "abacosamples/test"}))["id"].(string)
	otherUser := other.token(t, "jdoe") // same username, other tenant
	otherActor := s.mustOK(s.postJSON("/v3/actors", otherUser, map[string]any{"image": "abacosamples/test"}))["id"].(string)
	s.mustOK(s.postForm("/v3/actors/aliases", regular, "alias=shared-name&actor_id="+devActor))
	s.mustOK(s.postForm("/v3/actors/aliases", otherUser, "alias=shared-name&actor_id="+otherActor))
	s.mustOK(s.postForm("/v3/actors/configs", regular, "name=cfg&value=dev-value&is_secret=false&actors="+devActor))
	s.mustOK(s.postForm("/v3/actors/configs", otherUser, "name=cfg&value=other-value&is_secret=false&actors="+otherActor))
	s.grant(regular, "/v3/actors/"+devActor, abaco.WorldUser, "UPDATE")
	devNonce := s.newNonce(regular, "/v3/actors/"+devActor, "UPDATE", -1)

	// The other tenant's admin (by config) holds everything there, nothing here.
	otherAdmin := other.token(t, "root")
	require.Equal(t, 200, s.getJSON("/v3/actors/"+otherActor, otherAdmin).Code)
	require.Equal(t, 200, s.postForm("/v3/actors/"+otherActor+"/messages", otherAdmin, "message=x").Code)
	for _, tok := range []string{otherAdmin, otherUser} {
		r := s.getJSON("/v3/actors/"+devActor, tok)
		require.Equal(t, 404, r.Code, "a public actor of another tenant does not exist: %s", r.Body)
		r = s.postForm("/v3/actors/"+devActor+"/messages", tok, "message=x")
		require.Equal(t, 404, r.Code, "%s", r.Body)
		require.NotContains(t, string(s.getJSON("/v3/actors", tok).Body), devActor)
		require.Equal(t, otherActor, s.mustOK(s.getJSON("/v3/actors/aliases/shared-name", otherAdmin))["actor_id"])
		require.Equal(t, "other-value", s.mustOK(s.getJSON("/v3/actors/configs/cfg", otherAdmin))["value"])
		require.NotContains(t, string(s.getJSON("/v3/actors/aliases", tok).Body), devActor)
		require.NotContains(t, string(s.getJSON("/v3/actors/configs", tok).Body), "dev-value")
		require.Equal(t, 404, s.getJSON("/v3/actors/"+devActor+"/nonces/"+devNonce, tok).Code)
	}
	// A dev admin reaches the dev actor and not the other tenant's.
	require.Equal(t, 200, s.getJSON("/v3/actors/"+devActor, admin).Code)
	require.Equal(t, 404, s.getJSON("/v3/actors/"+otherActor, admin).Code)
	// A dev nonce names its tenant; it cannot reach an actor of the other tenant.
	r = s.call("GET", "/v3/actors/"+otherActor, "", devNonce, "", "")
	require.Equal(t, 401, r.Code, "%s", r.Body)
	require.Equal(t, "Nonce does not exist.", r.Env.Message)
	require.True(t, strings.HasPrefix(devNonce, "dev_"))
}
