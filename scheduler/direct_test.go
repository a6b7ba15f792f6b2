package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes/noop"
	"github.com/abaco-hpc/abaco/storage"
)

// A message stored claimed by a reserved worker runs without a dispatch
// pass (no Enqueued, no sweep in the test's lifetime), and reservations
// respect the actor's limit, its status and this scheduler's verdicts.
func TestDirectStart(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		s := newTestLocal(t, store, noop.New(), nil, Options{SweepInterval: time.Hour,
			Pool: PoolOptions{AutoscaleInterval: time.Hour, HealthInterval: time.Hour}})
		a := storeActor(t, store, "direct", func(a *abaco.Actor) { a.Status, a.Stateless = abaco.ActorReady, false })
		require.Empty(t, s.Reserve(a), "not dispatching before Run's recovery")

		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.Run(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		var w string
		require.Eventually(t, func() bool { w = s.Reserve(a); return w != "" }, 10*time.Second, 5*time.Millisecond)
		require.Empty(t, s.Reserve(a), "a stateful actor has one worker, held")

		e := &abaco.Execution{Tenant: a.Tenant, ActorID: a.ID, ID: abaco.NewID(), Status: abaco.ExecSubmitted,
			Message: []byte("hi"), ContentType: abaco.ContentString, MessageReceivedTime: time.Now(), Env: map[string]string{}}
		claimed, err := store.ExecutionCreateClaimed(ctx, e, w)
		require.NoError(t, err)
		require.True(t, claimed)
		s.StartClaimed(e)
		require.Eventually(t, func() bool {
			got, err := store.ExecutionGet(ctx, a.Tenant, a.ID, e.ID)
			return err == nil && got.Status == abaco.ExecComplete && got.WorkerID == w
		}, 30*time.Second, 5*time.Millisecond)

		// Its worker is free again once the execution is over.
		require.Eventually(t, func() bool { w = s.Reserve(a); return w != "" }, 10*time.Second, 5*time.Millisecond)
		s.Unreserve(w, false)
		again := s.Reserve(a)
		require.Equal(t, w, again, "given back as it was")
		s.Unreserve(again, true)
		replaced := s.Reserve(a)
		require.NotEmpty(t, replaced)
		require.NotEqual(t, w, replaced, "a worker whose claim is in doubt is not kept")
		s.Unreserve(replaced, false)

		errored := *a
		errored.Status = abaco.ActorError
		require.Empty(t, s.Reserve(&errored), "not READY")
		s.refuseDirect(refOf(a), a.Revision)
		require.Empty(t, s.Reserve(a), "this scheduler put the revision in ERROR: the caller's READY is stale")
		newer := *a
		newer.Revision++
		require.NotEmpty(t, s.Reserve(&newer), "a newer revision may run")
		require.Empty(t, s.Reserve(a), "an older revision than one seen")
	})
}

// A message stored claimed by a reserved worker whose server died before
// starting it runs all the same: the next scheduler's recovery finds the
// claim without a container and puts it back in the queue.
func TestDirectClaimSurvivesACrash(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		opts := Options{SweepInterval: time.Hour, Pool: PoolOptions{AutoscaleInterval: time.Hour, HealthInterval: time.Hour}}
		a := storeActor(t, store, "crash", func(a *abaco.Actor) { a.Status = abaco.ActorReady })
		run := func(s *Local) (stop func()) {
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- s.Run(runCtx) }()
			return func() { cancel(); <-done }
		}
		first := newTestLocal(t, store, noop.New(), nil, opts)
		stopFirst := run(first)
		var w string
		require.Eventually(t, func() bool { w = first.Reserve(a); return w != "" }, 10*time.Second, 5*time.Millisecond)
		e := &abaco.Execution{Tenant: a.Tenant, ActorID: a.ID, ID: abaco.NewID(), Status: abaco.ExecSubmitted,
			Message: []byte("hi"), ContentType: abaco.ContentString, MessageReceivedTime: time.Now(), Env: map[string]string{}}
		claimed, err := store.ExecutionCreateClaimed(ctx, e, w)
		require.NoError(t, err)
		require.True(t, claimed)
		stopFirst() // gone before StartClaimed: acknowledged, claimed, never started

		second := newTestLocal(t, store, noop.New(), nil, opts)
		t.Cleanup(run(second))
		require.Eventually(t, func() bool {
			got, err := store.ExecutionGet(ctx, a.Tenant, a.ID, e.ID)
			return err == nil && got.Status == abaco.ExecComplete
		}, 30*time.Second, 10*time.Millisecond)
	})
}
