package abaco

import (
	"context"
	"encoding/json"
	"time"
)

// Store is the one database seam: one method per query, named Noun+Verb.
// Implementations live in package storage (SQLite and PostgreSQL). Methods
// that look up a single row return ErrNotFound when it does not exist.
// Every state change of an execution is conditional on its current state, so
// two processes can never both claim or both finish the same execution.
type Store interface {
	sharingStore
	eventsStore
	hpcStore
	workersStore

	ActorCreate(ctx context.Context, a *Actor) error
	ActorGet(ctx context.Context, tenant, id string) (*Actor, error)
	// ActorGetMany returns those of the actors that exist, by reference.
	ActorGetMany(ctx context.Context, refs []ActorRef) (map[ActorRef]*Actor, error)
	// ActorList returns a tenant's actors owned by owner ("" for all), oldest first.
	ActorList(ctx context.Context, tenant, owner string) ([]*Actor, error)
	// ActorListAll returns every actor of every tenant (the scheduler's start-up pass).
	ActorListAll(ctx context.Context) ([]*Actor, error)
	// ActorUpdate replaces every mutable field (all but tenant, id, owner,
	// create_time) of the stored actor.
	ActorUpdate(ctx context.Context, a *Actor) error
	// ActorSetStatus changes status and status_message only while the actor
	// still has the given revision; it reports whether a row changed.
	ActorSetStatus(ctx context.Context, p ActorSetStatusParams) (bool, error)
	ActorSetState(ctx context.Context, tenant, id string, state json.RawMessage, now time.Time) error
	// ActorDelete removes the actor with its executions, logs, results and
	// workers, in one transaction.
	ActorDelete(ctx context.Context, tenant, id string) error

	// ExecutionCreate inserts a SUBMITTED execution; when it returns nil the
	// message is durable.
	ExecutionCreate(ctx context.Context, e *Execution) error
	// ExecutionCreateClaimed is ExecutionCreate for an execution that the
	// worker workerID offers to run: it is stored claimed by that worker,
	// in the same commit, unless an older unclaimed execution of its
	// actor waits. It reports whether it was, and then sets e.WorkerID.
	ExecutionCreateClaimed(ctx context.Context, e *Execution, workerID string) (bool, error)
	ExecutionGet(ctx context.Context, tenant, actorID, id string) (*Execution, error)
	// ExecutionSummary returns the actor's totals and all its executions,
	// oldest first (only id, status and the three times are set).
	ExecutionSummary(ctx context.Context, tenant, actorID string) (*ExecutionSummary, error)
	// ExecutionSummaryOfActor is ExecutionSummary with the actor's owner,
	// both from one statement; ErrNotFound if there is no such actor.
	ExecutionSummaryOfActor(ctx context.Context, tenant, actorID string) (owner string, sum *ExecutionSummary, err error)
	// ExecutionCountPending counts SUBMITTED executions no worker has claimed.
	ExecutionCountPending(ctx context.Context, tenant, actorID string) (int, error)
	// ExecutionDeletePending deletes the unclaimed SUBMITTED executions and
	// reports how many.
	ExecutionDeletePending(ctx context.Context, tenant, actorID string) (int, error)
	// ExecutionClaimMany makes the claims in order, in one transaction; the
	// i-th result is the execution ps[i]'s worker got, nil if none was left.
	ExecutionClaimMany(ctx context.Context, ps []ExecutionClaimParams) ([]*Execution, error)
	// ExecutionQueues returns each actor with unclaimed executions, and how
	// many, in one read.
	ExecutionQueues(ctx context.Context) ([]ActorQueue, error)
	// ExecutionUnclaim puts a claimed, not yet RUNNING execution back in the queue.
	ExecutionUnclaim(ctx context.Context, id, workerID string) error
	// ExecutionSetRunning moves each claimed SUBMITTED execution of ps to
	// RUNNING if its WorkerID holds the claim, in one transaction, and
	// returns how many it moved.
	ExecutionSetRunning(ctx context.Context, ps ...ExecutionSetRunningParams) (int, error)
	// ExecutionFinish finalizes the execution and stores its log (if any)
	// and its EXECUTION_COMPLETE event, in one transaction, only if it is
	// not already final. It reports whether it finalized the execution.
	ExecutionFinish(ctx context.Context, p ExecutionFinishParams) (bool, error)
	// ExecutionFinishNext is ExecutionFinish and, if next is set and the
	// execution did finish, the claim of the next execution of next's actor
	// for next.WorkerID, in the same transaction (nil when none waits).
	ExecutionFinishNext(ctx context.Context, p ExecutionFinishParams, next *ExecutionClaimParams) (bool, *Execution, error)
	// ExecutionRequestHalt marks a RUNNING execution for halting and returns
	// the status it found.
	ExecutionRequestHalt(ctx context.Context, tenant, actorID, id string) (string, error)
	// ExecutionListClaimed returns every claimed SUBMITTED and every RUNNING
	// execution: the work in flight that a restarted scheduler must reattach.
	ExecutionListClaimed(ctx context.Context) ([]*Execution, error)

	// LogPut creates or replaces an execution's log.
	LogPut(ctx context.Context, l *Log) error
	LogGet(ctx context.Context, executionID string) (*Log, error)
	LogDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)

	// ResultPush appends one result datagram to the execution's queue.
	ResultPush(ctx context.Context, executionID string, data []byte, expiresAt time.Time) error
	// ResultPop removes and returns the oldest unexpired result; ErrNotFound
	// when there is none. Concurrent pops never return the same result.
	ResultPop(ctx context.Context, executionID string, now time.Time) ([]byte, error)
	ResultDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)

	// WorkerUpsert creates or replaces a worker record.
	WorkerUpsert(ctx context.Context, w *Worker) error
	WorkerGet(ctx context.Context, tenant, actorID, id string) (*Worker, error)
	WorkerList(ctx context.Context, tenant, actorID string) ([]*Worker, error)
	WorkerDelete(ctx context.Context, tenant, actorID, id string) error
	// WorkersWrite applies upserts and deletions of worker records in one
	// transaction; deleting a missing record is no error.
	WorkersWrite(ctx context.Context, ws []WorkerWrite) error

	searchStore

	Close() error
}

// ActorRef names an actor across tenants.
type ActorRef struct {
	Tenant  string
	ActorID string
}

// ActorSetStatusParams are the arguments of Store.ActorSetStatus.
type ActorSetStatusParams struct {
	Tenant        string
	ActorID       string
	Revision      int
	Status        string
	StatusMessage string
	Now           time.Time
}

// ExecutionClaimParams is one claim of Store.ExecutionClaimMany.
type ExecutionClaimParams struct {
	Tenant   string
	ActorID  string
	WorkerID string
}

// ActorQueue is an actor and the number of its unclaimed executions.
type ActorQueue struct {
	Actor   *Actor
	Pending int
}

// WorkerWrite is one change of a worker record: an upsert, or a deletion.
type WorkerWrite struct {
	Worker
	Delete bool
}

// ExecutionSetRunningParams are the arguments of Store.ExecutionSetRunning.
type ExecutionSetRunningParams struct {
	ID        string
	WorkerID  string
	StartTime time.Time
}

// ExecutionFinishParams are the arguments of Store.ExecutionFinish.
type ExecutionFinishParams struct {
	ID         string
	Status     string    // ExecComplete or ExecError
	StartTime  time.Time // set if the execution never reached RUNNING in the store
	FinishTime time.Time
	Runtime    int
	CPU        int64
	IO         int64
	ExitCode   *int
	FinalState json.RawMessage
	Log        *Log // stored in the same transaction, before the status changes
}
