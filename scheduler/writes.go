package scheduler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
)

// workerWrites orders the store writes of each worker, and holds what the
// background writer is to write behind the hot path: worker records and
// RUNNING transitions. Snapshots are
// numbered under s.mu, in the order the scheduler changed the worker, and a
// write older than one already made is dropped: two goroutines saving the
// same worker (a release and an admin's request, say) can never leave an
// older status in its record, nor bring back one that was deleted.
type workerWrites struct {
	mu    sync.Mutex
	seq   uint64
	last  map[string]*lastWrite  // by worker id
	dirty map[string]*workerSnap // background writes not yet made: the newest per worker
	// RUNNING transitions not yet written, by execution id.
	running map[string]abaco.ExecutionSetRunningParams
	kick    chan struct{} // the background writer has work
	live    bool          // the background writer runs
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

// workerFlushInterval is how long a worker's background write may wait
// (writes.go): the records are for the API, and a worker that goes BUSY and
// READY many times within it is written once.
const workerFlushInterval = 50 * time.Millisecond

// saveWorkerLater queues a change for the background writer, which makes
// the newest change of each worker at most workerFlushInterval later, all
// in one transaction. The hot path (a worker taking an execution and
// giving it back) does not wait for a commit of its own: the record is a
// view for the API, not what the scheduler decides by, and the execution
// rows it claims are written synchronously. Without the background writer
// (before Run) the change is written at once.
func (s *Local) saveWorkerLater(c *workerSnap) {
	if !s.queueWorker(c) {
		s.saveWorker(context.Background(), c)
	}
}

// queueWorker queues c for the background writer unless a newer change of
// the worker is queued; it reports false when the writer does not run.
func (s *Local) queueWorker(c *workerSnap) bool {
	ww := &s.writes
	ww.mu.Lock()
	defer ww.mu.Unlock()
	if !ww.live {
		return false
	}
	if old := ww.dirty[c.ID]; old == nil || old.seq < c.seq {
		ww.dirty[c.ID] = c
	}
	select {
	case ww.kick <- struct{}{}:
	default:
	}
	return true
}

// writeWorkersInBackground makes the queued worker changes until ctx ends,
// and then once more.
func (s *Local) writeWorkersInBackground(ctx context.Context) {
	ww := &s.writes
	ww.mu.Lock()
	ww.live, ww.dirty, ww.kick = true, map[string]*workerSnap{}, make(chan struct{}, 1)
	ww.running = map[string]abaco.ExecutionSetRunningParams{}
	ww.mu.Unlock()
	defer func() {
		ww.mu.Lock()
		ww.live = false
		ww.mu.Unlock()
		s.flushRunning(context.WithoutCancel(ctx))
		s.flushWorkers(context.WithoutCancel(ctx))
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ww.kick:
		}
		s.flushRunning(ctx)
		s.flushWorkers(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(workerFlushInterval):
		}
	}
}

// flushWorkers writes the queued changes in one transaction; each worker's
// lastWrite is held meanwhile, so a direct write cannot pass it.
func (s *Local) flushWorkers(ctx context.Context) {
	ww := &s.writes
	ww.mu.Lock()
	queued := make([]*workerSnap, 0, len(ww.dirty))
	for _, c := range ww.dirty {
		queued = append(queued, c)
	}
	clear(ww.dirty)
	ww.mu.Unlock()
	if len(queued) == 0 {
		return
	}
	slices.SortFunc(queued, func(a, b *workerSnap) int { return strings.Compare(a.ID, b.ID) })
	var writes []abaco.WorkerWrite
	newer := make([]bool, len(queued))
	locks := make([]*lastWrite, len(queued))
	for i, c := range queued {
		locks[i] = ww.of(c.ID)
		locks[i].mu.Lock()
		if newer[i] = c.seq > locks[i].seq; newer[i] { // else a later change was written already
			writes = append(writes, abaco.WorkerWrite{Worker: c.Worker, Delete: c.del})
		}
	}
	var err error
	if len(writes) > 0 {
		err = s.store.WorkersWrite(ctx, writes)
	}
	now := time.Now()
	for i, lw := range locks {
		if newer[i] && err == nil {
			lw.seq, lw.at = queued[i].seq, now
		}
		lw.mu.Unlock()
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("save workers; will retry", "workers", len(writes), "err", err)
		}
		for i, c := range queued {
			if newer[i] {
				s.queueWorker(c) // again; dropped if the writer has stopped
			}
		}
	}
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

// setRunningLater queues the RUNNING transition of an execution whose
// container has started, for the background writer: the transitions of all
// workers are written together at most workerFlushInterval later, and one
// of an execution that ends before then is never written (its finish sets
// the start time and the final status). The container, not this record, is
// what recovery goes by, so a crash before the write loses nothing: the
// execution is found claimed, its container is found, and it is supervised
// again. Without the background writer the transition is written at once.
func (s *Local) setRunningLater(ctx context.Context, p abaco.ExecutionSetRunningParams) {
	ww := &s.writes
	ww.mu.Lock()
	live := ww.live
	if live {
		ww.running[p.ID] = p
		select {
		case ww.kick <- struct{}{}:
		default:
		}
	}
	ww.mu.Unlock()
	if !live {
		s.writeRunning(ctx, []abaco.ExecutionSetRunningParams{p})
	}
}

// forgetRunning drops the queued RUNNING transition of an execution that
// is about to be finalized.
func (s *Local) forgetRunning(id string) {
	ww := &s.writes
	ww.mu.Lock()
	delete(ww.running, id)
	ww.mu.Unlock()
}

// flushRunning writes the queued RUNNING transitions in one statement; on
// failure they are queued again, unless finalized meanwhile.
func (s *Local) flushRunning(ctx context.Context) {
	ww := &s.writes
	ww.mu.Lock()
	queued := make([]abaco.ExecutionSetRunningParams, 0, len(ww.running))
	for _, p := range ww.running {
		queued = append(queued, p)
	}
	clear(ww.running)
	ww.mu.Unlock()
	if len(queued) == 0 || s.writeRunning(ctx, queued) {
		return
	}
	s.mu.Lock()
	retry := queued[:0]
	for _, p := range queued {
		if _, ok := s.running[p.ID]; ok {
			retry = append(retry, p)
		}
	}
	s.mu.Unlock()
	ww.mu.Lock()
	defer ww.mu.Unlock()
	for _, p := range retry {
		if _, newer := ww.running[p.ID]; ww.live && !newer {
			ww.running[p.ID] = p
		}
	}
}

// writeRunning writes RUNNING transitions now and reports success. One
// that changes nothing is of an execution finalized or deleted meanwhile;
// a deleted one's container runs to its end and its finish changes
// nothing.
func (s *Local) writeRunning(ctx context.Context, ps []abaco.ExecutionSetRunningParams) bool {
	if _, err := s.store.ExecutionSetRunning(ctx, ps...); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("set executions running; will retry", "executions", len(ps), "err", err)
		}
		return false
	}
	return true
}
