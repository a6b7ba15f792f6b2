package abaco

import "context"

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
