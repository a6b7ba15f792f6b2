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
