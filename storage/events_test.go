package storage

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// eventActor stores an actor with the given link and webhook.
func eventActor(t *testing.T, s *Store, id, link, webhook string) *abaco.Actor {
	t.Helper()
	a := newActor("t1", id)
	a.Link, a.Webhook = link, webhook
	require.NoError(t, s.ActorCreate(t.Context(), a))
	return a
}

func payloadOf(t *testing.T, d *abaco.EventDelivery) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(d.Payload, &m))
	return m
}

func TestEventsWrittenWithTheirCause(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := eventActor(t, s, "A", "B", "http://127.0.0.1:1/hook")
		quiet := eventActor(t, s, "Q", "", "")

		// A stale revision changes nothing and publishes nothing.
		ok, err := s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "A", Revision: 7,
			Status: abaco.ActorReady, Now: ms(1700000005000)})
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "A", Revision: 1,
			Status: abaco.ActorReady, Now: ms(1700000005000)})
		require.NoError(t, err)
		require.True(t, ok)
		// SUBMITTED publishes nothing.
		_, err = s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "A", Revision: 1,
			Status: abaco.ActorSubmitted, Now: ms(1700000005500)})
		require.NoError(t, err)
		_, err = s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "Q", Revision: 1,
			Status: abaco.ActorError, StatusMessage: "bad", Now: ms(1700000005000)})
		require.NoError(t, err)

		require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, "e1")))
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(quiet, "q1")))
		finish := abaco.ExecutionFinishParams{ID: "e1", Status: abaco.ExecComplete,
			FinishTime: ms(1700000006123), ExitCode: ptr(3)}
		ok, err = s.ExecutionFinish(ctx, finish)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = s.ExecutionFinish(ctx, finish) // already final: no second event
		require.NoError(t, err)
		require.False(t, ok)
		_, err = s.ExecutionFinish(ctx, abaco.ExecutionFinishParams{ID: "q1", Status: abaco.ExecComplete, FinishTime: ms(1700000006000)})
		require.NoError(t, err)

		quietEvents, err := s.EventList(ctx, "t1", "Q")
		require.NoError(t, err)
		require.Empty(t, quietEvents, "an actor without link or webhook publishes nothing")

		ds, err := s.EventList(ctx, "t1", "A")
		require.NoError(t, err)
		require.Len(t, ds, 4)
		kinds := []string{ds[0].TargetKind, ds[1].TargetKind, ds[2].TargetKind, ds[3].TargetKind}
		require.Equal(t, []string{"link", "webhook", "link", "webhook"}, kinds)
		require.Equal(t, "B", ds[0].Target)
		require.Equal(t, "http://127.0.0.1:1/hook", ds[1].Target)
		for _, d := range ds {
			require.Equal(t, abaco.DeliveryPending, d.Status)
		}
		require.Equal(t, map[string]any{
			"status_message": "", "tenant_id": "t1", "event_type": "ACTOR_READY",
			"event_time_utc": "2023-11-14T22:13:25.000Z", "event_time_display": "2023-11-14T22:13:25.000Z",
			"actor_id": "A", "actor_dbid": "t1_A", "_abaco_link": "B", "_abaco_webhook": "http://127.0.0.1:1/hook",
		}, payloadOf(t, ds[0]))
		done := payloadOf(t, ds[2])
		require.Equal(t, "EXECUTION_COMPLETE", done["event_type"])
		require.Equal(t, "e1", done["execution_id"])
		require.Equal(t, "COMPLETE", done["status"])
		require.Equal(t, float64(3), done["exit_code"])
		require.Equal(t, "2023-11-14T22:13:26.123Z", done["event_time_utc"])
	})
}

