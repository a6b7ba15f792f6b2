package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/abaco-hpc/abaco"
)

// slots are one actor's workers: the concurrency it may use, recorded in
// the store so that the API can show them. Every field of a worker held
// here is written under s.mu; the store gets copies.
type slots struct {
	revision int                      // the actor's newest revision seen
	failed   int                      // the newest revision this scheduler put in ERROR
	epoch    uint64                   // bumped when the actor changes: its workers stop carrying on
	idle     []*abaco.Worker          // READY
	busy     map[string]*abaco.Worker // BUSY or SHUTTING_DOWN, by id
	retiring map[string]bool          // busy workers to remove when their execution ends
}

func (sl *slots) total() int { return len(sl.idle) + len(sl.busy) - len(sl.retiring) }

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
		sl = &slots{busy: map[string]*abaco.Worker{}, retiring: map[string]bool{}}
		s.slots[ref] = sl
	}
	return sl
}

// dropStale removes idle workers of an older revision than the actor's
// and returns them; s.mu must be held. A new image never runs on an old
// worker, and queued messages wait in the store meanwhile.
func (sl *slots) dropStale() []*abaco.Worker {
	var stale []*abaco.Worker
	keep := sl.idle[:0]
	for _, w := range sl.idle {
		if w.Revision < sl.revision {
			stale = append(stale, w)
		} else {
			keep = append(keep, w)
		}
	}
	sl.idle = keep
	return stale
}

// reservation is a worker held for one claim: an idle one, or a fresh one
// that has no record yet and is forgotten if the claim finds nothing.
type reservation struct {
	actor  *abaco.Actor
	worker *abaco.Worker
	fresh  bool
}

// reserveWorkers holds up to want workers of a for claims, or none when the
// actor is at its limit or backing off after start failures. Idle workers
// go first; new ones are made for the rest: this is how a pool scales up
// with its queue, one worker per waiting message up to the limit. Nothing
// is written: claimed (below) records a worker once it has an execution.
func (s *Local) reserveWorkers(ctx context.Context, a *abaco.Actor, want int) []reservation {
	ref := refOf(a)
	now := s.clock.Now()
	s.mu.Lock()
	if f, ok := s.failures[ref]; ok && now.Before(f.retryAt) {
		s.mu.Unlock()
		return nil
	}
	sl := s.slotsFor(ref)
	sl.revision = max(sl.revision, a.Revision)
	stale := s.removals(sl.dropStale())
	var held []reservation
	for len(held) < want && len(sl.busy) < s.limit(a) {
		res := reservation{actor: a}
		if n := len(sl.idle); n > 0 {
			res.worker, sl.idle = sl.idle[n-1], sl.idle[:n-1]
		} else {
			res.worker, res.fresh = s.newWorker(a, now), true
		}
		sl.busy[res.worker.ID] = res.worker
		held = append(held, res)
	}
	s.mu.Unlock()
	s.deleteWorkers(ctx, stale)
	return held
}

// claimed marks a reserved worker BUSY with the actor's image, now that it
// has an execution; its record follows in the background.
func (s *Local) claimed(res reservation) {
	a, w := res.actor, res.worker
	s.mu.Lock()
	w.Status, w.Image, w.Revision = abaco.WorkerBusy, a.Image, a.Revision
	snap := s.snapshot(w)
	s.mu.Unlock()
	s.saveWorkerLater(snap)
}

// unreserve gives back a worker whose claim found nothing: an idle one goes
// back to the idle set as it was (its record never changed), a fresh one
// is forgotten, and one asked to stop meanwhile goes away.
func (s *Local) unreserve(ctx context.Context, res reservation) {
	w := res.worker
	s.mu.Lock()
	sl := s.slotsFor(refOf(res.actor))
	delete(sl.busy, w.ID)
	retire := sl.retiring[w.ID] || w.Revision < sl.revision
	delete(sl.retiring, w.ID)
	var gone []*workerSnap
	switch {
	case res.fresh:
	case retire:
		gone = s.removals([]*abaco.Worker{w})
	default:
		sl.idle = append(sl.idle, w)
	}
	s.mu.Unlock()
	s.deleteWorkers(ctx, gone)
}

// takeWorkerByID reserves the worker that had claimed an execution before a
// restart, creating its record again if it is gone.
func (s *Local) takeWorkerByID(ctx context.Context, a *abaco.Actor, id string) *abaco.Worker {
	ref := refOf(a)
	s.mu.Lock()
	sl := s.slotsFor(ref)
	w := sl.busy[id]
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
	sl.busy[w.ID] = w
	w.Status = abaco.WorkerBusy
	snap := s.snapshot(w)
	s.mu.Unlock()
	s.saveWorker(ctx, snap)
	return w
}

// releaseWorker ends a worker's execution: it goes back to the idle set,
// or away if it was asked to stop or its actor has a newer image. It wakes
// the dispatcher, since more messages may be waiting.
func (s *Local) releaseWorker(ctx context.Context, a *abaco.Actor, w *abaco.Worker) {
	s.mu.Lock()
	sl := s.slotsFor(refOf(a))
	delete(sl.busy, w.ID)
	w.LastExecutionTime = s.clock.Now()
	retire := sl.retiring[w.ID] || w.Revision < sl.revision
	delete(sl.retiring, w.ID)
	if !retire {
		sl.idle = append(sl.idle, w)
		w.Status = abaco.WorkerReady
	}
	snap := s.snapshot(w)
	s.mu.Unlock()
	if retire {
		snap.del = true
		s.deleteWorkers(ctx, []*workerSnap{snap})
	} else {
		s.saveWorkerLater(snap)
	}
	s.poke()
}

