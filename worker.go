package abaco

import "time"

// Worker statuses (reference §6). Workers are the scheduler's concurrency
// slots for one actor; they are recorded so that the API can show them.
const (
	WorkerRequested    = "REQUESTED"
	WorkerReady        = "READY"
	WorkerBusy         = "BUSY"
	WorkerShuttingDown = "SHUTTING_DOWN"
	WorkerError        = "ERROR"
)

// Worker is one concurrency slot of an actor.
type Worker struct {
	Tenant              string
	ID                  string
	ActorID             string
	Status              string
	Image               string
	Revision            int
	Location            string // where its containers run, e.g. the Docker endpoint
	HostID              string
	CreateTime          time.Time
	LastExecutionTime   time.Time
	LastHealthCheckTime time.Time
}
