package retention

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/storage"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func open(t *testing.T, database string) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), database)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()))
	return s
}

// seed stores n executions with a log and a result each, expiring one
// second apart from t0+1s on, and returns their ids.
func seed(t *testing.T, s *storage.Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	a := &abaco.Actor{Tenant: "dev", ID: "a", Owner: "alice", Image: "img", Revision: 1,
		Status: abaco.ActorReady, Queue: "default", Type: "none"}
	require.NoError(t, s.ActorCreate(ctx, a))
	var ids []string
	for i := range n {
		e := &abaco.Execution{Tenant: "dev", ID: fmt.Sprintf("e%d", i), ActorID: "a", Executor: "alice",
			Username: "alice", Status: abaco.ExecSubmitted, Message: []byte("m"),
			ContentType: abaco.ContentString, MessageReceivedTime: t0}
		require.NoError(t, s.ExecutionCreate(ctx, e))
		exp := t0.Add(time.Duration(i+1) * time.Second)
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: e.ID, Tenant: "dev", ActorID: "a", Text: "log", ExpiresAt: exp}))
		require.NoError(t, s.ResultPush(ctx, e.ID, []byte("r"), exp))
		ids = append(ids, e.ID)
	}
	return ids
}

// countLogs counts the stored logs of the executions, expired or not.
func countLogs(t *testing.T, s *storage.Store, ids []string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		if _, err := s.LogGet(context.Background(), id); err == nil {
			n++
		} else {
			require.ErrorIs(t, err, abaco.ErrNotFound)
		}
	}
	return n
}

func TestSweepDeletesExpiredInBatches(t *testing.T) {
	for _, dialect := range []string{storage.SQLite, storage.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			database := filepath.Join(t.TempDir(), "abaco.db")
			if dialect == storage.Postgres {
				database = testenv.PostgresURL(t)
			}
			s := open(t, database)
			defer s.Close()
			ids := seed(t, s, 7)
			clock := &fixedClock{now: t0}
			sw := &Sweeper{Store: s, Clock: clock, Batch: 2, Log: slog.New(slog.DiscardHandler)}

			logs, results, err := sw.Sweep(t.Context())
			require.NoError(t, err)
			require.Equal(t, [2]int{0, 0}, [2]int{logs, results}, "nothing expired yet")

			clock.set(t0.Add(5 * time.Second)) // five expired, in three batches of at most two
			logs, results, err = sw.Sweep(t.Context())
			require.NoError(t, err)
			require.Equal(t, [2]int{5, 5}, [2]int{logs, results})

			clock.set(t0.Add(time.Hour))
			logs, results, err = sw.Sweep(t.Context())
			require.NoError(t, err)
			require.Equal(t, [2]int{2, 2}, [2]int{logs, results})
			require.Zero(t, countLogs(t, s, ids))
		})
	}
}

// TestRunSweepsEveryInterval runs the loop in a synctest bubble: its ticker
// follows the bubble's fake time, so the test does not sleep.
func TestRunSweepsEveryInterval(t *testing.T) {
	database := filepath.Join(t.TempDir(), "abaco.db")
	synctest.Test(t, func(t *testing.T) {
		s := open(t, database)
		defer s.Close()
		ids := seed(t, s, 3)
		clock := &fixedClock{now: t0}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&Sweeper{Store: s, Clock: clock, Interval: time.Minute, Log: slog.New(slog.DiscardHandler)}).Run(ctx)
		}()

		clock.set(t0.Add(2 * time.Second)) // two have expired, but no tick yet
		time.Sleep(59 * time.Second)
		synctest.Wait()
		require.Equal(t, 3, countLogs(t, s, ids), "no sweep before the first interval")
		time.Sleep(time.Second)
		synctest.Wait()
		require.Equal(t, 1, countLogs(t, s, ids), "swept at the first tick")
		clock.set(t0.Add(time.Hour))
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Zero(t, countLogs(t, s, ids), "and at the next")
		cancel()
		<-done
	})
}