// carryOn says whether r's worker may take the actor's next message as it
// finishes r (see work), and how to claim it: not when the server is
// stopping, the worker was asked to stop, the actor changed since r was
// dispatched, or the actor is backing off after start failures. Then the
// worker goes back to the pool and the dispatcher decides.
func (s *Local) carryOn(r *run) *abaco.ExecutionClaimParams {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[r.ref]
	_, failing := s.failures[r.ref]
	if s.ctx == nil || s.ctx.Err() != nil || sl == nil || sl.retiring[r.worker.ID] ||
		r.worker.Revision < sl.revision || sl.epoch != r.epoch || failing {
		return nil
	}
	return &abaco.ExecutionClaimParams{Tenant: r.ref.Tenant, ActorID: r.ref.ActorID, WorkerID: r.worker.ID}
}

// ensureWorker gives a newly ready actor one READY worker, as the
// reference's spawner does, unless it has one; idle workers of an older
// revision are replaced.
func (s *Local) ensureWorker(ctx context.Context, a *abaco.Actor) error {
	ref := refOf(a)
	s.mu.Lock()
	sl := s.slotsFor(ref)
	sl.revision = max(sl.revision, a.Revision)
	stale := s.removals(sl.dropStale())
	var snap *workerSnap
	if len(sl.idle) == 0 && len(sl.busy) == 0 {
		w := s.newWorker(a, s.clock.Now())
		w.Status = abaco.WorkerReady
		sl.idle = append(sl.idle, w)
		snap = s.snapshot(w)
	}
	s.mu.Unlock()
	s.deleteWorkers(ctx, stale)
	if snap == nil {
		return nil
	}
	return s.writeWorker(ctx, snap)
}

// StopWorker retires one worker: an idle one at once, a busy one when its
// current execution ends (it shows SHUTTING_DOWN until then). A record this
// scheduler does not hold (left by a server that is gone) is deleted.
func (s *Local) StopWorker(ctx context.Context, tenant, actorID, workerID string) error {
	ref := abaco.ActorRef{Tenant: tenant, ActorID: actorID}
	s.mu.Lock()
	sl := s.slotsFor(ref)
	var gone, busy *workerSnap
	for i, w := range sl.idle {
		if w.ID == workerID {
			gone = s.removals([]*abaco.Worker{w})[0]
			sl.idle = append(sl.idle[:i], sl.idle[i+1:]...)
			break
		}
	}
	if w := sl.busy[workerID]; w != nil {
		sl.retiring[workerID] = true
		w.Status = abaco.WorkerShuttingDown
		busy = s.snapshot(w)
	}
	s.mu.Unlock()
	switch {
	case busy != nil:
		s.saveWorker(ctx, busy)
	case gone != nil:
		s.deleteWorkers(ctx, []*workerSnap{gone})
	default:
		if err := s.store.WorkerDelete(ctx, tenant, actorID, workerID); err != nil && !errors.Is(err, abaco.ErrNotFound) {
			return err
		}
	}
	s.log.Info("worker stop requested", "tenant", tenant, "actor", actorID, "worker", workerID, "busy", busy != nil)
	return nil
}

// AddWorkers makes sure the actor has at least num workers (no more than
// its limit allows), creating READY ones; it reports how many it created
// and how many there were.
func (s *Local) AddWorkers(ctx context.Context, a *abaco.Actor, num int) (created, before int, err error) {
	now := s.clock.Now()
	s.mu.Lock()
	sl := s.slotsFor(refOf(a))
	sl.revision = max(sl.revision, a.Revision)
	before = sl.total()
	var snaps []*workerSnap
	for sl.total() < min(num, s.limit(a)) {
		// The record passes through REQUESTED, as the reference's does,
		// before it is READY; here both are immediate since a worker is a
		// slot rather than a container of its own.
		w := s.newWorker(a, now)
		snaps = append(snaps, s.snapshot(w))
		w.Status = abaco.WorkerReady
		sl.idle = append(sl.idle, w)
		snaps = append(snaps, s.snapshot(w))
	}
	s.mu.Unlock()
	for _, c := range snaps {
		if err := s.writeWorker(ctx, c); err != nil {
			return created, before, err
		}
		if c.Status == abaco.WorkerReady {
			created++
		}
	}
	if created > 0 {
		s.poke()
	}
	return created, before, nil
}

// retireAll stops every worker of the actor: idle ones now, busy ones when
// their execution ends (actor deleted, or in ERROR).
func (s *Local) retireAll(ctx context.Context, ref abaco.ActorRef) {
	s.mu.Lock()
	sl := s.slotsFor(ref)
	idle := s.removals(sl.idle)
	sl.idle = nil
	for id := range sl.busy {
		sl.retiring[id] = true
	}
	s.mu.Unlock()
	s.deleteWorkers(ctx, idle)
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
