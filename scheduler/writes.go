package scheduler

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
)

// workerWrites orders the store writes of each worker. Snapshots are
// numbered under s.mu, in the order the scheduler changed the worker, and a
// write older than one already made is dropped: two goroutines saving the
// same worker (a release and an admin's request, say) can never leave an
// older status in its record, nor bring back one that was deleted.
type workerWrites struct {
	mu   sync.Mutex
	seq  uint64
	last map[string]*lastWrite // by worker id
}

type lastWrite struct {
	mu  sync.Mutex
	seq uint64
	at  time.Time
}

// workerSnap is a copy of a worker as of one numbered change.
type workerSnap struct {
	abaco.Worker
	seq uint64
	del bool // the change removes the record
}

// next numbers a change; call it with s.mu held so that numbers follow the
// order of changes.
func (ww *workerWrites) next() uint64 {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	ww.seq++
	return ww.seq
}

func (ww *workerWrites) of(id string) *lastWrite {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	if ww.last == nil {
		ww.last = map[string]*lastWrite{}
	}
	lw := ww.last[id]
	if lw == nil {
		lw = &lastWrite{}
		ww.last[id] = lw
	}
	return lw
}

// prune forgets workers last written before t; a write that old is no
// longer in flight.
func (ww *workerWrites) prune(t time.Time) {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	for id, lw := range ww.last {
		if lw.mu.TryLock() {
			if lw.at.Before(t) {
				delete(ww.last, id)
			}
			lw.mu.Unlock()
		}
	}
}

// snapshot stamps the health-check time and copies w for the store; s.mu
// must be held.
func (s *Local) snapshot(w *abaco.Worker) *workerSnap {
	w.LastHealthCheckTime = s.clock.Now()
	return &workerSnap{Worker: *w, seq: s.writes.next()}
}

// removals numbers the deletion of each worker; s.mu must be held.
func (s *Local) removals(ws []*abaco.Worker) []*workerSnap {
	out := make([]*workerSnap, len(ws))
	for i, w := range ws {
		out[i] = &workerSnap{Worker: *w, seq: s.writes.next(), del: true}
	}
	return out
}

// writeWorker applies one change to the store unless a later one was
// applied already.
func (s *Local) writeWorker(ctx context.Context, c *workerSnap) error {
	lw := s.writes.of(c.ID)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if c.seq <= lw.seq {
		return nil
	}
	var err error
	if c.del {
		err = s.store.WorkerDelete(ctx, c.Tenant, c.ActorID, c.ID)
		if errors.Is(err, abaco.ErrNotFound) {
			err = nil
		}
	} else {
		err = s.store.WorkerUpsert(ctx, &c.Worker)
	}
	if err != nil {
		return err
	}
	lw.seq, lw.at = c.seq, time.Now()
	return nil
}

func (s *Local) saveWorker(ctx context.Context, c *workerSnap) {
	if err := s.writeWorker(ctx, c); err != nil && ctx.Err() == nil {
		s.log.Warn("save worker", "worker", c.ID, "err", err)
	}
}

func (s *Local) deleteWorkers(ctx context.Context, cs []*workerSnap) {
	for _, c := range cs {
		if err := s.writeWorker(ctx, c); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("delete worker", "worker", c.ID, "err", err)
			}
			continue
		}
		s.log.Debug("worker removed", "tenant", c.Tenant, "actor", c.ActorID, "worker", c.ID)
	}
}
