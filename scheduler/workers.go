package scheduler

import (
	"context"
	"time"

	"github.com/abaco-hpc/abaco"
)

// slots are one actor's workers: the concurrency it may use, recorded in
// the store so that the API can show them.
type slots struct {
	idle []*abaco.Worker
	busy int
}

// limit is how many executions of a may run at once: one for a stateful
// actor (strict arrival order), else its max_workers or the default cap.
func (s *Local) limit(a *abaco.Actor) int {
	if !a.Stateless {
		return 1
	}
	if a.MaxWorkers != nil && *a.MaxWorkers > 0 {
		return *a.MaxWorkers
	}
	return s.opts.MaxWorkersPerActor
}

func refOf(a *abaco.Actor) abaco.ActorRef { return abaco.ActorRef{Tenant: a.Tenant, ActorID: a.ID} }

// slotsFor returns the actor's slots; s.mu must be held.
func (s *Local) slotsFor(ref abaco.ActorRef) *slots {
	sl := s.slots[ref]
	if sl == nil {
		sl = &slots{}
		s.slots[ref] = sl
	}
	return sl
}

// takeWorker reserves a worker of a for one execution, or returns nil when
// the actor is at its limit or backing off after start failures.
func (s *Local) takeWorker(ctx context.Context, a *abaco.Actor) *abaco.Worker {
	ref := refOf(a)
	now := s.clock.Now()
	s.mu.Lock()
	if f, ok := s.failures[ref]; ok && now.Before(f.retryAt) {
		s.mu.Unlock()
		return nil
	}
	sl := s.slotsFor(ref)
	if sl.busy >= s.limit(a) {
		s.mu.Unlock()
		return nil
	}
	var w *abaco.Worker
	if n := len(sl.idle); n > 0 {
		w, sl.idle = sl.idle[n-1], sl.idle[:n-1]
	} else {
		w = s.newWorker(a, now)
	}
	sl.busy++
	s.mu.Unlock()
	w.Status, w.Image, w.Revision = abaco.WorkerBusy, a.Image, a.Revision
	s.saveWorker(ctx, w)
	return w
}

// takeWorkerByID reserves the worker that had claimed an execution before a
// restart, creating its record again if it is gone.
func (s *Local) takeWorkerByID(ctx context.Context, a *abaco.Actor, id string) *abaco.Worker {
	ref := refOf(a)
	s.mu.Lock()
	sl := s.slotsFor(ref)
	var w *abaco.Worker
	for i, x := range sl.idle {
		if x.ID == id {
			w = x
			sl.idle = append(sl.idle[:i], sl.idle[i+1:]...)
			break
		}
	}
	if w == nil {
		w = s.newWorker(a, s.clock.Now())
		w.ID = id
	}
	sl.busy++
	s.mu.Unlock()
	w.Status = abaco.WorkerBusy
	s.saveWorker(ctx, w)
	return w
}

// releaseWorker returns a worker to its actor's idle set and wakes the
// dispatcher, since more messages may be waiting.
func (s *Local) releaseWorker(ctx context.Context, a *abaco.Actor, w *abaco.Worker) {
	s.mu.Lock()
	sl := s.slotsFor(refOf(a))
	sl.busy--
	sl.idle = append(sl.idle, w)
	s.mu.Unlock()
	w.Status = abaco.WorkerReady
	s.saveWorker(ctx, w)
	s.poke()
}

// ensureWorker gives a newly ready actor one READY worker, as the
// reference's spawner does, unless it has one.
func (s *Local) ensureWorker(ctx context.Context, a *abaco.Actor) error {
	ref := refOf(a)
	s.mu.Lock()
	sl := s.slotsFor(ref)
	if sl.busy > 0 || len(sl.idle) > 0 {
		for _, w := range sl.idle {
			w.Image, w.Revision = a.Image, a.Revision
		}
		s.mu.Unlock()
		return nil
	}
	w := s.newWorker(a, s.clock.Now())
	w.Status = abaco.WorkerReady
	sl.idle = append(sl.idle, w)
	s.mu.Unlock()
	return s.store.WorkerUpsert(ctx, w)
}

func (s *Local) newWorker(a *abaco.Actor, now time.Time) *abaco.Worker {
	return &abaco.Worker{
		Tenant:              a.Tenant,
		ID:                  abaco.NewID(),
		ActorID:             a.ID,
		Status:              abaco.WorkerRequested,
		Image:               a.Image,
		Revision:            a.Revision,
		Location:            s.rt.Location(),
		HostID:              s.opts.HostID,
		CreateTime:          now,
		LastHealthCheckTime: now,
	}
}

func (s *Local) saveWorker(ctx context.Context, w *abaco.Worker) {
	w.LastHealthCheckTime = s.clock.Now()
	if err := s.store.WorkerUpsert(ctx, w); err != nil && ctx.Err() == nil {
		s.log.Warn("save worker", "worker", w.ID, "err", err)
	}
}
