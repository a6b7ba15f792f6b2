package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

func TestCronFiresAtTheRightHour(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		clock := newFakeClock(time.Date(2030, 1, 1, 4, 59, 59, 0, time.UTC))
		on := storeActor(t, s, "ON", func(a *abaco.Actor) {
			a.CronSchedule, a.CronNextEx, a.CronOn = ptrTo("2030-01-01 05 + 1 hour"), ptrTo("2030-01-01 05"), true
		})
		off := storeActor(t, s, "OFF", func(a *abaco.Actor) {
			a.CronSchedule, a.CronNextEx, a.CronOn = ptrTo("2030-01-01 05 + 2 hours"), ptrTo("2030-01-01 05"), false
		})
		storeActor(t, s, "NONE", nil)
		var notified []string
		c := NewCron(s, clock, time.Hour, "http://api", func(_, id string) { notified = append(notified, id) }, nil)
		executions := func(id string) []*abaco.Execution {
			sum, err := s.ExecutionSummary(ctx, "t1", id)
			require.NoError(t, err)
			return sum.Executions
		}
		nextEx := func(id string) string {
			a, err := s.ActorGet(ctx, "t1", id)
			require.NoError(t, err)
			return *a.CronNextEx
		}

		c.tick(ctx)
		require.Empty(t, executions(on.ID), "not before the hour")
		require.Equal(t, "2030-01-01 05", nextEx(on.ID))

		clock.Set(time.Date(2030, 1, 1, 5, 0, 10, 0, time.UTC))
		c.tick(ctx)
		c.tick(ctx) // the same hour fires once
		require.Len(t, executions(on.ID), 1)
		require.Equal(t, "2030-1-1 6", nextEx(on.ID))
		e, err := s.ExecutionGet(ctx, "t1", on.ID, executions(on.ID)[0].ID)
		require.NoError(t, err)
		require.Equal(t, "cron", e.Executor)
		require.Equal(t, "This is your cron execution", string(e.Message))
		require.Equal(t, "str", e.Env["_abaco_Content_Type"])
		require.Equal(t, "1", e.Env["_abaco_actor_revision"])
		require.Equal(t, "http://api", e.APIServer)
		require.Equal(t, abaco.ExecSubmitted, e.Status)
		require.Equal(t, []string{on.ID}, notified)
		// cron_on off: no execution, but cron_next_ex still advances.
		require.Empty(t, executions(off.ID))
		require.Equal(t, "2030-1-1 7", nextEx(off.ID))

		// The server was away for hours 6 and 7: catching up fires once, at 8.
		clock.Set(time.Date(2030, 1, 1, 8, 30, 0, 0, time.UTC))
		c.tick(ctx)
		require.Len(t, executions(on.ID), 2)
		require.Equal(t, "2030-1-1 9", nextEx(on.ID))
		// OFF's 7 moved to 9, which is still ahead.
		require.Equal(t, "2030-1-1 9", nextEx(off.ID))
		require.Empty(t, executions(off.ID))

		// Catching up that lands after now waits for that hour.
		clock.Set(time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC))
		c.tick(ctx)
		require.Equal(t, "2030-1-1 11", nextEx(off.ID))
		require.Len(t, executions(on.ID), 3)
	})
}

func ptrTo[T any](v T) *T { return &v }
