package scheduler

import (
	"testing"

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
