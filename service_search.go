package abaco

import (
	"context"
	"errors"

	"github.com/abaco-hpc/abaco/search"
)

// SearchResult is one page of a search and the number of all matches.
// Only the slice of the searched collection is set.
type SearchResult struct {
	Total      int
	Actors     []*Actor
	Executions []ExecutionHit
	Workers    []*Worker
	Logs       []LogHit
}

// Search runs q over a collection: everything of the caller's tenant that
// belongs to an actor the caller owns or may read. Admins get no bypass
// (reference §16).
func (s *Service) Search(ctx context.Context, p Principal, coll search.Collection, q *search.Query) (*SearchResult, error) {
	return s.search(ctx, SearchParams{Tenant: p.Tenant, User: p.User, Query: q}, coll)
}

// SearchActor runs q over one actor's executions or workers, or over the
// log of one of its executions (executionID): the implicit searches of
// GET /actors/{id}/executions and the like. The actor (and execution) must
// exist and be readable, as for the plain GET.
func (s *Service) SearchActor(ctx context.Context, p Principal, actorID, executionID string, coll search.Collection, q *search.Query) (*SearchResult, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, err
	}
	if executionID != "" {
		if _, err := s.store.ExecutionGet(ctx, a.Tenant, a.ID, executionID); err != nil {
			return nil, notFound(err, missingExecution(a.ID, executionID).Error())
		}
	}
	return s.search(ctx, SearchParams{Tenant: p.Tenant, User: p.User, ActorID: a.ID, ExecutionID: executionID, Query: q}, coll)
}

func (s *Service) search(ctx context.Context, sp SearchParams, coll search.Collection) (*SearchResult, error) {
	var (
		res = &SearchResult{}
		err error
	)
	switch coll {
	case search.Actors:
		res.Actors, res.Total, err = s.store.SearchActors(ctx, sp)
	case search.Executions:
		res.Executions, res.Total, err = s.store.SearchExecutions(ctx, sp)
	case search.Workers:
		res.Workers, res.Total, err = s.store.SearchWorkers(ctx, sp)
	case search.Logs:
		res.Logs, res.Total, err = s.store.SearchLogs(ctx, sp)
	default:
		return nil, E(Invalid, "Invalid search collection '%s'; it must be one of actors, workers, executions or logs.", coll)
	}
	var kinded *Error
	if errors.As(err, &kinded) {
		return nil, kinded // e.g. a pattern the database refuses: bad input
	}
	if err != nil {
		return nil, internal(err, "search "+string(coll))
	}
	return res, nil
}
