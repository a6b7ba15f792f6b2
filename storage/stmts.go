package storage

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache keeps the prepared statements of one database handle, by
// their text. The hot statements (claims, finishes, worker records, the
// inbox) run thousands of times a second, and without it SQLite parses
// each one again every time: a quarter of the scheduler's CPU in the
// dispatch profile. database/sql prepares a cached statement once per
// connection, also when a transaction uses it (tx.Stmtx).
type stmtCache struct {
	db      *sqlx.DB
	mu      sync.Mutex
	m       map[string]*sqlx.Stmt
	warming map[string]bool
}

func newStmtCache(db *sqlx.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sqlx.Stmt{}, warming: map[string]bool{}}
}

// get returns the statement prepared for text, preparing it the first
// time. It takes a connection of the handle: never call it while holding
// one in a transaction (SQLite's writer has only one).
func (c *stmtCache) get(ctx context.Context, text string) (*sqlx.Stmt, error) {
	c.mu.Lock()
	st := c.m[text]
	c.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := c.db.PreparexContext(ctx, text)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[text]; old != nil {
		st.Close()
		return old, nil
	}
	c.m[text] = st
	return st, nil
}

// cached returns the statement prepared for text if there is one; if not,
// it prepares it in the background, once the handle has a free connection.
func (c *stmtCache) cached(text string) *sqlx.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[text]; st != nil {
		return st
	}
	if !c.warming[text] {
		c.warming[text] = true
		go func() {
			c.get(context.Background(), text)
			c.mu.Lock()
			delete(c.warming, text)
			c.mu.Unlock()
		}()
	}
	return nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// txStmt returns q prepared for use in tx, which runs on the writer: the
// cached statement, or until it is cached one prepared for tx alone.
func (s *Store) txStmt(ctx context.Context, tx *sqlx.Tx, q query) (*sqlx.Stmt, error) {
	if st := s.writes.cached(s.sql(q)); st != nil {
		return tx.StmtxContext(ctx, st), nil
	}
	return tx.PreparexContext(ctx, s.sql(q))
}

// readRows runs q, a read whose text never changes, through the statement
// cached for it on the read handle. A list of actors spent a fifth of its
// CPU having SQLite parse and plan its query; on PostgreSQL a prepared
// statement becomes a named one, which after five executions is run on a
// generic plan instead of being planned for every request. The read holds
// a place of the read gate (readGate) until the rows are closed.
//
// The statement runs without ctx's cancellation (see uncancelled); callers
// that read many rows check ctx between them.
func (s *Store) readRows(ctx context.Context, q query, args ...any) (*gatedRows, error) {
	st, err := s.reads.get(ctx, s.sql(q))
	if err != nil {
		return nil, err
	}
	release, err := s.gate.enter(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(uncancelled(ctx), args...)
	if err != nil {
		release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: release}, nil
}

// gatedRows are rows that leave the read gate when closed.
type gatedRows struct {
	*sql.Rows
	release func()
}

// Close closes the rows and leaves the gate; it may be called again.
func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}

// readRow is readRows for a query of at most one row, scanned into dest.
func (s *Store) readRow(ctx context.Context, q query, args []any, dest ...any) error {
	st, err := s.reads.get(ctx, s.sql(q))
	if err != nil {
		return err
	}
	release, err := s.gate.enter(ctx)
	if err != nil {
		return err
	}
	defer release()
	return st.QueryRowContext(uncancelled(ctx), args...).Scan(dest...)
}

// readSelect runs q as a cached prepared statement and scans its rows into
// dest, a pointer to a slice, as sqlx's Select does. Its reads (searches)
// may be long, so they pass no read gate (two of them would hold every
// list and get back) and the request's cancellation still interrupts them.
func (s *Store) readSelect(ctx context.Context, dest any, q query, args ...any) error {
	st, err := s.reads.get(ctx, s.sql(q))
	if err != nil {
		return err
	}
	return st.SelectContext(ctx, dest, args...)
}

// rowsPerCtxCheck is how many rows of a readRows read go by between
// checks of the request's context.
const rowsPerCtxCheck = 1000

// uncancelled is ctx for a short read: the same values, but it never ends.
// With a context that can end, database/sql and both drivers each start a
// goroutine per query to watch it (to close the rows, to interrupt SQLite,
// to send PostgreSQL a cancel request), and wake it when the query is
// done: on SQLite a fifth of the time the runnable goroutines of the scale
// bench's reads waited for a core was these watchers waiting to exit.
// The reads of readRows and readRow take milliseconds; a request whose
// client has gone is stopped between rows (the callers check ctx) or when
// the read returns.
func uncancelled(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// keepPlan writes each "= ?" of a SQLite read as "= +?", for readRows.
// Once ANALYZE has written sqlite_stat4, SQLite plans a comparison of an
// indexed column with a bare parameter from the parameter's value, and so
// throws the prepared statement away and prepares it again each time that
// parameter is bound: a cached statement would save nothing. A unary plus
// is the same value, and the index is used as before, but the planner no
// longer looks at the value (the plans of these queries do not depend on
// it: each is one index lookup per step).
func keepPlan(q string) string { return strings.ReplaceAll(q, "= ?", "= +?") }
