package abaco

import (
	"context"
	"time"
)

// workersStore holds the queries of the worker pool, the health pass and
// the operator's views.
type workersStore interface {
	// WorkerListAll returns the workers of every actor of every tenant,
	// oldest first.
	WorkerListAll(ctx context.Context) ([]*Worker, error)
	// WorkerTouch sets a worker's last_health_check_time and nothing else;
	// it reports whether the record exists.
	WorkerTouch(ctx context.Context, tenant, actorID, id string, now time.Time) (bool, error)
	// ExecutionQueueDepths counts, per actor, the SUBMITTED executions no
	// worker has claimed; actors with an empty queue are left out.
	ExecutionQueueDepths(ctx context.Context) ([]QueueDepth, error)
}

// QueueDepth is how many messages wait in one actor's inbox.
type QueueDepth struct {
	Tenant  string
	ActorID string
	Pending int
}
