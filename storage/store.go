// Package storage implements abaco.Store over SQLite (the embedded default)
// and PostgreSQL (production), with one code base: every query is written
// once with ? placeholders and rebound for the dialect when the store opens.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/abaco-hpc/abaco"
)

// Dialects returned by Store.Dialect.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is an abaco.Store backed by SQLite or PostgreSQL.
type Store struct {
	db           *sqlx.DB // reads (and, on PostgreSQL, writes)
	w            *sqlx.DB // writes: on SQLite one connection (see openWriter)
	dialect      string
	dsn          string         // as opened (WatchQueue opens its own connection)
	id           string         // tells this store's queue notifications from others' (notify.go)
	queueChannel string         // PostgreSQL: the notification channel of this schema's queue (notify.go)
	queries      []string       // queryText rebound for the dialect, indexed by query
	inserts      *inserter      // group commit of ExecutionCreate (batch.go)
	finishes     *finisher      // batched finishes on PostgreSQL (finishbatch.go)
	group        *grouper       // group commit of the scheduler's writes (group.go)
	reads        *stmtCache     // prepared statements on db (stmts.go)
	writes       *stmtCache     // prepared statements on w
	keyed        *sqlx.DB       // PostgreSQL: connections that never scan a table (pool.go)
	keyedStmts   *stmtCache     // prepared statements on keyed
	notifier     *queueNotifier // PostgreSQL: notifies other servers of inserts (notify.go)
	logsInTable  bool           // tests: log searches read the table itself, as before migration 0013
	gate         readGate       // bounds the short reads of readRows and readRow (gate.go)
}

var _ abaco.Store = (*Store)(nil)

// sqlitePragmas are applied to every SQLite connection as it opens. busy_timeout
// comes first so the others wait for a lock instead of failing; synchronous=FULL
// makes an acknowledged message survive a power loss even in WAL mode; immediate
// transactions take the write lock at BEGIN so they never fail on lock upgrade.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Open connects to database: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file path (an optional "sqlite:"
// prefix is stripped) whose directory is created if needed. It does not
// migrate; call Migrate.
func Open(ctx context.Context, database string) (*Store, error) {
	dialect, driver, dsn := SQLite, "sqlite", strings.TrimPrefix(database, "sqlite:")
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		dialect, driver, dsn = Postgres, "postgres", withOneRoundTrip(database)
	} else {
		if !strings.HasPrefix(dsn, "file:") { // a URI names its file its own way
			if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
				return nil, fmt.Errorf("open store: %w", err)
			}
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + sqlitePragmas
	}
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", dialect, err)
	}
	configurePool(db)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s store: %w", dialect, err)
	}
	s := &Store{db: db, w: db, dialect: dialect, dsn: dsn, id: abaco.NewID(), queries: make([]string, len(queryText)), gate: newReadGate(dialect)}
	if dialect == SQLite {
		if s.w, err = openWriter(ctx, dsn); err != nil {
			db.Close()
			return nil, err
		}
	}
	for i, q := range queryText {
		if dialect == Postgres {
			s.queries[i] = sqlx.Rebind(sqlx.DOLLAR, q.postgres)
		} else {
			s.queries[i] = q.sqlite
		}
	}
	if dialect == Postgres {
		var schema string
		if err := db.GetContext(ctx, &schema, `SELECT COALESCE(current_schema(), '')`); err != nil {
			db.Close()
			return nil, fmt.Errorf("read the schema: %w", err)
		}
		s.queueChannel = queueChannelOf(schema)
		if s.keyed, err = openKeyed(ctx, dsn); err != nil {
			db.Close()
			return nil, err
		}
		s.keyedStmts = newStmtCache(s.keyed)
		s.notifier = newQueueNotifier(s)
	}
	s.reads, s.writes = newStmtCache(s.db), newStmtCache(s.w)
	s.inserts = newInserter(s)
	s.finishes = newFinisher(s)
	s.group = newGrouper(s)
	return s, nil
}

// openWriter opens SQLite's write handle: a pool of one connection. SQLite
// has one writer at a time whatever the pool, and a writer that finds the
// lock taken sleeps in the busy handler (1, 2, 5, 10… ms) before it looks
// again; queueing for the one connection in database/sql instead hands the
// lock over the moment it is free. Readers keep the other pool: in WAL mode
// they never wait for the writer.
func openWriter(ctx context.Context, dsn string) (*sqlx.DB, error) {
	w, err := sqlx.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	return w, nil
}

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	s.group.close()
	s.inserts.close()
	s.notifier.close()
	s.finishes.close()
	s.reads.close()
	s.writes.close()
	if s.keyed != nil {
		s.keyedStmts.close()
		s.keyed.Close()
	}
	if s.w != s.db {
		s.w.Close()
	}
	return s.db.Close()
}

// errStoreClosed is returned by writes after Close.
var errStoreClosed = errors.New("store closed")

// A query is the index of one SQL statement in queryText. Queries are
// declared next to the method that runs them and rebound once, at Open.
type query int

var queryText []struct{ sqlite, postgres string }

// newQuery declares a statement that is the same in both dialects.
func newQuery(sql string) query { return newDialectQuery(sql, sql) }

// newDialectQuery declares a statement whose text differs by dialect; the
// placeholders must come in the same order in both.
func newDialectQuery(sqlite, postgres string) query {
	queryText = append(queryText, struct{ sqlite, postgres string }{sqlite, postgres})
	return query(len(queryText) - 1)
}

// sql returns q's text for the store's dialect.
func (s *Store) sql(q query) string { return s.queries[q] }

// inTx runs fn in a transaction, committing if it returns nil. On SQLite the
// transaction takes the write lock at BEGIN (_txlock=immediate).
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if errors.Is(err, errRollback) {
			return nil
		}
		return err
	}
	return tx.Commit()
}

// errRollback, returned by an inTx function, rolls the transaction back
// without making inTx fail.
var errRollback = errors.New("rollback")

// notFound turns sql.ErrNoRows into abaco.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return abaco.ErrNotFound
	}
	return err
}

// affected returns the number of rows a statement changed.
func affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// isForeignKeyViolation reports whether err says a referenced row is missing.
func isForeignKeyViolation(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == pqerror.ForeignKeyViolation
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
