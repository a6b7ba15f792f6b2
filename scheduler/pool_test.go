package scheduler

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/runtimes"
	"github.com/abaco-hpc/abaco/runtimes/docker"
	"github.com/abaco-hpc/abaco/storage"
)

// newTestLocal builds a scheduler that is not running: tests drive its
// passes themselves, under a clock they move.
func newTestLocal(t *testing.T, store abaco.Store, rt runtimes.Runtime, clock abaco.Clock, opts Options) *Local {
	t.Helper()
	dir, err := os.MkdirTemp("", "absch")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	opts.RunDir, opts.HostID = dir, "host-a"
	opts.Pool.Scale = ScalePolicy{IdleTimeout: 5 * time.Second, SyncIdleTimeout: 600 * time.Second}
	s, err := NewLocal(store, rt, clock, abaco.DefaultConfig(), opts, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return s
}

func readyActor(id string, stateless bool, hints ...string) *abaco.Actor {
	return &abaco.Actor{Tenant: "dev", ID: id, Owner: "alice", Image: "img:1", Stateless: stateless,
		Hints: hints, Queue: "default", Revision: 1, Status: abaco.ActorReady, Type: "none"}
}

func workerIDs(t *testing.T, store abaco.Store, a *abaco.Actor) []string {
	t.Helper()
	ws, err := store.WorkerList(context.Background(), a.Tenant, a.ID)
	require.NoError(t, err)
	return ids(ws)
}

func TestPoolScalesUpAndDownWithTheClock(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(t0)
		s := newTestLocal(t, store, runtimes.Unavailable{}, clock, Options{MaxWorkersPerActor: 3})
		a := readyActor("stateless", true)
		require.NoError(t, store.ActorCreate(ctx, a))

		// A burst: one worker per message, up to the limit.
		var taken []*abaco.Worker
		for w := s.takeWorker(ctx, a); w != nil; w = s.takeWorker(ctx, a) {
			taken = append(taken, w)
		}
		require.Len(t, taken, 3, "max workers per actor")
		require.Len(t, workerIDs(t, store, a), 3)
		for _, w := range taken {
			got, err := store.WorkerGet(ctx, a.Tenant, a.ID, w.ID)
			require.NoError(t, err)
			require.Equal(t, abaco.WorkerBusy, got.Status)
		}
		clock.Advance(time.Second)
		for _, w := range taken {
			s.releaseWorker(ctx, a, w)
		}
		got, err := store.WorkerGet(ctx, a.Tenant, a.ID, taken[0].ID)
		require.NoError(t, err)
		require.Equal(t, abaco.WorkerReady, got.Status)
		require.Equal(t, t0.Add(time.Second), got.LastExecutionTime)

		clock.Advance(4 * time.Second)
		s.autoscale(ctx)
		require.Len(t, workerIDs(t, store, a), 3, "idle for 4 s: kept")
		clock.Advance(time.Second)
		s.autoscale(ctx)
		require.Empty(t, workerIDs(t, store, a), "idle for 5 s: the pool falls to zero")
	})
}

func TestPoolSyncHintKeepsAWarmWorker(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(t0)
		s := newTestLocal(t, store, runtimes.Unavailable{}, clock, Options{})
		a := readyActor("sync", true, "sync")
		require.NoError(t, store.ActorCreate(ctx, a))
		w1, w2 := s.takeWorker(ctx, a), s.takeWorker(ctx, a)
		s.releaseWorker(ctx, a, w1)
		clock.Advance(time.Second)
		s.releaseWorker(ctx, a, w2)

		clock.Advance(time.Minute)
		s.autoscale(ctx)
		require.Equal(t, []string{w2.ID}, workerIDs(t, store, a), "the most recently active worker stays warm")
		clock.Advance(600*time.Second - time.Minute)
		s.autoscale(ctx)
		require.Empty(t, workerIDs(t, store, a), "after the sync idle time it goes too")
	})
}

