package abaco

import (
	"context"
	"fmt"
)

// ListWorkers returns an actor's workers.
func (s *Service) ListWorkers(ctx context.Context, p Principal, actorID string) ([]*Worker, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, err
	}
	ws, err := s.store.WorkerList(ctx, a.Tenant, a.ID)
	if err != nil {
		return nil, internal(err, "list workers")
	}
	return ws, nil
}

// GetWorker returns one worker of an actor.
func (s *Service) GetWorker(ctx context.Context, p Principal, actorID, id string) (*Worker, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, err
	}
	w, err := s.store.WorkerGet(ctx, a.Tenant, a.ID, id)
	if err != nil {
		return nil, notFound(err, "Worker not found.")
	}
	return w, nil
}

// StopWorker asks for one worker of an actor to stop; it finishes its
// current execution first.
func (s *Service) StopWorker(ctx context.Context, p Principal, actorID, id string) error {
	a, err := s.actorFor(ctx, p, actorID, LevelUpdate)
	if err != nil {
		return err
	}
	if _, err := s.store.WorkerGet(ctx, a.Tenant, a.ID, id); err != nil {
		return notFound(err, "Worker not found.")
	}
	if err := s.sched.StopWorker(ctx, a.Tenant, a.ID, id); err != nil {
		return internal(err, "stop worker")
	}
	return nil
}

// AddWorkers makes sure an actor has at least num workers (admins only).
// It returns the reference's message.
func (s *Service) AddWorkers(ctx context.Context, p Principal, actorID string, num int) (string, error) {
	if !p.IsAdmin() {
		return "", E(Permission, "Not authorized -- only admins are authorized to update workers.")
	}
	if num < 1 {
		return "", E(Invalid, "Invalid worker description: num must be a positive integer.")
	}
	a, err := s.actorFor(ctx, p, actorID, LevelUpdate)
	if err != nil {
		return "", err
	}
	if !a.Stateless && num > 1 {
		return "", E(Invalid, "Invalid actor description: stateful actors can only have 1 worker.")
	}
	created, before, err := s.sched.AddWorkers(ctx, a, num)
	if err != nil {
		return "", internal(err, "add workers")
	}
	if created == 0 {
		return fmt.Sprintf("Actor %s already had %d worker(s).", a.ID, before), nil
	}
	return fmt.Sprintf("Scheduled %d new worker(s) to start. Previously, there were %d workers.", created, before), nil
}
