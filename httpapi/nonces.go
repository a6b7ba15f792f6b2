package httpapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// renderNonce shows a nonce as the reference does; last_use_time is the
// string "None" until the first use (the reference's tests rely on it).
func (a *API) renderNonce(r *http.Request, n *abaco.Nonce) map[string]any {
	var lastUse any = "None"
	if !n.LastUseTime.IsZero() {
		lastUse = timeText(n.LastUseTime)
	}
	var actorID any
	self := a.baseURL(r) + "/v3/actors/aliases/" + n.Alias + "/nonces/" + n.ID
	actor := a.baseURL(r) + "/v3/actors/aliases/" + n.Alias
	if n.Alias == "" {
		actorID = n.ActorID
		self = a.actorURL(r, n.ActorID) + "/nonces/" + n.ID
		actor = a.actorURL(r, n.ActorID)
	}
	roles := n.Roles
	if roles == nil {
		roles = []string{}
	}
	out := map[string]any{
		"id":             n.ID,
		"actor_id":       actorID,
		"owner":          n.Owner,
		"roles":          roles,
		"level":          n.Level.String(),
		"max_uses":       n.MaxUses,
		"current_uses":   n.CurrentUses,
		"remaining_uses": n.RemainingUses,
		"description":    n.Description,
		"api_server":     n.APIServer,
		"create_time":    timeText(n.CreateTime),
		"last_use_time":  lastUse,
		"_links": map[string]string{
			"self":  self,
			"owner": a.ownerURL(r, n.Owner),
			"actor": actor,
		},
	}
	if n.Alias != "" {
		out["alias"] = n.Alias
	}
	return out
}

const maxUsesHelp = "The max uses parameter must be a positive integer or -1 (to denote unlimited uses)."

func (a *API) nonceSpec(r *http.Request) (abaco.NonceSpec, error) {
	s := abaco.NonceSpec{APIServer: a.baseURL(r)}
	f, err := readFields(r, a.opts.MaxBodyBytes)
	if err != nil {
		return s, err
	}
	if s.Level, err = f.str("Level of the nonce: NONE, READ, EXECUTE or UPDATE.", "level"); err != nil {
		return s, invalid("Invalid nonce description", err)
	}
	if s.Description, err = f.str("Description of the nonce.", "description"); err != nil {
		return s, invalid("Invalid nonce description", err)
	}
	if s.MaxUses, err = f.integer(maxUsesHelp, "max_uses", "maxUses"); err != nil {
		return s, abaco.E(abaco.Invalid, maxUsesHelp)
	}
	return s, nil
}

func (a *API) renderNonces(w http.ResponseWriter, r *http.Request, ns []*abaco.Nonce, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(ns))
	for _, n := range ns {
		out = append(out, a.renderNonce(r, n))
	}
	ok(w, "Actor nonces retrieved successfully.", out)
}

func (a *API) renderOneNonce(w http.ResponseWriter, r *http.Request, message string, n *abaco.Nonce, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, message, a.renderNonce(r, n))
}

func (a *API) listActorNonces(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	ns, err := a.svc.ActorNonces(r.Context(), p, ps.ByName("id"))
	a.renderNonces(w, r, ns, err)
}

func (a *API) listAliasNonces(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	ns, err := a.svc.AliasNonces(r.Context(), p, ps.ByName("alias"))
	a.renderNonces(w, r, ns, err)
}

func (a *API) createActorNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.nonceSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	n, err := a.svc.CreateActorNonce(r.Context(), p, ps.ByName("id"), spec)
	a.renderOneNonce(w, r, "Actor nonce created successfully.", n, err)
}

func (a *API) createAliasNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.nonceSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	n, err := a.svc.CreateAliasNonce(r.Context(), p, ps.ByName("alias"), spec)
	a.renderOneNonce(w, r, "Actor nonce created successfully.", n, err)
}

func (a *API) getActorNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	n, err := a.svc.GetActorNonce(r.Context(), p, ps.ByName("id"), ps.ByName("nid"))
	a.renderOneNonce(w, r, "Actor nonce retrieved successfully.", n, err)
}

func (a *API) getAliasNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	n, err := a.svc.GetAliasNonce(r.Context(), p, ps.ByName("alias"), ps.ByName("nid"))
	a.renderOneNonce(w, r, "Actor nonce retrieved successfully.", n, err)
}

func (a *API) deleteActorNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if err := a.svc.DeleteActorNonce(r.Context(), p, ps.ByName("id"), ps.ByName("nid")); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor nonce deleted successfully.", nil)
}

func (a *API) deleteAliasNonce(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if err := a.svc.DeleteAliasNonce(r.Context(), p, ps.ByName("alias"), ps.ByName("nid")); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor nonce deleted successfully.", nil)
}
