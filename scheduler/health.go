package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/abaco-hpc/abaco"
)

// rescue is the health pass. It runs on the dispatch goroutine, so no
// claim is ever half-made while it looks:
//   - it stamps every worker this scheduler holds with the time and writes
//     its record again, so that a record removed behind its back returns;
//   - it deletes records of this host's workers that it no longer holds,
//     and those of other hosts that have not been checked for three
//     intervals (their server is gone);
//   - it settles each claimed or RUNNING execution whose worker is no
//     longer alive (settle: requeued if it never started, reattached if its
//     container exists, ERROR if its container is gone).
//
// Together with supervision (a container removed while running ends its
// wait with an error and the execution as ERROR) nothing stays RUNNING
// forever.
func (s *Local) rescue(ctx context.Context) {
	now := s.clock.Now()
	var held []*abaco.Worker
	s.mu.Lock()
	for _, sl := range s.slots {
		held = append(held, sl.idle...)
		for _, w := range sl.busy {
			held = append(held, w)
		}
	}
	s.mu.Unlock()
	for _, w := range held {
		s.touch(ctx, w, now)
	}

	records, err := s.store.WorkerListAll(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("health: list workers", "err", err)
		}
		return
	}
	alive := map[string]bool{}
	staleBefore := now.Add(-3 * s.opts.Pool.HealthInterval)
	for _, w := range records {
		if w.HostID != s.opts.HostID && w.HostID != "" && !w.LastHealthCheckTime.Before(staleBefore) {
			alive[w.ID] = true // another server's, and that server is alive
			continue
		}
		var gone []*workerSnap
		s.mu.Lock()
		if s.holdsLocked(w) {
			alive[w.ID] = true
		} else {
			gone = s.removals([]*abaco.Worker{w})
		}
		s.mu.Unlock()
		if gone != nil {
			s.log.Warn("health: remove the record of a worker that is gone", "tenant", w.Tenant, "actor", w.ActorID, "worker", w.ID, "host", w.HostID)
			s.deleteWorkers(ctx, gone)
		}
	}

	s.writes.prune(time.Now().Add(-time.Minute))

	claimed, err := s.store.ExecutionListClaimed(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("health: list executions in flight", "err", err)
		}
		return
	}
	for _, e := range claimed {
		s.mu.Lock()
		_, supervised := s.running[e.ID]
		_, reserved := s.reserved[e.WorkerID] // stored claimed, StartClaimed under way
		s.mu.Unlock()
		if supervised || reserved || alive[e.WorkerID] {
			continue
		}
		a, err := s.store.ActorGet(ctx, e.Tenant, e.ActorID)
		if errors.Is(err, abaco.ErrNotFound) {
			continue
		}
		if err != nil {
			continue
		}
		s.log.Warn("health: execution's worker is gone", "execution", e.ID, "worker", e.WorkerID, "status", e.Status)
		if err := s.settle(ctx, a, e); err != nil && ctx.Err() == nil {
			s.log.Error("health: settle execution", "execution", e.ID, "err", err)
		}
	}
}

// touch stamps a held worker's record with the check time, or writes the
// record again if it vanished. Only the time is written, so that a
// concurrent status change is never overwritten with an older one.
func (s *Local) touch(ctx context.Context, w *abaco.Worker, now time.Time) {
	s.mu.Lock()
	w.LastHealthCheckTime = now
	tenant, actorID, id := w.Tenant, w.ActorID, w.ID
	s.mu.Unlock()
	ok, err := s.store.WorkerTouch(ctx, tenant, actorID, id, now)
	if err != nil || ok {
		return
	}
	var snap *workerSnap
	s.mu.Lock()
	if s.holdsLocked(w) {
		snap = s.snapshot(w)
	}
	s.mu.Unlock()
	if snap != nil {
		s.log.Warn("health: worker record vanished; writing it again", "tenant", tenant, "actor", actorID, "worker", id)
		s.saveWorker(ctx, snap)
	}
}

// holdsLocked reports whether w is one of this scheduler's workers now;
// s.mu must be held.
func (s *Local) holdsLocked(w *abaco.Worker) bool {
	sl := s.slots[abaco.ActorRef{Tenant: w.Tenant, ActorID: w.ActorID}]
	if sl == nil {
		return false
	}
	if sl.busy[w.ID] != nil {
		return true
	}
	for _, x := range sl.idle {
		if x.ID == w.ID {
			return true
		}
	}
	return false
}

// finished tells the OnFinished hook of a finalized execution.
func (s *Local) finished(status string, started, finished time.Time) {
	if s.opts.OnFinished == nil {
		return
	}
	var d time.Duration
	if !started.IsZero() && finished.After(started) {
		d = finished.Sub(started)
	}
	s.opts.OnFinished(status, d)
}
