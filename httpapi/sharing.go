package httpapi

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// sharingRoutes serves permissions, nonces, aliases and actor configs.
func (a *API) sharingRoutes() {
	r := a.actors
	r.GET("/actors/:id/permissions", a.authed(a.getPermissions(abaco.KindActor, "id")))
	r.POST("/actors/:id/permissions", a.authed(a.setPermission(abaco.KindActor, "id")))
	r.GET("/actors/:id/nonces", a.authed(a.listActorNonces))
	r.POST("/actors/:id/nonces", a.authed(a.createActorNonce))
	r.GET("/actors/:id/nonces/:nid", a.authed(a.getActorNonce))
	r.DELETE("/actors/:id/nonces/:nid", a.authed(a.deleteActorNonce))

	n := a.named
	n.GET("/actors/aliases", a.authed(a.listAliases))
	n.POST("/actors/aliases", a.authed(a.createAlias))
	n.GET("/actors/aliases/:alias", a.authed(a.getAlias))
	n.PUT("/actors/aliases/:alias", a.authed(a.updateAlias))
	n.DELETE("/actors/aliases/:alias", a.authed(a.deleteAlias))
	n.GET("/actors/aliases/:alias/permissions", a.authed(a.getPermissions(abaco.KindAlias, "alias")))
	n.POST("/actors/aliases/:alias/permissions", a.authed(a.setPermission(abaco.KindAlias, "alias")))
	n.GET("/actors/aliases/:alias/nonces", a.authed(a.listAliasNonces))
	n.POST("/actors/aliases/:alias/nonces", a.authed(a.createAliasNonce))
	n.GET("/actors/aliases/:alias/nonces/:nid", a.authed(a.getAliasNonce))
	n.DELETE("/actors/aliases/:alias/nonces/:nid", a.authed(a.deleteAliasNonce))

	n.GET("/actors/configs", a.authed(a.listConfigs))
	n.POST("/actors/configs", a.authed(a.createConfig))
	n.GET("/actors/configs/:name", a.authed(a.getConfig))
	n.PUT("/actors/configs/:name", a.authed(a.updateConfig))
	n.DELETE("/actors/configs/:name", a.authed(a.deleteConfig))
	n.GET("/actors/configs/:name/permissions", a.authed(a.getPermissions(abaco.KindConfig, "name")))
	n.POST("/actors/configs/:name/permissions", a.authed(a.setPermission(abaco.KindConfig, "name")))
}

// nonceAuth authenticates a request that carries ?x-nonce= instead of a
// token. The level it needs follows the method (reference §11): READ for
// GET, EXECUTE for a POST to /messages, UPDATE for anything else. Only the
// routes of an actor or alias accept a nonce.
func (a *API) nonceAuth(r *http.Request, ps httprouter.Params, nonce string) (abaco.Principal, error) {
	identifier := ps.ByName("id")
	if identifier == "" {
		identifier = ps.ByName("alias")
	}
	if identifier == "" {
		return abaco.Principal{}, abaco.E(abaco.Unauthenticated, "A nonce is only accepted on the routes of its actor or alias; this route needs a token.")
	}
	level := abaco.LevelUpdate
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		level = abaco.LevelRead
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages"):
		level = abaco.LevelExecute
	}
	return a.svc.RedeemNonce(r.Context(), nonce, identifier, level)
}

func (a *API) permissionGrant(r *http.Request) (abaco.PermissionGrant, error) {
	var g abaco.PermissionGrant
	f, err := readFields(r, a.opts.MaxBodyBytes)
	if err != nil {
		return g, err
	}
	user, err := f.str("User owning the permission.", "user")
	if err != nil {
		return g, invalid("Invalid permissions description", err)
	}
	level, err := f.str("Level of the permission: NONE, READ, EXECUTE or UPDATE.", "level")
	if err != nil {
		return g, invalid("Invalid permissions description", err)
	}
	if user != nil {
		g.User = *user
	}
	if level != nil {
		g.Level = *level
	}
	return g, nil
}

// getPermissions serves GET on the permissions of a kind of resource named
// by the path parameter param.
func (a *API) getPermissions(kind abaco.PermissionKind, param string) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
		m, err := a.svc.Permissions(r.Context(), p, kind, ps.ByName(param))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		ok(w, "Permissions retrieved successfully.", m)
	}
}

// setPermission serves POST on the permissions of a kind of resource.
func (a *API) setPermission(kind abaco.PermissionKind, param string) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
		g, err := a.permissionGrant(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		m, err := a.svc.SetPermission(r.Context(), p, kind, ps.ByName(param), g)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		ok(w, "Permission added successfully.", m)
	}
}
