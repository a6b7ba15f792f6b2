package scheduler

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/runtimes/noop"
	"github.com/abaco-hpc/abaco/storage"
)

// A message queued through another server's store (no Enqueued call here,
// and no periodic sweep in the test's lifetime) is run: on PostgreSQL the
// insert's notification wakes this scheduler.
func TestMessageFromAnotherServerWakesTheScheduler(t *testing.T) {
	ctx := t.Context()
	url := testenv.PostgresURL(t)
	open := func() *storage.Store {
		s, err := storage.Open(ctx, url)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	here, there := open(), open()
	require.NoError(t, here.Migrate(ctx))

	sched, err := NewLocal(here, noop.New(), nil, abaco.DefaultConfig(),
		Options{RunDir: t.TempDir(), HostID: "here", SweepInterval: time.Hour,
			Pool: PoolOptions{AutoscaleInterval: time.Hour, HealthInterval: time.Hour}}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	a := storeActor(t, here, "notified", func(a *abaco.Actor) { a.Status = abaco.ActorReady })
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sched.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })

	queue := func(s *storage.Store) string {
		e := &abaco.Execution{Tenant: a.Tenant, ActorID: a.ID, ID: abaco.NewID(), Status: abaco.ExecSubmitted,
			Message: []byte("hi"), ContentType: abaco.ContentString, MessageReceivedTime: time.Now(), Env: map[string]string{}}
		require.NoError(t, s.ExecutionCreate(ctx, e))
		return e.ID
	}
	complete := func(id string) func() bool {
		return func() bool {
			got, err := here.ExecutionGet(ctx, a.Tenant, a.ID, id)
			return err == nil && got.Status == abaco.ExecComplete
		}
	}
	// A first message, told to this scheduler: it is running its loop.
	first := queue(here)
	sched.Enqueued(a.Tenant, a.ID)
	require.Eventually(t, complete(first), 30*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // the pass its worker's release started is over

	second := queue(there)
	require.Eventually(t, complete(second), 30*time.Second, 20*time.Millisecond,
		"run without a sweep or a local wake-up: woken by the notification")
}
