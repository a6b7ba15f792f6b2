package abaco

import (
	"encoding/json"
	"time"
)

// Execution statuses (reference §6). COMPLETE means the container ran and
// exited, whatever its exit code; ERROR is kept for platform-side failures.
const (
	ExecSubmitted = "SUBMITTED"
	ExecRunning   = "RUNNING"
	ExecComplete  = "COMPLETE"
	ExecError     = "ERROR"
)

// Message content types as they reach `_abaco_Content_Type`.
const (
	ContentString = "str"
	ContentJSON   = "application/json"
	ContentBinary = "application/octet-stream"
)

// Executors that are not users.
const (
	ExecutorCron  = "cron"
	ExecutorEvent = "Abaco Event"
)

// Execution is one message and the one container run that handles it.
type Execution struct {
	Tenant      string
	ID          string
	ActorID     string
	Executor    string
	Username    string // `_abaco_username`; empty for nonce-authenticated sends
	Status      string
	WorkerID    string // empty until a worker claims it
	Message     []byte // the raw message: text, JSON text, or binary bytes
	ContentType string // ContentString, ContentJSON or ContentBinary
	// Env holds the message's query parameters and `_abaco_*` keys; they
	// become container environment variables.
	Env                 map[string]string
	APIServer           string
	MessageReceivedTime time.Time
	StartTime           time.Time
	FinishTime          time.Time
	Runtime             int // seconds, as the reference reports it
	CPU                 int64
	IO                  int64
	ExitCode            *int
	FinalState          json.RawMessage
	HaltRequested       bool
}

// ActorDBID is the dbid of the execution's actor.
func (e *Execution) ActorDBID() string { return DBID(e.Tenant, e.ActorID) }

// Finished reports whether the execution reached a final status.
func (e *Execution) Finished() bool {
	return e.Status == ExecComplete || e.Status == ExecError
}

// ExecutionSummary is the per-actor totals shown by GET /executions.
type ExecutionSummary struct {
	TotalExecutions int
	TotalCPU        int64
	TotalIO         int64
	TotalRuntime    int64
	Executions      []*Execution // oldest first; only the summary fields are set
}

// Log is the captured output of one execution.
type Log struct {
	ExecutionID string
	Tenant      string
	ActorID     string
	Text        string
	ExpiresAt   time.Time
}
