package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Connection pool sizes. database/sql keeps only 2 idle connections by
// default, so under concurrent requests almost every query beyond the
// second opened a new connection and closed it again: a new PostgreSQL
// backend process (several ms) or a new SQLite handle with its pragmas, per
// request. The bench's ingest scenario spent most of its time there.
const (
	// maxIdleConns keeps enough connections for the API's concurrent
	// requests plus the scheduler's workers.
	maxIdleConns = 32
	// maxOpenConns bounds what one server takes of PostgreSQL's
	// max_connections (100 by default), leaving room for other servers and
	// for `abaco migrate`.
	maxOpenConns = 48
	// connMaxIdleTime closes connections a burst left behind.
	connMaxIdleTime = 5 * time.Minute
)

// configurePool sizes the connection pool of a freshly opened database.
func configurePool(db *sqlx.DB) {
	db.SetMaxIdleConns(maxIdleConns)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
}

// withOneRoundTrip asks lib/pq to send a query with arguments as one
// message train (Parse, Bind, Execute) instead of preparing it first and
// waiting for the answer: one round trip per query instead of two. Its
// only other effect is that []byte arguments travel in binary, which both
// our BYTEA and our TEXT columns take as the raw bytes. A URL that sets
// binary_parameters itself is left as it is.
func withOneRoundTrip(dsn string) string {
	if strings.Contains(dsn, "binary_parameters=") {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&binary_parameters=yes"
	}
	return dsn + "?binary_parameters=yes"
}

// openKeyed opens PostgreSQL connections that never scan a whole table
// (enable_seqscan off), for the batch statements that find their rows by
// key from arrays of ids: finishes (finishbatch.go), RUNNING transitions
// and the dispatcher's claims. A prepared statement keeps the plan it chose after its
// first runs, and on a young table (a new deployment, the bench) that plan
// was made when the table was a few pages, where scanning it beats its id
// index: later, under load and with thousands of rows, each batch scanned
// the table. A run-time parameter in the URL is set on each connection.
func openKeyed(ctx context.Context, dsn string) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", dsn+"&enable_seqscan=off")
	if err != nil {
		return nil, fmt.Errorf("open keyed connections: %w", err)
	}
	db.SetMaxIdleConns(keyedConns)
	db.SetMaxOpenConns(keyedConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open keyed connections: %w", err)
	}
	return db, nil
}

// keyedConns is the size of the keyed pool: the finish committers, the
// background writer of RUNNING transitions and the dispatcher's claims.
const keyedConns = finishCommitters + 2
