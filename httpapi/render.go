package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/abaco-hpc/abaco"
)

// timeText renders a time as RFC 3339 UTC with milliseconds, or null.
func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func rawOrNull(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (a *API) actorURL(r *http.Request, id string) string {
	return a.baseURL(r) + "/v3/actors/" + id
}

func (a *API) ownerURL(r *http.Request, owner string) string {
	return a.baseURL(r) + "/v3/oauth2/profiles/" + owner
}

// renderActor shows an actor with every field of the reference, null
// where unset.
func (a *API) renderActor(r *http.Request, x *abaco.Actor) map[string]any {
	var token any = x.Token
	if x.Token == nil {
		// The reference shows its configured default as a string.
		token = "false"
		if a.svc.Config().DefaultToken {
			token = "true"
		}
	}
	hints := x.Hints
	if hints == nil {
		hints = []string{}
	}
	env := x.DefaultEnvironment
	if env == nil {
		env = map[string]string{}
	}
	self := a.actorURL(r, x.ID)
	uid, gid, mounts := a.runAs(r, x)
	return map[string]any{
		"id":                  x.ID,
		"name":                x.Name,
		"owner":               x.Owner,
		"image":               x.Image,
		"description":         x.Description,
		"stateless":           x.Stateless,
		"privileged":          x.Privileged,
		"type":                x.Type,
		"link":                x.Link,
		"webhook":             x.Webhook,
		"token":               token,
		"hints":               hints,
		"default_environment": env,
		"max_workers":         x.MaxWorkers,
		"mem_limit":           x.MemLimit,
		"max_cpus":            x.MaxCPUs,
		"use_container_uid":   x.UseContainerUID,
		"run_as_executor":     x.RunAsExecutor,
		"uid":                 uid,
		"gid":                 gid,
		"tasdir":              nil,
		"queue":               x.Queue,
		"mounts":              mounts,
		"revision":            x.Revision,
		"status":              x.Status,
		"status_message":      x.StatusMessage,
		"state":               rawOrNull(x.State),
		"log_ex":              x.LogEx,
		"cron_schedule":       x.CronSchedule,
		"cron_on":             x.CronOn,
		"cron_next_ex":        x.CronNextEx,
		"create_time":         timeText(x.CreateTime),
		"last_update_time":    timeText(x.LastUpdateTime),
		"_links": map[string]string{
			"self":       self,
			"owner":      a.ownerURL(r, x.Owner),
			"executions": self + "/executions",
		},
	}
}

// renderExecution shows one execution with every field of the reference.
func (a *API) renderExecution(r *http.Request, actor *abaco.Actor, e *abaco.Execution) map[string]any {
	self := a.actorURL(r, e.ActorID) + "/executions/" + e.ID
	var worker any
	if e.WorkerID != "" {
		worker = e.WorkerID
	}
	uid, gid := a.svc.ExecutionExecutorIDs(r.Context(), e)
	return map[string]any{
		"id":                    e.ID,
		"executor_uid":          uid,
		"executor_gid":          gid,
		"actor_id":              e.ActorID,
		"api_server":            e.APIServer,
		"executor":              e.Executor,
		"worker_id":             worker,
		"status":                e.Status,
		"message_received_time": timeText(e.MessageReceivedTime),
		"start_time":            timeText(e.StartTime),
		"finish_time":           timeText(e.FinishTime),
		"runtime":               e.Runtime,
		"cpu":                   e.CPU,
		"io":                    e.IO,
		"exit_code":             e.ExitCode,
		"final_state":           rawOrNull(e.FinalState),
		"_links": map[string]string{
			"self":  self,
			"owner": a.ownerURL(r, actor.Owner),
			"logs":  self + "/logs",
		},
	}
}

// renderWorker shows a worker with the reference's fields.
func (a *API) renderWorker(r *http.Request, w *abaco.Worker) map[string]any {
	return map[string]any{
		"id":                     w.ID,
		"tenant":                 w.Tenant,
		"status":                 w.Status,
		"image":                  w.Image,
		"location":               w.Location,
		"cid":                    w.ID,
		"ch_name":                "worker_" + w.ID,
		"host_id":                w.HostID,
		"host_ip":                nil,
		"revision":               w.Revision,
		"create_time":            timeText(w.CreateTime),
		"last_execution_time":    timeText(w.LastExecutionTime),
		"last_health_check_time": timeText(w.LastHealthCheckTime),
	}
}
