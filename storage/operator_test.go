package storage

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestWorkerListAll(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		ws := []*abaco.Worker{
			{Tenant: "t2", ActorID: "a", ID: "w3", Status: abaco.WorkerBusy, CreateTime: ms(3000)},
			{Tenant: "t1", ActorID: "a", ID: "w1", Status: abaco.WorkerReady, CreateTime: ms(1000)},
			{Tenant: "t1", ActorID: "b", ID: "w2", Status: abaco.WorkerReady, CreateTime: ms(2000)},
		}
		for _, w := range ws {
			require.NoError(t, s.WorkerUpsert(ctx, w))
		}
		all, err := s.WorkerListAll(ctx)
		require.NoError(t, err)
		require.Equal(t, []*abaco.Worker{ws[1], ws[2], ws[0]}, all, "every tenant, oldest first")

		ok, err := s.WorkerTouch(ctx, "t1", "a", "w1", ms(9000))
		require.NoError(t, err)
		require.True(t, ok)
		got, err := s.WorkerGet(ctx, "t1", "a", "w1")
		require.NoError(t, err)
		want := *ws[1]
		want.LastHealthCheckTime = ms(9000)
		require.Equal(t, &want, got, "only the health-check time changes")
		ok, err = s.WorkerTouch(ctx, "t2", "a", "w1", ms(9000))
		require.NoError(t, err)
		require.False(t, ok)
	})
}

func TestExecutionQueueDepths(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a, b := newActor("t1", "a"), newActor("t1", "b")
		for _, x := range []*abaco.Actor{a, b} {
			require.NoError(t, s.ActorCreate(ctx, x))
		}
		for _, id := range []string{"e1", "e2", "e3"} {
			require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, id)))
		}
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(b, "e4")))
		// A claimed execution no longer waits in the queue.
		_, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "b", WorkerID: "w"})
		require.NoError(t, err)

		depths, err := s.ExecutionQueueDepths(ctx)
		require.NoError(t, err)
		require.Equal(t, []abaco.QueueDepth{{Tenant: "t1", ActorID: "a", Pending: 3}}, depths)
	})
}
