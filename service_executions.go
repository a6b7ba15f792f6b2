package abaco

import (
	"context"
	"errors"
)

func missingExecution(actorID, id string) error {
	return E(NotExist, "No executions found with actor id of %s and execution id of %s.", actorID, id)
}

// ListExecutions returns an actor's execution totals and its executions,
// oldest first.
func (s *Service) ListExecutions(ctx context.Context, p Principal, actorID string) (*Actor, *ExecutionSummary, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, nil, err
	}
	sum, err := s.store.ExecutionSummary(ctx, a.Tenant, a.ID)
	if err != nil {
		return nil, nil, internal(err, "list executions")
	}
	return a, sum, nil
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
