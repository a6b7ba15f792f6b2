package storage

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

// Logs and results are the large, expiring objects of an execution. A log
// with a zero ExpiresAt never expires; expired rows stay readable until a
// Delete*Expired pass removes them, except that ResultPop never returns one.

// logConflict makes a log insert replace the execution's earlier log.
const logConflict = `ON CONFLICT (execution_id) DO UPDATE SET tenant = excluded.tenant,
	actor_id = excluded.actor_id, text = excluded.text, expires_at = excluded.expires_at`

var (
	qLogPut = newQuery(`INSERT INTO logs (execution_id, tenant, actor_id, text, expires_at)
		VALUES (?, ?, ?, ?, ?) ` + logConflict)
	qLogGet = newQuery(`SELECT execution_id, tenant, actor_id, text, expires_at
		FROM logs WHERE execution_id = ?`)
	qLogDeleteExpired = newQuery(`DELETE FROM logs WHERE execution_id IN
		(SELECT execution_id FROM logs WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`)

	qResultPush = newQuery(`INSERT INTO results (execution_id, data, expires_at) VALUES (?, ?, ?)`)
	// As for claims: SQLite has one writer, so the statement alone is
	// atomic; on PostgreSQL SKIP LOCKED makes a concurrent pop take the next
	// result rather than wait for the one being taken and then find nothing.
	qResultPop           = newDialectQuery(resultPop(""), resultPop("FOR UPDATE SKIP LOCKED"))
	qResultDeleteExpired = newQuery(`DELETE FROM results WHERE seq IN
		(SELECT seq FROM results WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`)
)

func resultPop(lock string) string {
	return `DELETE FROM results WHERE seq = (SELECT seq FROM results
		WHERE execution_id = ? AND expires_at > ? ORDER BY seq LIMIT 1 ` + lock + `)
		RETURNING data`
}

// LogPut creates or replaces an execution's log.
func (s *Store) LogPut(ctx context.Context, l *abaco.Log) error {
	if err := s.logPut(ctx, s.db, l); err != nil {
		return fmt.Errorf("put log of execution %s: %w", l.ExecutionID, err)
	}
	return nil
}

func (s *Store) logPut(ctx context.Context, db sqlx.ExecerContext, l *abaco.Log) error {
	_, err := db.ExecContext(ctx, s.sql(qLogPut), logPutArgs(l)...)
	return err
}

func logPutArgs(l *abaco.Log) []any {
	return []any{l.ExecutionID, l.Tenant, l.ActorID, l.Text, msec(l.ExpiresAt)}
}

// LogGet returns an execution's log, expired or not.
func (s *Store) LogGet(ctx context.Context, executionID string) (*abaco.Log, error) {
	var r logRow
	if err := s.db.GetContext(ctx, &r, s.sql(qLogGet), executionID); err != nil {
		return nil, fmt.Errorf("get log of execution %s: %w", executionID, notFound(err))
	}
	return &abaco.Log{ExecutionID: r.ExecutionID, Tenant: r.Tenant, ActorID: r.ActorID,
		Text: r.Text, ExpiresAt: fromMsec(r.ExpiresAt)}, nil
}

// LogDeleteExpired deletes up to limit logs (all if limit <= 0) that expired
// at or before now, and reports how many.
func (s *Store) LogDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qLogDeleteExpired), now.UnixMilli(), noLimit(limit)))
	if err != nil {
		return 0, fmt.Errorf("delete expired logs: %w", err)
	}
	return n, nil
}

// ResultPush appends one result datagram to the execution's queue.
func (s *Store) ResultPush(ctx context.Context, executionID string, data []byte, expiresAt time.Time) error {
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	if _, err := s.w.ExecContext(ctx, s.sql(qResultPush), executionID, data, expiresAt.UnixMilli()); err != nil {
		return fmt.Errorf("push result of execution %s: %w", executionID, err)
	}
	return nil
}

// ResultPop removes and returns the oldest result that expires after now;
// ErrNotFound when there is none.
func (s *Store) ResultPop(ctx context.Context, executionID string, now time.Time) ([]byte, error) {
	var data []byte
	if err := s.w.GetContext(ctx, &data, s.sql(qResultPop), executionID, now.UnixMilli()); err != nil {
		return nil, fmt.Errorf("pop result of execution %s: %w", executionID, notFound(err))
	}
	return data, nil
}

// ResultDeleteExpired deletes up to limit results (all if limit <= 0) that
// expired at or before now, and reports how many.
func (s *Store) ResultDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qResultDeleteExpired), now.UnixMilli(), noLimit(limit)))
	if err != nil {
		return 0, fmt.Errorf("delete expired results: %w", err)
	}
	return n, nil
}

// noLimit turns a non-positive limit into one no table reaches; LIMIT -1
// means "all" on SQLite but is an error on PostgreSQL.
func noLimit(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt64
	}
	return int64(limit)
}
