package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
	"github.com/abaco-hpc/abaco/storage"
)

// TestWorkerWritesKeepTheirOrder: a snapshot that reaches the store after
// a newer one of the same worker is dropped, and so is one that would bring
// a deleted record back.
func TestWorkerWritesKeepTheirOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		s := newTestLocal(t, store, runtimes.Unavailable{}, newFakeClock(t0), Options{})
		a := readyActor("ordered", true)
		w := s.newWorker(a, t0)

		s.mu.Lock()
		w.Status = abaco.WorkerBusy
		busy := s.snapshot(w)
		w.Status = abaco.WorkerReady
		ready := s.snapshot(w)
		s.mu.Unlock()
		require.NoError(t, s.writeWorker(ctx, ready))
		require.NoError(t, s.writeWorker(ctx, busy)) // late: dropped
		got, err := store.WorkerGet(ctx, a.Tenant, a.ID, w.ID)
		require.NoError(t, err)
		require.Equal(t, abaco.WorkerReady, got.Status)

		s.mu.Lock()
		w.Status = abaco.WorkerShuttingDown
		stopping := s.snapshot(w)
		gone := s.removals([]*abaco.Worker{w})[0]
		s.mu.Unlock()
		require.NoError(t, s.writeWorker(ctx, gone))
		require.NoError(t, s.writeWorker(ctx, stopping)) // late: dropped
		_, err = store.WorkerGet(ctx, a.Tenant, a.ID, w.ID)
		require.ErrorIs(t, err, abaco.ErrNotFound)

		// A later change (a worker taken again after a restart) is written.
		s.mu.Lock()
		w.Status = abaco.WorkerBusy
		again := s.snapshot(w)
		s.mu.Unlock()
		require.NoError(t, s.writeWorker(ctx, again))
		got, err = store.WorkerGet(ctx, a.Tenant, a.ID, w.ID)
		require.NoError(t, err)
		require.Equal(t, abaco.WorkerBusy, got.Status)
	})
}

// TestBackgroundWorkerWrites: changes queued for the background writer
// reach the store, the newest of each worker only, and one queued before
// a direct write of a later change (a deletion here) never overwrites it.
func TestBackgroundWorkerWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		s := newTestLocal(t, store, runtimes.Unavailable{}, newFakeClock(t0), Options{})
		a := readyActor("behind", true)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); s.writeWorkersInBackground(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		require.Eventually(t, func() bool {
			s.writes.mu.Lock()
			defer s.writes.mu.Unlock()
			return s.writes.live
		}, 10*time.Second, time.Millisecond)

		kept, dropped := s.newWorker(a, t0), s.newWorker(a, t0)
		s.mu.Lock()
		kept.Status = abaco.WorkerBusy
		first := s.snapshot(kept)
		kept.Status = abaco.WorkerReady
		second := s.snapshot(kept)
		dropped.Status = abaco.WorkerBusy
		late := s.snapshot(dropped)
		gone := s.removals([]*abaco.Worker{dropped})[0]
		s.mu.Unlock()
		require.NoError(t, s.writeWorker(ctx, gone)) // directly, before the queued change is flushed
		s.saveWorkerLater(first)
		s.saveWorkerLater(second)
		s.saveWorkerLater(late)

		require.Eventually(t, func() bool {
			got, err := store.WorkerGet(ctx, a.Tenant, a.ID, kept.ID)
			return err == nil && got.Status == abaco.WorkerReady
		}, 10*time.Second, 10*time.Millisecond, "the newest queued change is written")
		stop()
		<-done // the writer's last flush is over
		_, err := store.WorkerGet(ctx, a.Tenant, a.ID, dropped.ID)
		require.ErrorIs(t, err, abaco.ErrNotFound, "a change older than the deletion never brings the record back")
	})
}
