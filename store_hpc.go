package abaco

import "context"

// hpcStore holds the queries of running as the researcher.
type hpcStore interface {
	// ExecutionSetExecutorIDs records the uid and gid a run_as_executor
	// execution runs as.
	ExecutionSetExecutorIDs(ctx context.Context, id string, uid, gid int) error
	// ExecutionExecutorIDs returns them; nil when none were recorded.
	ExecutionExecutorIDs(ctx context.Context, id string) (uid, gid *int, err error)
}
