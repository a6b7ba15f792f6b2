package abaco

import "context"

// Scheduler is what the service needs from whatever runs executions
// (package scheduler). The service commits first and then tells the
// scheduler; a scheduler that misses a notice still finds the work in the
// store on its next pass.
type Scheduler interface {
	workerScheduler

	// ActorChanged says an actor was created or got a new revision: its
	// image must be prepared and its status moved to READY or ERROR.
	ActorChanged(tenant, actorID string)
	// ActorDeleted says an actor is gone: its running containers must stop.
	ActorDeleted(tenant, actorID string)
	// Enqueued says an actor has a new message.
	Enqueued(tenant, actorID string)
	// Halt asks for a RUNNING execution's container to be stopped.
	Halt(executionID string)
	// WaitFinished blocks until the execution is COMPLETE or ERROR, or ctx
	// ends; it returns an error of kind NotExist if the execution vanished.
	WaitFinished(ctx context.Context, e *Execution) error
}

// A directStarter is a Scheduler that can take a new message without a
// dispatch pass (package scheduler's local one). SendMessage reserves one
// of the actor's free workers before it stores the execution, the store
// saves the execution already claimed by that worker when no older
// message of the actor waits, and the scheduler starts it as soon as the
// commit returns: no queue read, no claim commit, no wait for the pass
// under way between the message's commit and its container's start.
type directStarter interface {
	// Reserve holds a free worker of a for a message about to be stored
	// and returns its id, or "" when a has none to spare (or the
	// scheduler cannot start work now): the message then waits in the
	// queue as any other.
	Reserve(a *Actor) (workerID string)
	// StartClaimed starts e, stored claimed by the worker Reserve
	// returned (e.WorkerID).
	StartClaimed(e *Execution)
	// Unreserve gives back a worker that did not claim the execution; the
	// store said so unless failed (the store's outcome is unknown).
	Unreserve(workerID string, failed bool)
}
