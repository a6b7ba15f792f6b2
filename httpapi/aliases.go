package httpapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

func (a *API) renderAlias(r *http.Request, al *abaco.Alias) map[string]any {
	return map[string]any{
		"alias":    al.Alias,
		"actor_id": al.ActorID,
		"owner":    al.Owner,
		"_links": map[string]string{
			"self":  a.baseURL(r) + "/v3/actors/aliases/" + al.Alias,
			"owner": a.ownerURL(r, al.Owner),
			"actor": a.actorURL(r, al.ActorID),
		},
	}
}

func aliasSpec(r *http.Request, limit int64) (abaco.AliasSpec, error) {
	var s abaco.AliasSpec
	f, err := readFields(r, limit)
	if err != nil {
		return s, err
	}
	if s.Alias, err = f.str("The alias to create.", "alias"); err != nil {
		return s, invalid("Invalid alias description", err)
	}
	if s.ActorID, err = f.str("The actor id to associate with the alias.", "actor_id", "actorId"); err != nil {
		return s, invalid("Invalid alias description", err)
	}
	return s, nil
}

func (a *API) listAliases(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	as, err := a.svc.ListAliases(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(as))
	for _, al := range as {
		out = append(out, a.renderAlias(r, al))
	}
	ok(w, "Aliases retrieved successfully.", out)
}

func (a *API) createAlias(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := aliasSpec(r, a.opts.MaxBodyBytes)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	al, err := a.svc.CreateAlias(r.Context(), p, spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor alias created successfully.", a.renderAlias(r, al))
}

func (a *API) getAlias(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	al, err := a.svc.GetAlias(r.Context(), p, ps.ByName("alias"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Alias retrieved successfully.", a.renderAlias(r, al))
}

func (a *API) updateAlias(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := aliasSpec(r, a.opts.MaxBodyBytes)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	al, err := a.svc.UpdateAlias(r.Context(), p, ps.ByName("alias"), spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor alias updated successfully.", a.renderAlias(r, al))
}

func (a *API) deleteAlias(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	alias := ps.ByName("alias")
	if err := a.svc.DeleteAlias(r.Context(), p, alias); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Alias "+alias+" deleted successfully.", nil)
}
