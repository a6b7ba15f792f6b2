package abaco

import "context"

// workerScheduler is what the service needs from the scheduler to manage
// worker pools on request (the autoscaler manages them otherwise).
type workerScheduler interface {
	// StopWorker retires a worker: an idle one at once, a busy one when
	// its current execution ends; its record then goes away.
	StopWorker(ctx context.Context, tenant, actorID, workerID string) error
	// AddWorkers makes sure the actor has at least num workers (within its
	// limit) and reports how many it created and how many there were.
	AddWorkers(ctx context.Context, a *Actor, num int) (created, before int, err error)
}
