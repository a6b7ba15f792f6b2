package storage

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestExecutionExecutorIDs(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, "e1")))

		uid, gid, err := s.ExecutionExecutorIDs(ctx, "e1")
		require.NoError(t, err)
		require.Nil(t, uid)
		require.Nil(t, gid)

		require.NoError(t, s.ExecutionSetExecutorIDs(ctx, "e1", 20002, 30002))
		uid, gid, err = s.ExecutionExecutorIDs(ctx, "e1")
		require.NoError(t, err)
		require.Equal(t, 20002, *uid)
		require.Equal(t, 30002, *gid)

		require.ErrorIs(t, s.ExecutionSetExecutorIDs(ctx, "nope", 1, 1), abaco.ErrNotFound)
		_, _, err = s.ExecutionExecutorIDs(ctx, "nope")
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}
