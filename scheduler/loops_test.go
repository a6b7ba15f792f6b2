package scheduler

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/storage"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// forEachStore runs fn against a fresh, migrated SQLite store and a fresh,
// migrated PostgreSQL store, in parallel subtests.
func forEachStore(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	for _, dialect := range []string{storage.SQLite, storage.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			database := filepath.Join(t.TempDir(), "abaco.db")
			if dialect == storage.Postgres {
				database = testenv.PostgresURL(t)
			}
			s, err := storage.Open(t.Context(), database)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			require.NoError(t, s.Migrate(t.Context()))
			fn(t, s)
		})
	}
}

// storeActor stores a READY actor of tenant t1.
// storeActor stores an actor named name with a real id (links tell ids
// from aliases by their form).
func storeActor(t *testing.T, s abaco.Store, name string, edit func(a *abaco.Actor)) *abaco.Actor {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &abaco.Actor{
		Tenant: "t1", ID: abaco.NewID(), Name: &name, Owner: "alice", Image: "abacosamples/test", Stateless: true,
		Type: "none", Hints: []string{}, DefaultEnvironment: map[string]string{}, Queue: "default",
		Revision: 1, Status: abaco.ActorSubmitted, State: []byte("{}"), CreateTime: now, LastUpdateTime: now,
	}
	if edit != nil {
		edit(a)
	}
	require.NoError(t, s.ActorCreate(t.Context(), a))
	return a
}