func TestPoolStatefulActorHasExactlyOneWorker(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(t0)
		s := newTestLocal(t, store, runtimes.Unavailable{}, clock, Options{})
		a := readyActor("stateful", false)
		require.NoError(t, store.ActorCreate(ctx, a))
		require.NoError(t, s.ensureWorker(ctx, a))
		first := workerIDs(t, store, a)
		require.Len(t, first, 1)

		w := s.takeWorker(ctx, a)
		require.NotNil(t, w)
		require.Nil(t, s.takeWorker(ctx, a), "a stateful actor never runs two executions at once")
		s.releaseWorker(ctx, a, w)
		clock.Advance(24 * time.Hour)
		s.autoscale(ctx)
		require.Equal(t, first, workerIDs(t, store, a), "never scaled down")

		// A stopped worker is replaced by the next pass.
		require.NoError(t, s.StopWorker(ctx, a.Tenant, a.ID, first[0]))
		require.Empty(t, workerIDs(t, store, a))
		s.autoscale(ctx)
		again := workerIDs(t, store, a)
		require.Len(t, again, 1)
		require.NotEqual(t, first, again)

		// A new image replaces the worker; the busy one finishes first.
		w = s.takeWorker(ctx, a)
		a.Revision, a.Image, a.Status = 2, "img:2", abaco.ActorSubmitted
		require.NoError(t, store.ActorUpdate(ctx, a))
		s.autoscale(ctx)
		require.Equal(t, again, workerIDs(t, store, a), "busy: kept while its execution runs")
		s.releaseWorker(ctx, a, w)
		require.Empty(t, workerIDs(t, store, a), "an old-revision worker retires when its execution ends")
		a.Status = abaco.ActorReady
		require.NoError(t, store.ActorUpdate(ctx, a))
		s.autoscale(ctx)
		ws, err := store.WorkerList(ctx, a.Tenant, a.ID)
		require.NoError(t, err)
		require.Len(t, ws, 1)
		require.Equal(t, "img:2", ws[0].Image)
		require.Equal(t, 2, ws[0].Revision)
	})
}

func TestStopBusyWorkerAfterItsExecution(t *testing.T) {
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		s := newTestLocal(t, store, runtimes.Unavailable{}, newFakeClock(t0), Options{})
		a := readyActor("stop", true)
		require.NoError(t, store.ActorCreate(ctx, a))
		w := s.takeWorker(ctx, a)
		require.NoError(t, s.StopWorker(ctx, a.Tenant, a.ID, w.ID))
		got, err := store.WorkerGet(ctx, a.Tenant, a.ID, w.ID)
		require.NoError(t, err)
		require.Equal(t, abaco.WorkerShuttingDown, got.Status)
		s.releaseWorker(ctx, a, w)
		require.Empty(t, workerIDs(t, store, a))

		created, before, err := s.AddWorkers(ctx, a, 2)
		require.NoError(t, err)
		require.Equal(t, [2]int{2, 0}, [2]int{created, before})
		created, before, err = s.AddWorkers(ctx, a, 2)
		require.NoError(t, err)
		require.Equal(t, [2]int{0, 2}, [2]int{created, before})
	})
}

