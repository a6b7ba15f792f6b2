package scheduler

import (
	"context"

	"github.com/abaco-hpc/abaco"
)

// Starting a new message without a dispatch pass (abaco's directStarter):
// the service reserves a free worker before it stores the execution, the
// store saves it claimed by that worker when no older message of the
// actor waits, and StartClaimed runs it as the dispatcher would have. A
// pass is a queue read and a claim commit, and a message waited for the
// pass under way before its own: most of the time from commit to
// container start on PostgreSQL.
//
// The actor comes from the service's send cache, up to a second old when
// another server changed it (as for authorization); this scheduler's own
// verdicts are newer than that, so an actor it put in ERROR, or whose
// newer revision it has seen, gets no reservation.

// Reserve holds a free worker of a and returns its id, or "" if a has no
// worker to spare, is not READY, or this scheduler is not dispatching.
func (s *Local) Reserve(a *abaco.Actor) string {
	if a.Status != abaco.ActorReady {
		return ""
	}
	ref := refOf(a)
	s.mu.Lock()
	ctx := s.ctx
	sl := s.slotsFor(ref)
	refused := !s.recovered || a.Revision < sl.revision || a.Revision <= sl.failed
	s.mu.Unlock()
	if refused || ctx.Err() != nil {
		return ""
	}
	own := *a // the service's copy is shared by its cache
	held := s.reserveWorkers(ctx, &own, 1)
	if len(held) == 0 {
		return ""
	}
	res := held[0]
	s.mu.Lock()
	s.reserved[res.worker.ID] = res
	s.mu.Unlock()
	return res.worker.ID
}

// StartClaimed runs e, stored claimed by the worker Reserve returned.
// The reservation is dropped only once the run is tracked: the health
// check leaves alone a claim whose worker is reserved or whose execution
// is tracked, and must see one or the other all along.
func (s *Local) StartClaimed(e *abaco.Execution) {
	s.mu.Lock()
	res, ok := s.reserved[e.WorkerID]
	ctx := s.ctx
	s.mu.Unlock()
	if !ok {
		return
	}
	defer func() {
		s.mu.Lock()
		delete(s.reserved, e.WorkerID)
		s.mu.Unlock()
	}()
	if ctx.Err() != nil {
		return // stopping: the next Run's recovery requeues it (claimed, no container)
	}
	s.start(ctx, res, e)
}

// Unreserve gives back a worker whose execution was not stored claimed by
// it. If the store failed, it may have been all the same (a commit whose
// answer was lost): the worker is then retired rather than kept, so that
// the health check, finding a claim of a worker nobody holds, settles it.
func (s *Local) Unreserve(workerID string, failed bool) {
	s.mu.Lock()
	res, ok := s.reserved[workerID]
	delete(s.reserved, workerID)
	if ok && failed {
		s.slotsFor(refOf(res.actor)).retiring[workerID] = true
	}
	s.mu.Unlock()
	if ok {
		s.unreserve(context.Background(), res)
	}
}

// refuseDirect notes that this scheduler put revision of the actor in
// ERROR: the send path's cached view of it as READY is stale.
func (s *Local) refuseDirect(ref abaco.ActorRef, revision int) {
	s.mu.Lock()
	sl := s.slotsFor(ref)
	sl.failed = max(sl.failed, revision)
	s.mu.Unlock()
}
