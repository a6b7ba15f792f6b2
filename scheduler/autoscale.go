package scheduler

import (
	"context"
	"slices"
	"time"

	"github.com/abaco-hpc/abaco"
)

// ScalePolicy says how long idle workers are kept.
type ScalePolicy struct {
	// IdleTimeout is how long a stateless actor's worker may sit idle with
	// an empty inbox before it is stopped; an idle pool falls to zero.
	IdleTimeout time.Duration
	// SyncIdleTimeout is how long an actor with the `sync` hint keeps its
	// most recently active worker warm.
	SyncIdleTimeout time.Duration
}

// pool is what the autoscaler knows of one actor at one moment.
type pool struct {
	status    string // the actor's
	stateless bool
	sync      bool // the `sync` hint
	revision  int  // the actor's current revision
	pending   int  // messages no worker has claimed
	busy      int  // workers running an execution (and staying)
	idle      []*abaco.Worker
}

// scaling is the autoscaler's decision for one actor: the idle workers to
// stop and how many READY workers to add.
type scaling struct {
	retire []*abaco.Worker
	add    int
}

// lastActive is when a worker last finished an execution, or was created.
func lastActive(w *abaco.Worker) time.Time {
	if w.LastExecutionTime.After(w.CreateTime) {
		return w.LastExecutionTime
	}
	return w.CreateTime
}

// planScale decides, without side effects, how an actor's pool changes:
//   - idle workers of an older revision always go (a new image never runs
//     on an old worker; busy ones go when their execution ends);
//   - an actor in ERROR or SHUTTING_DOWN keeps no idle worker; one still
//     SUBMITTED (its image being prepared) is left alone;
//   - a READY stateful actor has exactly one worker;
//   - a READY stateless actor with queued messages keeps its workers (the
//     dispatcher adds one per message up to the limit); with an empty
//     inbox each idle worker goes after IdleTimeout, except that a `sync`
//     actor keeps its most recently active one until SyncIdleTimeout.
func planScale(now time.Time, p pool, pol ScalePolicy) scaling {
	var out scaling
	var current []*abaco.Worker
	for _, w := range p.idle {
		if w.Revision < p.revision {
			out.retire = append(out.retire, w)
		} else {
			current = append(current, w)
		}
	}
	// Most recently active first: those are the ones worth keeping.
	slices.SortStableFunc(current, func(a, b *abaco.Worker) int { return lastActive(b).Compare(lastActive(a)) })
	switch {
	case p.status == abaco.ActorSubmitted:
		return out
	case p.status != abaco.ActorReady:
		out.retire = append(out.retire, current...)
	case !p.stateless:
		if p.busy+len(current) == 0 {
			out.add = 1
		}
		if p.busy > 0 {
			out.retire = append(out.retire, current...)
		} else if len(current) > 1 {
			out.retire = append(out.retire, current[1:]...)
		}
	case p.pending > 0:
	default:
		for i, w := range current {
			idle := now.Sub(lastActive(w))
			keep := idle < pol.IdleTimeout || (i == 0 && p.sync && idle < pol.SyncIdleTimeout)
			if !keep {
				out.retire = append(out.retire, w)
			}
		}
	}
	return out
}

// autoscale applies planScale to every actor this scheduler holds workers
// for, and forgets actors that are gone.
func (s *Local) autoscale(ctx context.Context) {
	depths, err := s.store.ExecutionQueueDepths(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("autoscale: count queues", "err", err)
		}
		return
	}
	pending := make(map[abaco.ActorRef]int, len(depths))
	for _, d := range depths {
		pending[abaco.ActorRef{Tenant: d.Tenant, ActorID: d.ActorID}] = d.Pending
	}
	s.mu.Lock()
	refs := make([]abaco.ActorRef, 0, len(s.slots))
	for ref := range s.slots {
		refs = append(refs, ref)
	}
	s.mu.Unlock()
	actors, err := s.store.ActorGetMany(ctx, refs)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("autoscale: read actors", "err", err)
		}
		return
	}
	for _, ref := range refs {
		a := actors[ref]
		if a == nil {
			s.forget(ctx, ref)
			continue
		}
		s.scaleActor(ctx, a, pending[ref])
	}
}

func (s *Local) scaleActor(ctx context.Context, a *abaco.Actor, pending int) {
	now := s.clock.Now()
	s.mu.Lock()
	sl := s.slotsFor(refOf(a))
	sl.revision = max(sl.revision, a.Revision)
	plan := planScale(now, pool{
		status: a.Status, stateless: a.Stateless, sync: a.HasHint("sync"), revision: sl.revision,
		pending: pending, busy: len(sl.busy) - len(sl.retiring), idle: slices.Clone(sl.idle),
	}, s.opts.Pool.Scale)
	sl.idle = slices.DeleteFunc(sl.idle, func(w *abaco.Worker) bool { return slices.Contains(plan.retire, w) })
	retired := s.removals(plan.retire)
	var added []*workerSnap
	for range plan.add {
		w := s.newWorker(a, now)
		w.Status = abaco.WorkerReady
		sl.idle = append(sl.idle, w)
		added = append(added, s.snapshot(w))
	}
	if len(sl.idle) == 0 && len(sl.busy) == 0 && len(sl.retiring) == 0 {
		// A pool at zero holds nothing worth keeping: forgetting it keeps
		// the autoscaler's pass to the actors that have workers.
		delete(s.slots, refOf(a))
	}
	s.mu.Unlock()
	if len(plan.retire) > 0 {
		s.log.Info("autoscaler stops idle workers", "tenant", a.Tenant, "actor", a.ID, "count", len(plan.retire))
	}
	s.deleteWorkers(ctx, retired)
	for _, w := range added {
		s.log.Info("autoscaler starts a worker", "tenant", a.Tenant, "actor", a.ID, "worker", w.ID)
		s.saveWorker(ctx, w)
	}
}

// forget drops the slots of a deleted actor once none of its workers is
// busy; the store dropped their records with the actor.
func (s *Local) forget(ctx context.Context, ref abaco.ActorRef) {
	s.retireAll(ctx, ref)
	s.mu.Lock()
	if sl := s.slots[ref]; sl != nil && len(sl.busy) == 0 {
		delete(s.slots, ref)
	}
	s.mu.Unlock()
}
