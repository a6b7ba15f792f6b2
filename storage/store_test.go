package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
)

// forEachStore runs fn against a fresh, migrated SQLite store and a fresh,
// migrated PostgreSQL store (its own schema), in parallel subtests.
func forEachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, dialect := range []string{SQLite, Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, databaseURL(t, dialect))
			require.NoError(t, s.Migrate(t.Context()))
			fn(t, s)
		})
	}
}

// databaseURL returns a fresh database of the dialect.
func databaseURL(t *testing.T, dialect string) string {
	if dialect == Postgres {
		return testenv.PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "abaco.db")
}

// openStore opens database and closes it when the test ends (before
// testenv drops the PostgreSQL schema, since cleanups run last-in first-out).
func openStore(t *testing.T, database string) *Store {
	t.Helper()
	s, err := Open(t.Context(), database)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// ms returns a time that survives the store's millisecond precision.
func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func ptr[T any](v T) *T { return &v }

// newActor returns an actor with every field set.
func newActor(tenant, id string) *abaco.Actor {
	return &abaco.Actor{
		Tenant: tenant, ID: id, Owner: "alice", Name: ptr("name-" + id), Image: "abacosamples/test",
		Description: "a test actor", Stateless: true, Privileged: true, Type: "none",
		Link: "other", Webhook: "http://hook", Token: ptr(false), Hints: []string{"sync", "x"},
		DefaultEnvironment: map[string]string{"K": "V", "EMPTY": ""}, MaxWorkers: ptr(3),
		MemLimit: ptr("2g"), MaxCPUs: ptr(int64(2000000000)), UseContainerUID: true,
		RunAsExecutor: true, Queue: "default", Revision: 1, Status: abaco.ActorReady,
		StatusMessage: "ok", State: json.RawMessage(`{"a":[1,2]}`), LogEx: ptr(3600),
		CronSchedule: ptr("2024-01-01 00 + 1 hour"), CronOn: true, CronNextEx: ptr("2024-01-01 01"),
		CreateTime: ms(1700000000123), LastUpdateTime: ms(1700000001456),
	}
}

// newExecution returns a SUBMITTED execution of a.
func newExecution(a *abaco.Actor, id string) *abaco.Execution {
	return &abaco.Execution{
		Tenant: a.Tenant, ID: id, ActorID: a.ID, Executor: "alice", Username: "alice",
		Status: abaco.ExecSubmitted, Message: []byte("hello " + id), ContentType: abaco.ContentString,
		Env: map[string]string{"_abaco_execution_id": id}, APIServer: "http://api",
		MessageReceivedTime: ms(1700000000000),
	}
}

// createActor stores a fresh actor and returns it.
func createActor(t *testing.T, s *Store, tenant, id string) *abaco.Actor {
	t.Helper()
	a := newActor(tenant, id)
	require.NoError(t, s.ActorCreate(t.Context(), a))
	return a
}

// createExecutions queues n executions of a, named prefix000, prefix001, ...
func createExecutions(t *testing.T, s *Store, a *abaco.Actor, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s%03d", prefix, i)
		require.NoError(t, s.ExecutionCreate(t.Context(), newExecution(a, ids[i])))
	}
	return ids
}

func TestMigrateTwice(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		require.NoError(t, s.Migrate(t.Context()))
		var n int
		require.NoError(t, s.db.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM schema_migrations`))
		ms, err := loadMigrations(s.Dialect())
		require.NoError(t, err)
		require.Equal(t, len(ms), n)
	})
}

func TestMigrateConcurrently(t *testing.T) {
	for _, dialect := range []string{SQLite, Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			database := databaseURL(t, dialect)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				s := openStore(t, database)
				wg.Go(func() { errs[i] = s.Migrate(context.Background()) })
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			s := openStore(t, database)
			require.Equal(t, dialect, s.Dialect())
			var n int
			require.NoError(t, s.db.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM schema_migrations`))
			all, err := loadMigrations(dialect)
			require.NoError(t, err)
			require.Equal(t, len(all), n, "each migration applied exactly once")
		})
	}
}

func TestOpenSQLiteCreatesDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "abaco.db")
	s := openStore(t, "sqlite:"+path)
	require.NoError(t, s.Migrate(t.Context()))
	require.Equal(t, SQLite, s.Dialect())
	_, err := os.Stat(path)
	require.NoError(t, err)

	// The connection settings the durability of the queue relies on.
	var mode string
	require.NoError(t, s.db.GetContext(t.Context(), &mode, `PRAGMA journal_mode`))
	require.Equal(t, "wal", mode)
	var sync, fk, busy int
	require.NoError(t, s.db.GetContext(t.Context(), &sync, `PRAGMA synchronous`))
	require.Equal(t, 2, sync) // FULL
	require.NoError(t, s.db.GetContext(t.Context(), &fk, `PRAGMA foreign_keys`))
	require.Equal(t, 1, fk)
	require.NoError(t, s.db.GetContext(t.Context(), &busy, `PRAGMA busy_timeout`))
	require.Equal(t, 10000, busy)
}
