// Package storage implements abaco.Store over SQLite and PostgreSQL.
package storage

import (
	_ "github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"
)