func TestEventQueuesProgressIndependently(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		eventActor(t, s, "A", "", "http://a")
		eventActor(t, s, "B", "", "http://b")
		for _, id := range []string{"A", "B", "A"} {
			_, err := s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: id, Revision: 1,
				Status: abaco.ActorReady, Now: ms(1000)})
			require.NoError(t, err)
		}
		now := ms(2000)
		due, err := s.EventListDue(ctx, now, 10)
		require.NoError(t, err)
		require.Len(t, due, 2, "one head per actor queue")
		require.Equal(t, "A", due[0].ActorID)
		require.Equal(t, "B", due[1].ActorID)
		headA := due[0]

		// A's head is leased: it is not due, and A's second event waits behind it.
		ok, err := s.EventClaim(ctx, headA.Seq, now, now.Add(time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = s.EventClaim(ctx, headA.Seq, now, now.Add(time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "a leased delivery cannot be claimed twice")
		due, err = s.EventListDue(ctx, now, 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		require.Equal(t, "B", due[0].ActorID, "a stuck queue does not hold back another actor's")

		require.NoError(t, s.EventSetRetry(ctx, headA.Seq, now.Add(10*time.Second), "connection refused"))
		due, err = s.EventListDue(ctx, now.Add(10*time.Second), 10)
		require.NoError(t, err)
		require.Len(t, due, 2)
		require.Equal(t, headA.Seq, due[0].Seq, "a retried delivery stays the head of its queue")
		require.Equal(t, 1, due[0].Attempts)
		require.Equal(t, "connection refused", due[0].LastError)

		require.NoError(t, s.EventSetDelivered(ctx, headA.Seq, now))
		due, err = s.EventListDue(ctx, now, 10)
		require.NoError(t, err)
		require.Len(t, due, 2)
		require.Equal(t, []string{"B", "A"}, []string{due[0].ActorID, due[1].ActorID}, "A's next event is its new head")
		require.Greater(t, due[1].Seq, headA.Seq)

		require.NoError(t, s.EventSetFailed(ctx, due[1].Seq, now, "gave up"))
		ds, err := s.EventList(ctx, "t1", "A")
		require.NoError(t, err)
		require.Equal(t, abaco.DeliveryDelivered, ds[0].Status)
		require.Equal(t, abaco.DeliveryFailed, ds[1].Status)
		require.Equal(t, now, ds[1].FinishedAt)

		n, err := s.EventDeleteFinished(ctx, now.Add(time.Millisecond), 10)
		require.NoError(t, err)
		require.Equal(t, 2, n)
	})
}

func TestEventDeliverLinkExactlyOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		eventActor(t, s, "A", "B", "")
		b := eventActor(t, s, "B", "", "")
		_, err := s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "A", Revision: 1,
			Status: abaco.ActorReady, Now: ms(1000)})
		require.NoError(t, err)
		ds, err := s.EventList(ctx, "t1", "A")
		require.NoError(t, err)
		require.Len(t, ds, 1)

		// The linked actor is gone: nothing is written, the delivery stays pending.
		gone := &abaco.Actor{Tenant: "t1", ID: "Z", Revision: 1}
		_, err = s.EventDeliverLink(ctx, ds[0].Seq, abaco.NewEventExecution(gone, ds[0].Payload, "", ms(2000)), ms(2000))
		require.ErrorIs(t, err, abaco.ErrNotFound)
		after, err := s.EventList(ctx, "t1", "A")
		require.NoError(t, err)
		require.Equal(t, abaco.DeliveryPending, after[0].Status)

		e := abaco.NewEventExecution(b, ds[0].Payload, "http://api", ms(2000))
		ok, err := s.EventDeliverLink(ctx, ds[0].Seq, e, ms(2000))
		require.NoError(t, err)
		require.True(t, ok)
		again := abaco.NewEventExecution(b, ds[0].Payload, "http://api", ms(2000))
		ok, err = s.EventDeliverLink(ctx, ds[0].Seq, again, ms(2000))
		require.NoError(t, err)
		require.False(t, ok, "a delivered event is never delivered again")

		sum, err := s.ExecutionSummary(ctx, "t1", "B")
		require.NoError(t, err)
		require.Equal(t, 1, sum.TotalExecutions)
		got, err := s.ExecutionGet(ctx, "t1", "B", e.ID)
		require.NoError(t, err)
		require.Equal(t, "Abaco Event", got.Executor)
		require.Equal(t, "application/json", got.Env["_abaco_Content_Type"])
		require.Equal(t, "Abaco Event", got.Env["_abaco_username"])
		require.JSONEq(t, string(ds[0].Payload), string(got.Message))
	})
}

func TestActorCronAdvance(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := newActor("t1", "C")
		a.CronSchedule, a.CronNextEx = ptr("2030-1-1 5 + 1 hour"), ptr("2030-1-1 5")
		require.NoError(t, s.ActorCreate(ctx, a))
		noCron := newActor("t1", "N")
		noCron.CronSchedule, noCron.CronNextEx = nil, nil
		require.NoError(t, s.ActorCreate(ctx, noCron))

		as, err := s.ActorListCron(ctx)
		require.NoError(t, err)
		require.Len(t, as, 1)
		require.Equal(t, "C", as[0].ID)

		e := abaco.NewCronExecution(a, "http://api", ms(3000))
		ok, err := s.ActorCronAdvance(ctx, abaco.ActorCronAdvanceParams{Tenant: "t1", ActorID: "C",
			From: "2030-1-1 5", To: "2030-1-1 6", Execution: e})
		require.NoError(t, err)
		require.True(t, ok)
		// A second loop that read the old value loses: the hour fires once.
		ok, err = s.ActorCronAdvance(ctx, abaco.ActorCronAdvanceParams{Tenant: "t1", ActorID: "C",
			From: "2030-1-1 5", To: "2030-1-1 6", Execution: abaco.NewCronExecution(a, "", ms(3000))})
		require.NoError(t, err)
		require.False(t, ok)

		got, err := s.ActorGet(ctx, "t1", "C")
		require.NoError(t, err)
		require.Equal(t, "2030-1-1 6", *got.CronNextEx)
		sum, err := s.ExecutionSummary(ctx, "t1", "C")
		require.NoError(t, err)
		require.Equal(t, 1, sum.TotalExecutions)
		x, err := s.ExecutionGet(ctx, "t1", "C", e.ID)
		require.NoError(t, err)
		require.Equal(t, "cron", x.Executor)
		require.Equal(t, "This is your cron execution", string(x.Message))
		require.Equal(t, "str", x.Env["_abaco_Content_Type"])
	})
}
