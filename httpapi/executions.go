package httpapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

func (a *API) listExecutions(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if isSearch(r) {
		a.searchActor(w, r, p, ps.ByName("id"), "", search.Executions)
		return
	}
	l, err := a.svc.ListExecutions(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor executions retrieved successfully.", newExecutionsView(a.baseURL(r), l.ActorID, l.Owner, l.Summary))
}

func (a *API) getExecution(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	actor, e, err := a.svc.GetExecution(r.Context(), p, ps.ByName("id"), ps.ByName("eid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor execution retrieved successfully.", a.renderExecution(r, actor, e))
}

func (a *API) haltExecution(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	eid := ps.ByName("eid")
	if err := a.svc.HaltExecution(r.Context(), p, ps.ByName("id"), eid); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Issued force quit command for execution "+eid+".", nil)
}

func (a *API) getLogs(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if isSearch(r) {
		a.searchActor(w, r, p, ps.ByName("id"), ps.ByName("eid"), search.Logs)
		return
	}
	actor, e, text, err := a.svc.GetLogs(r.Context(), p, ps.ByName("id"), ps.ByName("eid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	self := a.actorURL(r, actor.ID) + "/executions/" + e.ID
	ok(w, "Logs retrieved successfully.", map[string]any{
		"logs": text,
		"_links": map[string]string{
			"self":      self + "/logs",
			"owner":     a.ownerURL(r, actor.Owner),
			"execution": self,
		},
	})
}

// getResult pops one result and returns its raw bytes; an empty 200 body
// means there is none (tapipy loops until it sees one).
func (a *API) getResult(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	data, err := a.svc.PopResult(r.Context(), p, ps.ByName("id"), ps.ByName("eid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

func (a *API) listWorkers(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if isSearch(r) {
		a.searchActor(w, r, p, ps.ByName("id"), "", search.Workers)
		return
	}
	ws, err := a.svc.ListWorkers(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(ws))
	for _, x := range ws {
		out = append(out, a.renderWorker(r, x))
	}
	ok(w, "Workers retrieved successfully.", out)
}

func (a *API) getWorker(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	x, err := a.svc.GetWorker(r.Context(), p, ps.ByName("id"), ps.ByName("wid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Worker retrieved successfully.", a.renderWorker(r, x))
}
