package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// Concurrent creates are coalesced into batches; every one is committed
// and readable when its call returns.
func TestExecutionCreateConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("e%03d", i)
				if errs[i] = s.ExecutionCreate(ctx, newExecution(a, id)); errs[i] == nil {
					_, errs[i] = s.ExecutionGet(ctx, "t1", "a", id)
				}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "execution %d", i)
		}
		pending, err := s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, n, pending)
	})
}

// A batch with one bad row (its actor does not exist) commits the others
// and fails only that row's caller, with the error a lone insert gives.
func TestExecutionCreateBatchWithBadRow(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		ghost := newActor("t1", "ghost")
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		var batch []*insertRequest
		for i, e := range []*abaco.Execution{newExecution(a, "e1"), newExecution(ghost, "e2"), newExecution(a, "e3"), newExecution(a, "e4")} {
			r, err := newExecutionRow(e)
			require.NoError(t, err)
			rctx := ctx
			if i == 3 {
				rctx = cancelled // its caller gave up: never written
			}
			batch = append(batch, newInsertRequest(rctx, r, ""))
		}
		s.inserts.commit(batch)
		require.NoError(t, <-batch[0].done)
		require.True(t, isForeignKeyViolation(<-batch[1].done))
		require.NoError(t, <-batch[2].done)
		require.ErrorIs(t, <-batch[3].done, context.Canceled)
		for id, want := range map[string]error{"e1": nil, "e3": nil, "e4": abaco.ErrNotFound} {
			_, err := s.ExecutionGet(ctx, "t1", "a", id)
			if want == nil {
				require.NoError(t, err, id)
			} else {
				require.ErrorIs(t, err, want, id)
			}
		}
	})
}

// Writes after Close fail instead of hanging or panicking.
func TestExecutionCreateAfterClose(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		a := createActor(t, s, "t1", "a")
		s.inserts.close()
		err := s.ExecutionCreate(t.Context(), newExecution(a, "e1"))
		require.ErrorIs(t, err, errStoreClosed)
		s.inserts = newInserter(s) // for the cleanup's Close
	})
}
