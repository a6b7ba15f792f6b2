package scheduler

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// readCounting tells the test about every read of an execution.
type readCounting struct {
	abaco.Store
	reads chan string
}

func (s readCounting) ExecutionGet(ctx context.Context, tenant, actorID, id string) (*abaco.Execution, error) {
	e, err := s.Store.ExecutionGet(ctx, tenant, actorID, id)
	s.reads <- id // once read, so that the test knows what the waiter saw
	return e, err
}

// A waiter woken by the run that finalized the execution returns without
// reading it again; any other wake-up makes it read the store.
func TestWaitFinishedTrustsTheFinalizer(t *testing.T) {
	t.Parallel()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "abaco.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(t.Context()))
	store := readCounting{Store: st, reads: make(chan string, 10)}
	s := newTestLocal(t, store, nil, newFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Options{})
	a := storeActor(t, st, "waited", nil)
	queue := func() *abaco.Execution {
		e := &abaco.Execution{Tenant: a.Tenant, ID: abaco.NewID(), ActorID: a.ID, Status: abaco.ExecSubmitted,
			ContentType: abaco.ContentString, Env: map[string]string{}, MessageReceivedTime: time.Now().UTC()}
		require.NoError(t, st.ExecutionCreate(t.Context(), e))
		return e
	}
	wait := func(e *abaco.Execution) chan error {
		done := make(chan error, 1)
		go func() { done <- s.WaitFinished(t.Context(), e) }()
		require.Equal(t, e.ID, <-store.reads, "the first read")
		return done
	}

	e := queue()
	done := wait(e)
	s.notifyFinished(e.ID, true)
	require.NoError(t, <-done)
	require.Empty(t, store.reads, "no second read")

	e = queue()
	done = wait(e)
	s.notifyFinished(e.ID, false)
	require.Equal(t, e.ID, <-store.reads, "read again: not finished yet, so it waits on")
	now := time.Now().UTC()
	_, err = st.ExecutionFinish(t.Context(), abaco.ExecutionFinishParams{ID: e.ID, Status: abaco.ExecComplete, StartTime: now, FinishTime: now})
	require.NoError(t, err)
	s.notifyFinished(e.ID, false)
	require.Equal(t, e.ID, <-store.reads)
	require.NoError(t, <-done)
}
