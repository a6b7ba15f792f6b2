package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// operatorRoutes adds the worker controls and the operator's views.
func (a *API) operatorRoutes() {
	a.actors.POST("/actors/:id/workers", a.authed(a.addWorkers))
	a.actors.DELETE("/actors/:id/workers/:wid", a.authed(a.stopWorker))
	a.named.GET("/actors/utilization", a.authed(a.utilization))
	a.named.GET("/actors/admin", a.authed(a.adminActors))
	a.named.GET("/actors/admin/workers", a.authed(a.adminWorkers))
	a.named.GET("/actors/admin/executions", a.authed(a.adminExecutions))
}

func (a *API) stopWorker(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if err := a.svc.StopWorker(r.Context(), p, ps.ByName("id"), ps.ByName("wid")); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Worker scheduled to be stopped.", nil)
}

func (a *API) addWorkers(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	f, err := readFields(r, a.opts.MaxBodyBytes)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	num, err := f.integer("The number of workers to ensure are running.", "num")
	if err != nil {
		a.fail(w, r, invalid("Invalid worker description", err))
		return
	}
	n := 1
	if num != nil {
		n = int(max(min(*num, 1<<20), -1))
	}
	msg, err := a.svc.AddWorkers(r.Context(), p, ps.ByName("id"), n)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, msg, nil)
}

// utilization is always camelCase, as in the reference.
func (a *API) utilization(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	u, err := a.svc.Utilization(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Abaco utilization retrieved successfully.", map[string]any{
		"currentActors": u.CurrentActors,
		"totalActors":   u.TotalActors,
		"workers":       u.Workers,
		"commandQueue":  u.CommandQueue,
	})
}

func (a *API) adminActors(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	loads, err := a.svc.AdminLoads(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	actors := make([]*abaco.Actor, 0, len(loads))
	for _, l := range loads {
		actors = append(actors, l.Actor)
	}
	out := make([]any, 0, len(loads))
	for i, v := range a.renderActors(r, actors) {
		x, err := actorFields(v)
		if err != nil {
			a.fail(w, r, abaco.Wrap(abaco.Internal, err, "render actor %s", v.ID))
			return
		}
		l := loads[i]
		for k, val := range map[string]any{"workers": a.renderWorkers(r, l.Workers), "messages": l.Messages,
			"executions": l.Summary.TotalExecutions, "runtime": l.Summary.TotalRuntime} {
			if x[k], err = json.Marshal(val); err != nil {
				a.fail(w, r, abaco.Wrap(abaco.Internal, err, "render actor %s", v.ID))
				return
			}
		}
		out = append(out, x)
	}
	ok(w, "Actors retrieved successfully.", out)
}

func (a *API) adminWorkers(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	loads, err := a.svc.AdminLoads(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	summary := map[string]int{"total_workers": 0, "ready_workers": 0, "requested_workers": 0,
		"error_workers": 0, "busy_workers": 0, "shutting_down_workers": 0, "actors_no_workers": 0}
	workers := []any{}
	for _, l := range loads {
		if len(l.Workers) == 0 {
			summary["actors_no_workers"]++
		}
		for _, x := range l.Workers {
			summary["total_workers"]++
			switch x.Status {
			case abaco.WorkerReady:
				summary["ready_workers"]++
			case abaco.WorkerRequested:
				summary["requested_workers"]++
			case abaco.WorkerError:
				summary["error_workers"]++
			case abaco.WorkerBusy:
				summary["busy_workers"]++
			case abaco.WorkerShuttingDown:
				summary["shutting_down_workers"]++
			}
			shown := a.renderWorker(r, x)
			shown["actor_id"] = x.ActorID
			workers = append(workers, shown)
		}
	}
	ok(w, "Workers retrieved successfully.", map[string]any{"summary": summary, "workers": workers})
}

func (a *API) adminExecutions(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	loads, err := a.svc.AdminLoads(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var total struct{ executions, runtime, cpu, io int64 }
	actors := make([]any, 0, len(loads))
	for _, l := range loads {
		s := l.Summary
		byStatus := map[string]int{abaco.ExecSubmitted: 0, abaco.ExecRunning: 0, abaco.ExecComplete: 0, abaco.ExecError: 0}
		for _, e := range s.Executions {
			byStatus[e.Status]++
		}
		total.executions += int64(s.TotalExecutions)
		total.runtime += s.TotalRuntime
		total.cpu += s.TotalCPU
		total.io += s.TotalIO
		actors = append(actors, map[string]any{
			"actor_id":                l.Actor.ID,
			"owner":                   l.Actor.Owner,
			"image":                   l.Actor.Image,
			"status":                  l.Actor.Status,
			"total_executions":        s.TotalExecutions,
			"total_execution_runtime": s.TotalRuntime,
			"total_execution_cpu":     s.TotalCPU,
			"total_execution_io":      s.TotalIO,
			"executions_by_status":    byStatus,
		})
	}
	ok(w, "Executions retrieved successfully.", map[string]any{
		"summary": map[string]any{
			"total_actors_all":            len(loads),
			"total_executions_all":        total.executions,
			"total_execution_runtime_all": total.runtime,
			"total_execution_cpu_all":     total.cpu,
			"total_execution_io_all":      total.io,
		},
		"actors": actors,
	})
}

func (a *API) renderWorkers(r *http.Request, ws []*abaco.Worker) []any {
	out := make([]any, 0, len(ws))
	for _, x := range ws {
		out = append(out, a.renderWorker(r, x))
	}
	return out
}
