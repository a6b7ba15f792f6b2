package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// actorSpec decodes a registration or update. Both snake_case and the
// reference's camelCase names are accepted.
func actorSpec(f fields) (abaco.ActorSpec, error) {
	var (
		s   abaco.ActorSpec
		err error
	)
	str := func(dst **string, help string, names ...string) {
		if err == nil {
			*dst, err = f.str(help, names...)
		}
	}
	boolean := func(dst **bool, help string, names ...string) {
		if err == nil {
			*dst, err = f.boolean(help, names...)
		}
	}
	str(&s.Image, "Reference to image on docker hub for this actor.", "image")
	str(&s.Name, "User defined name for this actor.", "name")
	str(&s.Description, "Description of this actor.", "description")
	boolean(&s.Stateless, "Whether the actor stores private state.", "stateless")
	boolean(&s.Privileged, "Whether this actor runs in privileged mode.", "privileged")
	str(&s.Type, "The type of actor: none, bin or json.", "type")
	str(&s.Link, "Actor identifier of actor to link this actor's events too.", "link")
	str(&s.Webhook, "URL to publish this actor's events to.", "webhook")
	boolean(&s.Token, "Whether this actor requires an OAuth access token.", "token")
	str(&s.MemLimit, "Memory limit for the actor's containers, e.g. 3g.", "mem_limit", "memLimit")
	boolean(&s.UseContainerUID, "Whether this actor runs as the UID set in the container image.", "use_container_uid", "useContainerUid")
	boolean(&s.RunAsExecutor, "Whether this actor runs as the UID of the executor.", "run_as_executor", "runAsExecutor")
	str(&s.Queue, "The command channel that this actor uses.", "queue")
	str(&s.CronSchedule, "Cron schedule for this actor.", "cron_schedule", "cronSchedule")
	boolean(&s.CronOn, "Whether the cron schedule is on.", "cron_on", "cronOn")
	boolean(&s.Force, "Whether to force an update of the actor's image.", "force")
	if err != nil {
		return s, invalid("Invalid actor description", err)
	}
	if s.Hints, err = f.list("Hints for personal tagging or Abaco special cases.", "hints"); err != nil {
		return s, invalid("Invalid actor description", err)
	}
	if s.DefaultEnvironment, err = f.object("A dictionary of default environmental variables and values.", "default_environment", "defaultEnvironment"); err != nil {
		return s, invalid("Invalid actor description", err)
	}
	ints := []struct {
		help  string
		names []string
		set   func(int64)
	}{
		{"How many workers this actor is allowed at the same time.", []string{"max_workers", "maxWorkers"}, func(n int64) { v := int(n); s.MaxWorkers = &v }},
		{"Maximum number of CPUs (nanoCPUs) for the actor's containers.", []string{"max_cpus", "maxCpus"}, func(n int64) { s.MaxCPUs = &n }},
		{"Length of time, in seconds, the actor's logs are kept.", []string{"log_ex", "logEx"}, func(n int64) { v := int(n); s.LogEx = &v }},
	}
	for _, i := range ints {
		n, err := f.integer(i.help, i.names...)
		if err != nil {
			return s, invalid("Invalid actor description", err)
		}
		if n != nil {
			i.set(*n)
		}
	}
	return s, nil
}

// readActorSpec decodes a registration or update body.
func (a *API) readActorSpec(r *http.Request) (abaco.ActorSpec, error) {
	f, err := readFields(r, a.opts.MaxBodyBytes)
	if err != nil {
		return abaco.ActorSpec{}, err
	}
	return actorSpec(f)
}

func (a *API) createActor(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.readActorSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	actor, err := a.svc.CreateActor(r.Context(), p, spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor created successfully.", a.renderActor(r, actor))
}

func (a *API) listActors(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if isSearch(r) {
		a.searchCollection(w, r, httprouter.Params{{Key: "collection", Value: "actors"}}, p)
		return
	}
	actors, err := a.svc.ListActors(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.okActorList(w, r, "Actors retrieved successfully.", actors)
}

func (a *API) getActor(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	actor, err := a.svc.GetActor(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor retrieved successfully.", a.renderActor(r, actor))
}

func (a *API) updateActor(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.readActorSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	actor, err := a.svc.UpdateActor(r.Context(), p, ps.ByName("id"), spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor updated successfully.", a.renderActor(r, actor))
}

func (a *API) deleteActor(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if err := a.svc.DeleteActor(r.Context(), p, ps.ByName("id")); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor deleted successfully.", nil)
}

func (a *API) getState(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	state, err := a.svc.GetState(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Actor state retrieved successfully.", map[string]any{"state": json.RawMessage(state)})
}

// setState takes the whole body as the new state: any JSON value.
func (a *API) setState(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	body, err := readBody(r, a.opts.MaxBodyBytes)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || !json.Valid(body) {
		a.fail(w, r, abaco.E(abaco.Invalid, "Invalid actor state description: state must be JSON serializable."))
		return
	}
	var compact bytes.Buffer
	json.Compact(&compact, body)
	actor, err := a.svc.SetState(r.Context(), p, ps.ByName("id"), compact.Bytes())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "State updated successfully.", a.renderActor(r, actor))
}
