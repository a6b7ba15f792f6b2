package storage

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Rows are the database shapes of the domain types: times as Unix
// milliseconds (NULL for the zero time), JSON values as text, an empty
// worker id as NULL. Pointer fields are NULL when nil.

// msec stores t as Unix milliseconds, or NULL for the zero time.
func msec(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// fromMsec reads back what msec stored, in UTC.
func fromMsec(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}

// nullable stores "" as NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// rawJSON stores a JSON value as text, or NULL when there is none.
func rawJSON(m json.RawMessage) *string {
	if m == nil {
		return nil
	}
	s := string(m)
	return &s
}

func fromRawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

type actorRow struct {
	Tenant             string  `db:"tenant"`
	ID                 string  `db:"id"`
	Owner              string  `db:"owner"`
	Name               *string `db:"name"`
	Image              string  `db:"image"`
	Description        string  `db:"description"`
	Stateless          bool    `db:"stateless"`
	Privileged         bool    `db:"privileged"`
	Type               string  `db:"type"`
	Link               string  `db:"link"`
	Webhook            string  `db:"webhook"`
	Token              *bool   `db:"token"`
	Hints              string  `db:"hints"`
	DefaultEnvironment string  `db:"default_environment"`
	MaxWorkers         *int    `db:"max_workers"`
	MemLimit           *string `db:"mem_limit"`
	MaxCPUs            *int64  `db:"max_cpus"`
	UseContainerUID    bool    `db:"use_container_uid"`
	RunAsExecutor      bool    `db:"run_as_executor"`
	Queue              string  `db:"queue"`
	Revision           int     `db:"revision"`
	Status             string  `db:"status"`
	StatusMessage      string  `db:"status_message"`
	State              string  `db:"state"`
	LogEx              *int    `db:"log_ex"`
	CronSchedule       *string `db:"cron_schedule"`
	CronOn             bool    `db:"cron_on"`
	CronNextEx         *string `db:"cron_next_ex"`
	CreateTime         *int64  `db:"create_time"`
	LastUpdateTime     *int64  `db:"last_update_time"`
}

// actorColumns lists actorRow's columns in the order of actorRow.values.
const actorColumns = `tenant, id, owner, name, image, description, stateless, privileged,
	type, link, webhook, token, hints, default_environment, max_workers, mem_limit,
	max_cpus, use_container_uid, run_as_executor, queue, revision, status,
	status_message, state, log_ex, cron_schedule, cron_on, cron_next_ex,
	create_time, last_update_time`

func newActorRow(a *abaco.Actor) (*actorRow, error) {
	hints, err := json.Marshal(a.Hints)
	if err != nil {
		return nil, err
	}
	env, err := json.Marshal(a.DefaultEnvironment)
	if err != nil {
		return nil, err
	}
	state := string(a.State)
	if a.State == nil {
		state = "{}"
	}
	return &actorRow{
		Tenant: a.Tenant, ID: a.ID, Owner: a.Owner, Name: a.Name, Image: a.Image,
		Description: a.Description, Stateless: a.Stateless, Privileged: a.Privileged,
		Type: a.Type, Link: a.Link, Webhook: a.Webhook, Token: a.Token,
		Hints: string(hints), DefaultEnvironment: string(env),
		MaxWorkers: a.MaxWorkers, MemLimit: a.MemLimit, MaxCPUs: a.MaxCPUs,
		UseContainerUID: a.UseContainerUID, RunAsExecutor: a.RunAsExecutor,
		Queue: a.Queue, Revision: a.Revision, Status: a.Status,
		StatusMessage: a.StatusMessage, State: state, LogEx: a.LogEx,
		CronSchedule: a.CronSchedule, CronOn: a.CronOn, CronNextEx: a.CronNextEx,
		CreateTime: msec(a.CreateTime), LastUpdateTime: msec(a.LastUpdateTime),
	}, nil
}

// values returns the row's values in actorColumns order.
func (r *actorRow) values() []any {
	return []any{r.Tenant, r.ID, r.Owner, r.Name, r.Image, r.Description, r.Stateless,
		r.Privileged, r.Type, r.Link, r.Webhook, r.Token, r.Hints, r.DefaultEnvironment,
		r.MaxWorkers, r.MemLimit, r.MaxCPUs, r.UseContainerUID, r.RunAsExecutor, r.Queue,
		r.Revision, r.Status, r.StatusMessage, r.State, r.LogEx, r.CronSchedule, r.CronOn,
		r.CronNextEx, r.CreateTime, r.LastUpdateTime}
}

// scanArgs returns pointers to the row's fields in actorColumns order.
func (r *actorRow) scanArgs() []any {
	return []any{&r.Tenant, &r.ID, &r.Owner, &r.Name, &r.Image, &r.Description, &r.Stateless,
		&r.Privileged, &r.Type, &r.Link, &r.Webhook, &r.Token, &r.Hints, &r.DefaultEnvironment,
		&r.MaxWorkers, &r.MemLimit, &r.MaxCPUs, &r.UseContainerUID, &r.RunAsExecutor, &r.Queue,
		&r.Revision, &r.Status, &r.StatusMessage, &r.State, &r.LogEx, &r.CronSchedule, &r.CronOn,
		&r.CronNextEx, &r.CreateTime, &r.LastUpdateTime}
}

func (r *actorRow) actor() (*abaco.Actor, error) {
	a := &abaco.Actor{
		Tenant: r.Tenant, ID: r.ID, Owner: r.Owner, Name: r.Name, Image: r.Image,
		Description: r.Description, Stateless: r.Stateless, Privileged: r.Privileged,
		Type: r.Type, Link: r.Link, Webhook: r.Webhook, Token: r.Token,
		MaxWorkers: r.MaxWorkers, MemLimit: r.MemLimit, MaxCPUs: r.MaxCPUs,
		UseContainerUID: r.UseContainerUID, RunAsExecutor: r.RunAsExecutor,
		Queue: r.Queue, Revision: r.Revision, Status: r.Status,
		StatusMessage: r.StatusMessage, State: json.RawMessage(r.State), LogEx: r.LogEx,
		CronSchedule: r.CronSchedule, CronOn: r.CronOn, CronNextEx: r.CronNextEx,
		CreateTime: fromMsec(r.CreateTime), LastUpdateTime: fromMsec(r.LastUpdateTime),
	}
	// Most actors have neither hints nor a default environment, and a list
	// of actors spent a tenth of its allocations decoding "[]" and "{}".
	switch r.Hints {
	case "[]":
		a.Hints = []string{}
	default:
		if err := json.Unmarshal([]byte(r.Hints), &a.Hints); err != nil {
			return nil, err
		}
	}
	switch r.DefaultEnvironment {
	case "{}":
		a.DefaultEnvironment = map[string]string{}
	default:
		if err := json.Unmarshal([]byte(r.DefaultEnvironment), &a.DefaultEnvironment); err != nil {
			return nil, err
		}
	}
	return a, nil
}

type executionRow struct {
	ID                  string  `db:"id"`
	Tenant              string  `db:"tenant"`
	ActorID             string  `db:"actor_id"`
	Executor            string  `db:"executor"`
	Username            string  `db:"username"`
	Status              string  `db:"status"`
	WorkerID            *string `db:"worker_id"`
	Message             []byte  `db:"message"`
	ContentType         string  `db:"content_type"`
	Env                 string  `db:"env"`
	APIServer           string  `db:"api_server"`
	MessageReceivedTime *int64  `db:"message_received_time"`
	StartTime           *int64  `db:"start_time"`
	FinishTime          *int64  `db:"finish_time"`
	Runtime             int     `db:"runtime"`
	CPU                 int64   `db:"cpu"`
	IO                  int64   `db:"io"`
	ExitCode            *int    `db:"exit_code"`
	FinalState          *string `db:"final_state"`
	HaltRequested       bool    `db:"halt_requested"`
}

// executionColumns lists executionRow's columns in the order of
// executionRow.values.
const executionColumns = `id, tenant, actor_id, executor, username, status, worker_id,
	message, content_type, env, api_server, message_received_time, start_time,
	finish_time, runtime, cpu, io, exit_code, final_state, halt_requested`

// workerIDColumn is worker_id's index in executionColumns.
const workerIDColumn = 6

func newExecutionRow(e *abaco.Execution) (*executionRow, error) {
	env, err := json.Marshal(e.Env)
	if err != nil {
		return nil, err
	}
	msg := e.Message
	if msg == nil {
		msg = []byte{} // the column is NOT NULL
	}
	return &executionRow{
		ID: e.ID, Tenant: e.Tenant, ActorID: e.ActorID, Executor: e.Executor,
		Username: e.Username, Status: e.Status, WorkerID: nullable(e.WorkerID),
		Message: msg, ContentType: e.ContentType, Env: string(env), APIServer: e.APIServer,
		MessageReceivedTime: msec(e.MessageReceivedTime), StartTime: msec(e.StartTime),
		FinishTime: msec(e.FinishTime), Runtime: e.Runtime, CPU: e.CPU, IO: e.IO,
		ExitCode: e.ExitCode, FinalState: rawJSON(e.FinalState), HaltRequested: e.HaltRequested,
	}, nil
}

// values returns the row's values in executionColumns order.
func (r *executionRow) values() []any {
	return []any{r.ID, r.Tenant, r.ActorID, r.Executor, r.Username, r.Status, r.WorkerID,
		r.Message, r.ContentType, r.Env, r.APIServer, r.MessageReceivedTime, r.StartTime,
		r.FinishTime, r.Runtime, r.CPU, r.IO, r.ExitCode, r.FinalState, r.HaltRequested}
}

// insertValues are the parameters of one row of the inserter's statement
// (batch.go): values with claimIfFirst's in place of worker_id.
func (r *executionRow) insertValues(claimFor string) []any {
	var offer *string
	if claimFor != "" {
		offer = &claimFor
	}
	v := r.values()
	out := make([]any, 0, len(v)+4)
	out = append(out, v[:workerIDColumn+1]...)
	out = append(out, offer, r.Tenant, r.ActorID, offer)
	return append(out, v[workerIDColumn+1:]...)
}

func (r *executionRow) execution() (*abaco.Execution, error) {
	e := &abaco.Execution{
		ID: r.ID, Tenant: r.Tenant, ActorID: r.ActorID, Executor: r.Executor,
		Username: r.Username, Status: r.Status, WorkerID: deref(r.WorkerID),
		Message: r.Message, ContentType: r.ContentType, APIServer: r.APIServer,
		MessageReceivedTime: fromMsec(r.MessageReceivedTime), StartTime: fromMsec(r.StartTime),
		FinishTime: fromMsec(r.FinishTime), Runtime: r.Runtime, CPU: r.CPU, IO: r.IO,
		ExitCode: r.ExitCode, FinalState: fromRawJSON(r.FinalState), HaltRequested: r.HaltRequested,
	}
	if err := json.Unmarshal([]byte(r.Env), &e.Env); err != nil {
		return nil, err
	}
	return e, nil
}

type logRow struct {
	ExecutionID string `db:"execution_id"`
	Tenant      string `db:"tenant"`
	ActorID     string `db:"actor_id"`
	Text        string `db:"text"`
	ExpiresAt   *int64 `db:"expires_at"`
}

type workerRow struct {
	Tenant              string `db:"tenant"`
	ActorID             string `db:"actor_id"`
	ID                  string `db:"id"`
	Status              string `db:"status"`
	Image               string `db:"image"`
	Revision            int    `db:"revision"`
	Location            string `db:"location"`
	HostID              string `db:"host_id"`
	CreateTime          *int64 `db:"create_time"`
	LastExecutionTime   *int64 `db:"last_execution_time"`
	LastHealthCheckTime *int64 `db:"last_health_check_time"`
}

// workerColumns lists workerRow's columns in the order WorkerUpsert binds them.
const workerColumns = `tenant, actor_id, id, status, image, revision, location, host_id,
	create_time, last_execution_time, last_health_check_time`

func (r *workerRow) worker() *abaco.Worker {
	return &abaco.Worker{
		Tenant: r.Tenant, ActorID: r.ActorID, ID: r.ID, Status: r.Status, Image: r.Image,
		Revision: r.Revision, Location: r.Location, HostID: r.HostID,
		CreateTime: fromMsec(r.CreateTime), LastExecutionTime: fromMsec(r.LastExecutionTime),
		LastHealthCheckTime: fromMsec(r.LastHealthCheckTime),
	}
}

// placeholders returns "?, ?, ..." with one ? per column in columns.
func placeholders(columns string) string {
	return strings.Repeat("?, ", strings.Count(columns, ",")) + "?"
}

// qualified prefixes each of columns with alias and a dot ("e.id, e.tenant").
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
