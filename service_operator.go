package abaco

import "context"

// Utilization is the tenant-wide load shown to any user.
type Utilization struct {
	CurrentActors int // actors with at least one worker now
	TotalActors   int
	Workers       int
	CommandQueue  int // messages waiting for a worker
}

// ActorLoad is one actor as the admin summaries show it.
type ActorLoad struct {
	Actor    *Actor
	Workers  []*Worker
	Messages int // waiting for a worker
	Summary  *ExecutionSummary
}

// Utilization counts the tenant's actors, workers and queued messages.
// Any user may see it: it holds counts only.
func (s *Service) Utilization(ctx context.Context, p Principal) (*Utilization, error) {
	loads, err := s.loads(ctx, p.Tenant, false)
	if err != nil {
		return nil, err
	}
	u := &Utilization{TotalActors: len(loads)}
	for _, l := range loads {
		u.Workers += len(l.Workers)
		u.CommandQueue += l.Messages
		if len(l.Workers) > 0 {
			u.CurrentActors++
		}
	}
	return u, nil
}

// AdminLoads returns every actor of the tenant with its workers, queue and
// execution totals (admins only).
func (s *Service) AdminLoads(ctx context.Context, p Principal) ([]*ActorLoad, error) {
	if !p.IsAdmin() {
		return nil, E(Permission, "Abaco Admin role required.")
	}
	return s.loads(ctx, p.Tenant, true)
}

func (s *Service) loads(ctx context.Context, tenant string, withExecutions bool) ([]*ActorLoad, error) {
	actors, err := s.store.ActorList(ctx, tenant, "")
	if err != nil {
		return nil, internal(err, "list actors")
	}
	workers, err := s.store.WorkerListAll(ctx)
	if err != nil {
		return nil, internal(err, "list workers")
	}
	depths, err := s.store.ExecutionQueueDepths(ctx)
	if err != nil {
		return nil, internal(err, "count queues")
	}
	byID := make(map[string]*ActorLoad, len(actors))
	loads := make([]*ActorLoad, len(actors))
	for i, a := range actors {
		loads[i] = &ActorLoad{Actor: a, Workers: []*Worker{}}
		byID[a.ID] = loads[i]
	}
	for _, w := range workers {
		if l := byID[w.ActorID]; l != nil && w.Tenant == tenant {
			l.Workers = append(l.Workers, w)
		}
	}
	for _, d := range depths {
		if l := byID[d.ActorID]; l != nil && d.Tenant == tenant {
			l.Messages = d.Pending
		}
	}
	if withExecutions {
		for _, l := range loads {
			if l.Summary, err = s.store.ExecutionSummary(ctx, tenant, l.Actor.ID); err != nil {
				return nil, internal(err, "summarize executions")
			}
		}
	}
	return loads, nil
}
