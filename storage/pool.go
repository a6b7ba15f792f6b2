package storage

import (
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
