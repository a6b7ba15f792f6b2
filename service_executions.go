package abaco

import (
	"context"
	"errors"
)

func missingExecution(actorID, id string) error {
	return E(NotExist, "No executions found with actor id of %s and execution id of %s.", actorID, id)
}

// ExecutionList is what GET /actors/{id}/executions shows: an actor's
// execution totals and its executions, oldest first.
type ExecutionList struct {
	ActorID string
	Owner   string // the actor's
	Summary *ExecutionSummary
}

// ListExecutions returns an actor's execution totals and its executions,
// oldest first. It refuses as actorFor(…, LevelRead) does; the actor's
// owner, which that takes, comes with the executions, in one read.
func (s *Service) ListExecutions(ctx context.Context, p Principal, actorID string) (ExecutionList, error) {
	id, err := s.resolveActorID(ctx, p.Tenant, actorID)
	if err != nil {
		return ExecutionList{}, err
	}
	owner, sum, err := s.store.ExecutionSummaryOfActor(ctx, p.Tenant, id)
	if errors.Is(err, ErrNotFound) {
		return ExecutionList{}, notFound(err, "No actor found with identifier: "+actorID+".")
	}
	if err != nil {
		return ExecutionList{}, internal(err, "list executions")
	}
	if err := s.require(ctx, p, KindActor, id, owner, LevelRead, "Not authorized -- you do not have access to this actor."); err != nil {
		return ExecutionList{}, err
	}
	return ExecutionList{ActorID: id, Owner: owner, Summary: sum}, nil
}

// GetExecution returns one execution of an actor the caller may read.
func (s *Service) GetExecution(ctx context.Context, p Principal, actorID, id string) (*Actor, *Execution, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.store.ExecutionGet(ctx, a.Tenant, a.ID, id)
	if err != nil {
		return nil, nil, notFound(err, missingExecution(a.ID, id).Error())
	}
	return a, e, nil
}

// HaltExecution stops a RUNNING execution; it then ends COMPLETE.
func (s *Service) HaltExecution(ctx context.Context, p Principal, actorID, id string) error {
	a, err := s.actorFor(ctx, p, actorID, LevelUpdate)
	if err != nil {
		return err
	}
	status, err := s.store.ExecutionRequestHalt(ctx, a.Tenant, a.ID, id)
	if err != nil {
		return notFound(err, missingExecution(a.ID, id).Error())
	}
	if status != ExecRunning {
		return E(Conflict, "Cannot force quit an execution not in RUNNING status. Execution was found in status: %s", status)
	}
	s.sched.Halt(id)
	return nil
}

// GetLogs returns an execution's log text ("" until there is any).
func (s *Service) GetLogs(ctx context.Context, p Principal, actorID, id string) (*Actor, *Execution, string, error) {
	a, e, err := s.GetExecution(ctx, p, actorID, id)
	if err != nil {
		return nil, nil, "", err
	}
	l, err := s.store.LogGet(ctx, e.ID)
	if errors.Is(err, ErrNotFound) {
		return a, e, "", nil
	}
	if err != nil {
		return nil, nil, "", internal(err, "read logs")
	}
	if !l.ExpiresAt.IsZero() && !s.clock.Now().Before(l.ExpiresAt) {
		return a, e, "", nil // expired; the retention sweep deletes it
	}
	return a, e, l.Text, nil
}

// PopResult removes and returns the execution's oldest result; nil when
// there is none.
func (s *Service) PopResult(ctx context.Context, p Principal, actorID, id string) ([]byte, error) {
	_, e, err := s.GetExecution(ctx, p, actorID, id)
	if err != nil {
		return nil, err
	}
	data, err := s.store.ResultPop(ctx, e.ID, s.clock.Now())
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err, "read result")
	}
	return data, nil
}
