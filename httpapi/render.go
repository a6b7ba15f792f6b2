package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Views are what the API shows of an object. They are structs rather than
// maps because a list renders hundreds of them: encoding/json sorts a map's
// keys and boxes every value for each object, which was a third of the
// server's CPU in a list of actors. The fields are declared in the order
// encoding/json gives map keys (sorted bytewise), so that the wire stays
// exactly what it was; render_test.go holds the maps they replaced and
// compares the bytes.

// timeLayout is how times are shown: RFC 3339 UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// timeText renders a time in timeLayout, or null.
func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// timeField is timeText for a view's field: nil shows as null.
func timeField(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// formatTime is t.UTC().Format(timeLayout), written out digit by digit:
// a list of executions shows three times per row, and Format's reading of
// the layout was a tenth of the list's cost.
func formatTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(timeLayout)
	}
	hour, minute, sec := t.Clock()
	b := []byte("0000-00-00T00:00:00.000Z")
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, year)
	put(5, 2, int(month))
	put(8, 2, day)
	put(11, 2, hour)
	put(14, 2, minute)
	put(17, 2, sec)
	put(20, 3, t.Nanosecond()/1e6)
	return string(b)
}

// rawField shows a stored JSON value, or null when there is none.
func rawField(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil // shown as null; an empty RawMessage would not encode
	}
	return b
}

func (a *API) actorURL(r *http.Request, id string) string {
	return a.baseURL(r) + "/v3/actors/" + id
}

func (a *API) ownerURL(r *http.Request, owner string) string {
	return a.baseURL(r) + "/v3/oauth2/profiles/" + owner
}

// actorView shows an actor with every field of the reference, null where
// unset.
type actorView struct {
	Links              actorLinks        `json:"_links"`
	CreateTime         *string           `json:"create_time"`
	CronNextEx         *string           `json:"cron_next_ex"`
	CronOn             bool              `json:"cron_on"`
	CronSchedule       *string           `json:"cron_schedule"`
	DefaultEnvironment map[string]string `json:"default_environment"`
	Description        string            `json:"description"`
	GID                *int              `json:"gid"`
	Hints              []string          `json:"hints"`
	ID                 string            `json:"id"`
	Image              string            `json:"image"`
	LastUpdateTime     *string           `json:"last_update_time"`
	Link               string            `json:"link"`
	LogEx              *int              `json:"log_ex"`
	MaxCPUs            *int64            `json:"max_cpus"`
	MaxWorkers         *int              `json:"max_workers"`
	MemLimit           *string           `json:"mem_limit"`
	Mounts             []abaco.Mount     `json:"mounts"`
	Name               *string           `json:"name"`
	Owner              string            `json:"owner"`
	Privileged         bool              `json:"privileged"`
	Queue              string            `json:"queue"`
	Revision           int               `json:"revision"`
	RunAsExecutor      bool              `json:"run_as_executor"`
	State              json.RawMessage   `json:"state"`
	Stateless          bool              `json:"stateless"`
	Status             string            `json:"status"`
	StatusMessage      string            `json:"status_message"`
	Tasdir             *string           `json:"tasdir"` // always null
	Token              any               `json:"token"`  // the actor's bool, or the default as a string
	Type               string            `json:"type"`
	UID                *int              `json:"uid"`
	UseContainerUID    bool              `json:"use_container_uid"`
	Webhook            string            `json:"webhook"`
}

type actorLinks struct {
	Executions string `json:"executions"`
	Owner      string `json:"owner"`
	Self       string `json:"self"`
}

// runAsView is the run-as part of an actor's view: the owner's uid and gid
// (nil without a directory) and the mounts its executions get.
type runAsView struct {
	uid, gid *int
	mounts   []abaco.Mount
}

