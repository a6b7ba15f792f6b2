package httpapi

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

// searchRoutes serves GET /actors/search/{collection}. The user
// documentation also shows /actors/search/actors/{id}/executions; it is
// served as the implicit search of /actors/{id}/executions, and likewise
// for workers and logs.
func (a *API) searchRoutes() {
	a.named.GET("/actors/search/:collection", a.authed(a.searchCollection))
	a.named.GET("/actors/search/:collection/:id/:sub", a.authed(a.searchActorPath))
	a.named.GET("/actors/search/:collection/:id/:sub/:eid/:leaf", a.authed(a.searchActorPath))
}

// searchMessages are the envelope messages of each collection's search.
var searchMessages = map[search.Collection]string{
	search.Actors:     "Search completed successfully.",
	search.Executions: "Executions search completed successfully.",
	search.Workers:    "Workers search completed successfully.",
	search.Logs:       "Logs search completed successfully.",
}

func (a *API) searchCollection(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	coll := search.Collection(ps.ByName("collection"))
	if search.Fields(coll) == nil {
		a.notFound(w, r)
		return
	}
	q, err := parseSearch(coll, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.svc.Search(r.Context(), p, coll, q)
	a.answerSearch(w, r, coll, q, res, err)
}

func (a *API) searchActorPath(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	sub, eid, leaf := ps.ByName("sub"), ps.ByName("eid"), ps.ByName("leaf")
	if ps.ByName("collection") != string(search.Actors) ||
		!(eid == "" && (sub == "executions" || sub == "workers") || eid != "" && sub == "executions" && leaf == "logs") {
		a.notFound(w, r)
		return
	}
	coll := search.Collection(sub)
	if eid != "" {
		coll = search.Logs
	}
	a.searchActor(w, r, p, ps.ByName("id"), eid, coll)
}

// searchActor answers the implicit search of /actors/{id}/executions,
// /workers and /executions/{eid}/logs.
func (a *API) searchActor(w http.ResponseWriter, r *http.Request, p abaco.Principal, actorID, eid string, coll search.Collection) {
	q, err := parseSearch(coll, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.svc.SearchActor(r.Context(), p, actorID, eid, coll, q)
	a.answerSearch(w, r, coll, q, res, err)
}

// isSearch reports whether a GET of a list is a search: it has a query
// parameter other than x-nonce (reference §16).
func isSearch(r *http.Request) bool { return search.HasSearch(r.URL.Query()) }

func parseSearch(coll search.Collection, r *http.Request) (*search.Query, error) {
	q, err := search.Parse(coll, r.URL.Query())
	var se *search.Error
	if errors.As(err, &se) {
		return nil, abaco.E(abaco.Invalid, "%s", se.Msg)
	}
	return q, err
}

// answerSearch renders a search result: {_metadata, search}.
func (a *API) answerSearch(w http.ResponseWriter, r *http.Request, coll search.Collection, q *search.Query, res *abaco.SearchResult, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list := []any{}
	for _, x := range a.renderActors(r, res.Actors) {
		list = append(list, x)
	}
	base := a.baseURL(r)
	for _, h := range res.Executions {
		v := newExecutionView(base, h.ActorOwner, h.Execution, h.ExecutorUID, h.ExecutorGID)
		v.APIServer = nil // search results do not show it
		list = append(list, v)
	}
	for _, x := range res.Workers {
		m := a.renderWorker(r, x)
		delete(m, "tenant")
		m["actor_id"] = x.ActorID
		list = append(list, m)
	}
	for _, h := range res.Logs {
		self := a.actorURL(r, h.Log.ActorID) + "/executions/" + h.Log.ExecutionID
		list = append(list, map[string]any{
			"logs": h.Log.Text,
			"_links": map[string]string{
				"self":      self + "/logs",
				"owner":     a.ownerURL(r, h.ActorOwner),
				"execution": self,
			},
		})
	}
	ok(w, searchMessages[coll], map[string]any{
		"_metadata": map[string]int{
			"count_returned":  len(list),
			"record_limit":    q.Limit,
			"records_skipped": q.Skip,
			"total_count":     res.Total,
		},
		"search": list,
	})
}