// TestRescue covers executions whose worker vanished, against a real
// Docker engine (their containers do not exist).
func TestRescue(t *testing.T) {
	testenv.RequireDocker(t)
	rt, err := docker.New(docker.Options{})
	require.NoError(t, err)
	require.NoError(t, rt.Ping(t.Context()), "as serve does before sharing the runtime")
	forEachStore(t, func(t *testing.T, store *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(time.Now().UTC().Truncate(time.Millisecond))
		var mu sync.Mutex
		finished := map[string]int{}
		s := newTestLocal(t, store, rt, clock, Options{OnFinished: func(status string, _ time.Duration) {
			mu.Lock()
			finished[status]++
			mu.Unlock()
		}})
		a := readyActor(abaco.NewID(), true)
		require.NoError(t, store.ActorCreate(ctx, a))
		exec := func(worker string, running bool) *abaco.Execution {
			e := &abaco.Execution{Tenant: a.Tenant, ID: abaco.NewID(), ActorID: a.ID, Executor: "alice",
				Username: "alice", Status: abaco.ExecSubmitted, Message: []byte("m"),
				ContentType: abaco.ContentString, MessageReceivedTime: clock.Now()}
			require.NoError(t, store.ExecutionCreate(ctx, e))
			got, err := store.ExecutionClaimMany(ctx, []abaco.ExecutionClaimParams{{Tenant: a.Tenant, ActorID: a.ID, WorkerID: worker}})
			require.NoError(t, err)
			require.NotNil(t, got[0])
			if running {
				n, err := store.ExecutionSetRunning(ctx, abaco.ExecutionSetRunningParams{ID: e.ID, WorkerID: worker, StartTime: clock.Now()})
				require.NoError(t, err)
				require.Equal(t, 1, n)
			}
			return e
		}
		never := exec("ghost-1", false)  // claimed by a worker that no longer exists
		lost := exec("ghost-2", true)    // RUNNING, its worker and container gone
		elsewhere := exec("other", true) // another server's live worker
		require.NoError(t, store.WorkerUpsert(ctx, &abaco.Worker{Tenant: a.Tenant, ActorID: a.ID, ID: "other",
			Status: abaco.WorkerBusy, HostID: "host-b", CreateTime: clock.Now(), LastHealthCheckTime: clock.Now()}))
		require.NoError(t, store.WorkerUpsert(ctx, &abaco.Worker{Tenant: a.Tenant, ActorID: a.ID, ID: "orphan",
			Status: abaco.WorkerReady, HostID: "host-a", CreateTime: clock.Now(), LastHealthCheckTime: clock.Now()}))
		held := s.takeWorker(ctx, a)
		s.releaseWorker(ctx, a, held)
		require.NoError(t, store.WorkerDelete(ctx, a.Tenant, a.ID, held.ID)) // behind our back

		for range 2 { // a second pass changes nothing: each is settled once
			s.rescue(ctx)
		}
		get := func(e *abaco.Execution) *abaco.Execution {
			got, err := store.ExecutionGet(ctx, a.Tenant, a.ID, e.ID)
			require.NoError(t, err)
			return got
		}
		got := get(never)
		require.Equal(t, abaco.ExecSubmitted, got.Status)
		require.Empty(t, got.WorkerID, "requeued")
		n, err := store.ExecutionCountPending(ctx, a.Tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got = get(lost)
		require.Equal(t, abaco.ExecError, got.Status)
		require.JSONEq(t, `{"unavailable": true}`, string(got.FinalState))
		require.Equal(t, abaco.ExecRunning, get(elsewhere).Status, "another server's execution is left alone")
		mu.Lock()
		require.Equal(t, map[string]int{abaco.ExecError: 1}, finished, "finalized exactly once")
		mu.Unlock()
		require.ElementsMatch(t, []string{"other", held.ID}, workerIDs(t, store, a),
			"the orphan record is gone and the held worker's record is back")

		// The other server stops checking in: its worker is declared gone
		// and its execution settled (no container: ERROR).
		clock.Advance(time.Hour)
		s.rescue(ctx)
		require.Equal(t, abaco.ExecError, get(elsewhere).Status)
		require.Equal(t, []string{held.ID}, workerIDs(t, store, a))
	})
}

// takeWorker reserves and marks BUSY one worker of a, as a dispatch pass
// does for one claim; nil when the actor is at its limit.
func (s *Local) takeWorker(ctx context.Context, a *abaco.Actor) *abaco.Worker {
	held := s.reserveWorkers(ctx, a, 1)
	if len(held) == 0 {
		return nil
	}
	s.claimed(held[0])
	return held[0].worker
}