// newActorView builds the view of x. base is the API's base URL and
// defaultToken the configured token default.
func newActorView(base string, defaultToken bool, x *abaco.Actor, ra runAsView) actorView {
	var token any = x.Token
	if x.Token == nil {
		// The reference shows its configured default as a string.
		token = "false"
		if defaultToken {
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
	mounts := ra.mounts
	if mounts == nil {
		mounts = []abaco.Mount{}
	}
	self := base + "/v3/actors/" + x.ID
	return actorView{
		Links: actorLinks{
			Executions: self + "/executions",
			Owner:      base + "/v3/oauth2/profiles/" + x.Owner,
			Self:       self,
		},
		CreateTime:         timeField(x.CreateTime),
		CronNextEx:         x.CronNextEx,
		CronOn:             x.CronOn,
		CronSchedule:       x.CronSchedule,
		DefaultEnvironment: env,
		Description:        x.Description,
		GID:                ra.gid,
		Hints:              hints,
		ID:                 x.ID,
		Image:              x.Image,
		LastUpdateTime:     timeField(x.LastUpdateTime),
		Link:               x.Link,
		LogEx:              x.LogEx,
		MaxCPUs:            x.MaxCPUs,
		MaxWorkers:         x.MaxWorkers,
		MemLimit:           x.MemLimit,
		Mounts:             mounts,
		Name:               x.Name,
		Owner:              x.Owner,
		Privileged:         x.Privileged,
		Queue:              x.Queue,
		Revision:           x.Revision,
		RunAsExecutor:      x.RunAsExecutor,
		State:              rawField(x.State),
		Stateless:          x.Stateless,
		Status:             x.Status,
		StatusMessage:      x.StatusMessage,
		Token:              token,
		Type:               x.Type,
		UID:                ra.uid,
		UseContainerUID:    x.UseContainerUID,
		Webhook:            x.Webhook,
	}
}

// renderActor shows one actor.
func (a *API) renderActor(r *http.Request, x *abaco.Actor) actorView {
	return newActorView(a.baseURL(r), a.svc.Config().DefaultToken, x, a.runAs(r, x))
}

// renderActors shows a list of actors.
func (a *API) renderActors(r *http.Request, xs []*abaco.Actor) []actorView {
	viewOf := a.actorViewer(r)
	out := make([]actorView, 0, len(xs))
	for _, x := range xs {
		out = append(out, viewOf(x))
	}
	return out
}

// okActorList answers 200 with the views of xs, as
// okActors(w, message, a.renderActors(r, xs)) does, making one at a time.
func (a *API) okActorList(w http.ResponseWriter, r *http.Request, message string, xs []*abaco.Actor) {
	viewOf := a.actorViewer(r)
	var v actorView
	okActorViews(w, message, len(xs), func(i int) *actorView {
		v = viewOf(xs[i])
		return &v
	})
}

// actorViewer returns what shows the actors of one list. The run-as part
// depends on the owner only, so it is resolved once per owner (a directory
// lookup and the mount policy), not once per actor.
func (a *API) actorViewer(r *http.Request) func(x *abaco.Actor) actorView {
	base, defaultToken := a.baseURL(r), a.svc.Config().DefaultToken
	byOwner := map[[2]string]runAsView{}
	return func(x *abaco.Actor) actorView {
		k := [2]string{x.Tenant, x.Owner}
		ra, seen := byOwner[k]
		if !seen {
			ra = a.runAs(r, x)
			byOwner[k] = ra
		}
		return newActorView(base, defaultToken, x, ra)
	}
}

// actorFields is an actor's view as a map of its encoded fields, for the
// admin listing, which adds fields of its own; the map encodes each value
// as it is, in sorted key order, as the view does.
func actorFields(v actorView) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}

// executionView shows one execution with every field of the reference.
type executionView struct {
	Links               executionLinks  `json:"_links"`
	ActorID             string          `json:"actor_id"`
	APIServer           *string         `json:"api_server,omitempty"` // nil (left out) in search results
	CPU                 int64           `json:"cpu"`
	Executor            string          `json:"executor"`
	ExecutorGID         *int            `json:"executor_gid"`
	ExecutorUID         *int            `json:"executor_uid"`
	ExitCode            *int            `json:"exit_code"`
	FinalState          json.RawMessage `json:"final_state"`
	FinishTime          *string         `json:"finish_time"`
	ID                  string          `json:"id"`
	IO                  int64           `json:"io"`
	MessageReceivedTime *string         `json:"message_received_time"`
	Runtime             int             `json:"runtime"`
	StartTime           *string         `json:"start_time"`
	Status              string          `json:"status"`
	WorkerID            *string         `json:"worker_id"`
}

type executionLinks struct {
	Logs  string `json:"logs"`
	Owner string `json:"owner"`
	Self  string `json:"self"`
}

// newExecutionView builds the view of e, whose actor is owned by owner;
// uid and gid are its executor ids (nil when none were recorded).
func newExecutionView(base, owner string, e *abaco.Execution, uid, gid *int) executionView {
	self := base + "/v3/actors/" + e.ActorID + "/executions/" + e.ID
	var worker *string
	if e.WorkerID != "" {
		worker = &e.WorkerID
	}
	return executionView{
		Links: executionLinks{
			Logs:  self + "/logs",
			Owner: base + "/v3/oauth2/profiles/" + owner,
			Self:  self,
		},
		ActorID:             e.ActorID,
		APIServer:           &e.APIServer,
		CPU:                 e.CPU,
		Executor:            e.Executor,
		ExecutorGID:         gid,
		ExecutorUID:         uid,
		ExitCode:            e.ExitCode,
		FinalState:          rawField(e.FinalState),
		FinishTime:          timeField(e.FinishTime),
		ID:                  e.ID,
		IO:                  e.IO,
		MessageReceivedTime: timeField(e.MessageReceivedTime),
		Runtime:             e.Runtime,
		StartTime:           timeField(e.StartTime),
		Status:              e.Status,
		WorkerID:            worker,
	}
}

// renderExecution shows one execution of actor.
func (a *API) renderExecution(r *http.Request, actor *abaco.Actor, e *abaco.Execution) executionView {
	uid, gid := a.svc.ExecutionExecutorIDs(r.Context(), e)
	return newExecutionView(a.baseURL(r), actor.Owner, e, uid, gid)
}

// executionsView is an actor's executions summary (GET /executions).
type executionsView struct {
	Links           summaryLinks     `json:"_links"`
	ActorID         string           `json:"actor_id"`
	APIServer       string           `json:"api_server"`
	Executions      []executionBrief `json:"executions"`
	Owner           string           `json:"owner"`
	TotalCPU        int64            `json:"total_cpu"`
	TotalExecutions int              `json:"total_executions"`
	TotalIO         int64            `json:"total_io"`
	TotalRuntime    int64            `json:"total_runtime"`
}

type summaryLinks struct {
	Owner string `json:"owner"`
	Self  string `json:"self"`
}

// executionBrief is one execution in the summary.
type executionBrief struct {
	FinishTime          *string `json:"finish_time"`
	ID                  string  `json:"id"`
	MessageReceivedTime *string `json:"message_received_time"`
	StartTime           *string `json:"start_time"`
	Status              string  `json:"status"`
}

// newExecutionsView builds the summary of an actor's executions.
func newExecutionsView(base, actorID, owner string, sum *abaco.ExecutionSummary) executionsView {
	list := make([]executionBrief, 0, len(sum.Executions))
	for _, e := range sum.Executions {
		list = append(list, executionBrief{
			FinishTime:          timeField(e.FinishTime),
			ID:                  e.ID,
			MessageReceivedTime: timeField(e.MessageReceivedTime),
			StartTime:           timeField(e.StartTime),
			Status:              e.Status,
		})
	}
	self := base + "/v3/actors/" + actorID
	return executionsView{
		Links:           summaryLinks{Owner: base + "/v3/oauth2/profiles/" + owner, Self: self + "/executions"},
		ActorID:         actorID,
		APIServer:       base,
		Executions:      list,
		Owner:           owner,
		TotalCPU:        sum.TotalCPU,
		TotalExecutions: sum.TotalExecutions,
		TotalIO:         sum.TotalIO,
		TotalRuntime:    sum.TotalRuntime,
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
