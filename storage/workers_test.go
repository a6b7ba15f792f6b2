package storage

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestWorkers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		w2 := &abaco.Worker{Tenant: "t1", ActorID: "a", ID: "w2", Status: abaco.WorkerRequested,
			Image: "img", Revision: 1, CreateTime: ms(2000)}
		w1 := &abaco.Worker{Tenant: "t1", ActorID: "a", ID: "w1", Status: abaco.WorkerReady,
			Image: "img", Revision: 1, Location: "unix:///var/run/docker.sock", HostID: "h1",
			CreateTime: ms(1000), LastExecutionTime: ms(1100), LastHealthCheckTime: ms(1200)}
		for _, w := range []*abaco.Worker{w2, w1,
			{Tenant: "t2", ActorID: "a", ID: "w9"}, {Tenant: "t1", ActorID: "b", ID: "w8"}} {
			require.NoError(t, s.WorkerUpsert(ctx, w))
		}

		got, err := s.WorkerGet(ctx, "t1", "a", "w1")
		require.NoError(t, err)
		require.Equal(t, w1, got)
		_, err = s.WorkerGet(ctx, "t2", "a", "w1")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		list, err := s.WorkerList(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, []*abaco.Worker{w1, w2}, list, "oldest first")

		// Upsert replaces.
		w2.Status, w2.Revision, w2.LastHealthCheckTime = abaco.WorkerBusy, 2, ms(3000)
		require.NoError(t, s.WorkerUpsert(ctx, w2))
		got, err = s.WorkerGet(ctx, "t1", "a", "w2")
		require.NoError(t, err)
		require.Equal(t, w2, got)

		require.NoError(t, s.WorkerDelete(ctx, "t1", "a", "w1"))
		require.ErrorIs(t, s.WorkerDelete(ctx, "t1", "a", "w1"), abaco.ErrNotFound)
		list, err = s.WorkerList(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, []*abaco.Worker{w2}, list)
	})
}
