package abaco

import (
	"context"

	"github.com/abaco-hpc/abaco/search"
)

// searchStore runs the searches of GET /actors/search/{collection}
// (reference §16). Each method returns one page of the matches, in the
// collection's order (by relevance first when the query has full-text
// terms), and the total number of matches. Results are limited to the
// tenant and to actors the user owns or holds at least READ on (a
// permissions row for the user, else one for ABACO_WORLD).
type searchStore interface {
	SearchActors(ctx context.Context, p SearchParams) ([]*Actor, int, error)
	SearchExecutions(ctx context.Context, p SearchParams) ([]ExecutionHit, int, error)
	SearchWorkers(ctx context.Context, p SearchParams) ([]*Worker, int, error)
	SearchLogs(ctx context.Context, p SearchParams) ([]LogHit, int, error)
}

// SearchParams are the arguments of the searchStore methods.
type SearchParams struct {
	Tenant string
	User   string
	// ActorID and ExecutionID, when set, restrict the search to one actor
	// (and, for logs, one execution): the implicit searches of
	// /actors/{id}/executions and the like.
	ActorID     string
	ExecutionID string
	Query       *search.Query
}

// ExecutionHit is an execution found by a search, with its actor's owner
// (for its links) and the ids a run_as_executor execution ran as (nil when
// none were recorded), read with it rather than one query per hit.
type ExecutionHit struct {
	Execution                *Execution
	ActorOwner               string
	ExecutorUID, ExecutorGID *int
}

// LogHit is a log found by a search, with its actor's owner.
type LogHit struct {
	Log        *Log
	ActorOwner string
}
