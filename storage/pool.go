package storage

import (
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
