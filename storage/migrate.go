package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// migrations holds one directory per dialect of numbered files,
// NNNN_name.sql, applied in order. Never edit an applied file: add one.
//
//go:embed migrations
var migrations embed.FS

// migrateLock is the PostgreSQL advisory lock key that serializes migrating
// processes (an arbitrary constant: "abaco" in ASCII).
const migrateLock = 0x616261636f

var (
	qMigrationsTable = newQuery(
		`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`)
	qMigrationApplied = newQuery(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`)
	qMigrationRecord  = newQuery(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`)
	qMigrationLock    = newDialectQuery(`SELECT 1`, `SELECT pg_advisory_xact_lock(?)`)
)

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// Migrate applies the migrations not yet recorded in schema_migrations, each
// in its own transaction. Running it twice, or from two processes at once,
// is safe: on PostgreSQL every migration transaction first takes an advisory
// lock, and on SQLite transactions take the write lock at BEGIN, so the
// second migrator waits and then finds the version applied.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.inTx(ctx, func(tx *sqlx.Tx) error { return s.apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migrate %s to %04d_%s: %w", s.dialect, m.version, m.name, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, tx *sqlx.Tx, m migration) error {
	var args []any
	if s.dialect == Postgres {
		args = append(args, migrateLock)
	}
	if _, err := tx.ExecContext(ctx, s.sql(qMigrationLock), args...); err != nil {
		return err
	}
	// Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can fail on PostgreSQL.
	if _, err := tx.ExecContext(ctx, s.sql(qMigrationsTable)); err != nil {
		return err
	}
	var n int
	if err := tx.GetContext(ctx, &n, s.sql(qMigrationApplied), m.version); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.sql(qMigrationRecord), m.version, time.Now().UnixMilli())
	return err
}

// loadMigrations reads the dialect's migrations, sorted by version.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s: name is not NNNN_name.sql", dir, e.Name())
		}
		text, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s: version %d appears twice", dir, ms[i].version)
		}
	}
	return ms, nil
}
