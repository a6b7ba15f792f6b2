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
		stop := startBackgroundWriter(t, s)

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
		stop() // and the writer's last flush is over
		_, err := store.WorkerGet(ctx, a.Tenant, a.ID, dropped.ID)
		require.ErrorIs(t, err, abaco.ErrNotFound, "a change older than the deletion never brings the record back")
	})
}

// TestRunningWrittenBehind: RUNNING transitions queued for the background
// writer reach the store with their start time, one dropped because its
// execution is being finalized never does, and one queued while no writer
// runs is written at once.
func TestRunningWrittenBehind(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		s := newTestLocal(t, store, runtimes.Unavailable{}, newFakeClock(t0), Options{})
		a := readyActor(abaco.NewID(), true)
		require.NoError(t, store.ActorCreate(ctx, a))
		claimed := func(worker string) *abaco.Execution {
			e := &abaco.Execution{Tenant: a.Tenant, ID: abaco.NewID(), ActorID: a.ID, Executor: "alice",
				Username: "alice", Status: abaco.ExecSubmitted, Message: []byte("m"),
				ContentType: abaco.ContentString, MessageReceivedTime: t0}
			require.NoError(t, store.ExecutionCreate(ctx, e))
			got, err := store.ExecutionClaimMany(ctx, []abaco.ExecutionClaimParams{{Tenant: a.Tenant, ActorID: a.ID, WorkerID: worker}})
			require.NoError(t, err)
			require.Equal(t, e.ID, got[0].ID)
			return e
		}
		status := func(e *abaco.Execution) (string, time.Time) {
			got, err := store.ExecutionGet(ctx, a.Tenant, a.ID, e.ID)
			require.NoError(t, err)
			return got.Status, got.StartTime
		}
		direct := claimed("w0")
		s.setRunningLater(ctx, abaco.ExecutionSetRunningParams{ID: direct.ID, WorkerID: "w0", StartTime: t0.Add(time.Second)}) // no writer yet: at once
		st, at := status(direct)
		require.Equal(t, abaco.ExecRunning, st)
		require.Equal(t, t0.Add(time.Second), at)

		stop := startBackgroundWriter(t, s)

		running, finishing := claimed("w1"), claimed("w2")
		// Queued without waking the writer, which then finds both at once.
		s.writes.mu.Lock()
		s.writes.running[running.ID] = abaco.ExecutionSetRunningParams{ID: running.ID, WorkerID: "w1", StartTime: t0.Add(2 * time.Second)}
		s.writes.running[finishing.ID] = abaco.ExecutionSetRunningParams{ID: finishing.ID, WorkerID: "w2", StartTime: t0.Add(3 * time.Second)}
		s.writes.mu.Unlock()
		s.forgetRunning(finishing.ID)
		s.writes.kick <- struct{}{}
		require.Eventually(t, func() bool {
			st, _ := status(running)
			return st == abaco.ExecRunning
		}, 10*time.Second, 5*time.Millisecond)
		_, at = status(running)
		require.Equal(t, t0.Add(2*time.Second), at)
		stop() // and the writer's last flush is over
		st, _ = status(finishing)
		require.Equal(t, abaco.ExecSubmitted, st, "a transition forgotten before its flush is not written")
	})
}

// startBackgroundWriter runs s's background writer until the returned stop
// (or the test's end), which returns once its last flush is over.
func startBackgroundWriter(t *testing.T, s *Local) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); s.writeWorkersInBackground(ctx) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	require.Eventually(t, func() bool {
		s.writes.mu.Lock()
		defer s.writes.mu.Unlock()
		return s.writes.live
	}, 10*time.Second, time.Millisecond)
	return stop
}
