package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

// The event outbox: eventQueue runs inside the transaction of the change
// that causes an event (ActorSetStatus, ExecutionFinish), so an event is
// recorded if and only if its cause is committed.

const eventColumns = `seq, tenant, actor_id, event_type, target_kind, target, payload, status,
	attempts, created_at, next_attempt_at, finished_at, last_error`

var (
	qEventActorTargets = newQuery(`SELECT link, webhook FROM actors WHERE tenant = ? AND id = ?`)
	// FOR NO KEY UPDATE on PostgreSQL serializes the event writers of one actor,
	// so that seq order is commit order within an actor: a later event can
	// never become visible (and be delivered) before an earlier one. Only
	// actors with a target take it: the others queue nothing, and most
	// finishes are group-committed with other actors' (group.go), where
	// taking the lock in each group's own order could deadlock.
	qEventActorTargetsLocked = newDialectQuery(
		`SELECT link, webhook FROM actors WHERE tenant = ? AND id = ?`,
		`SELECT link, webhook FROM actors WHERE tenant = ? AND id = ? FOR NO KEY UPDATE`)
	qEventInsert = newQuery(`INSERT INTO event_deliveries (tenant, actor_id, event_type,
		target_kind, target, payload, status, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?, 0)`)  // 0: due at once
	qEventListDue = newQuery(`SELECT ` + eventColumns + ` FROM event_deliveries d
		WHERE status = 'PENDING' AND next_attempt_at <= ?
		AND seq = (SELECT MIN(seq) FROM event_deliveries x WHERE x.status = 'PENDING'
			AND x.tenant = d.tenant AND x.actor_id = d.actor_id AND x.target_kind = d.target_kind)
		ORDER BY seq LIMIT ?`)
	qEventClaim = newQuery(`UPDATE event_deliveries SET next_attempt_at = ?, attempts = attempts + 1
		WHERE seq = ? AND status = 'PENDING' AND next_attempt_at <= ?`)
	qEventSetDelivered = newQuery(`UPDATE event_deliveries SET status = 'DELIVERED', finished_at = ?
		WHERE seq = ? AND status = 'PENDING'`)
	qEventSetRetry = newQuery(`UPDATE event_deliveries SET next_attempt_at = ?, last_error = ?
		WHERE seq = ? AND status = 'PENDING'`)
	qEventSetFailed = newQuery(`UPDATE event_deliveries SET status = 'FAILED', finished_at = ?, last_error = ?
		WHERE seq = ? AND status = 'PENDING'`)
	qEventList = newQuery(`SELECT ` + eventColumns + ` FROM event_deliveries
		WHERE tenant = ? AND actor_id = ? ORDER BY seq`)
	qEventDeleteFinished = newQuery(`DELETE FROM event_deliveries WHERE seq IN
		(SELECT seq FROM event_deliveries WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT ?)`)
)

type eventRow struct {
	Seq           int64  `db:"seq"`
	Tenant        string `db:"tenant"`
	ActorID       string `db:"actor_id"`
	EventType     string `db:"event_type"`
	TargetKind    string `db:"target_kind"`
	Target        string `db:"target"`
	Payload       string `db:"payload"`
	Status        string `db:"status"`
	Attempts      int    `db:"attempts"`
	CreatedAt     *int64 `db:"created_at"`
	NextAttemptAt *int64 `db:"next_attempt_at"`
	FinishedAt    *int64 `db:"finished_at"`
	LastError     string `db:"last_error"`
}

func (r *eventRow) delivery() *abaco.EventDelivery {
	return &abaco.EventDelivery{
		Seq: r.Seq, Tenant: r.Tenant, ActorID: r.ActorID, EventType: r.EventType,
		TargetKind: r.TargetKind, Target: r.Target, Payload: []byte(r.Payload),
		Status: r.Status, Attempts: r.Attempts, CreatedAt: fromMsec(r.CreatedAt),
		NextAttemptAt: fromMsec(r.NextAttemptAt), FinishedAt: fromMsec(r.FinishedAt),
		LastError: r.LastError,
	}
}

// eventQueue records an event of the actor in tx, one delivery per target,
// if the actor has a link or a webhook; otherwise it does nothing.
func (s *Store) eventQueue(ctx context.Context, tx *sqlx.Tx, tenant, actorID, typ string, at time.Time, data map[string]any) error {
	var t struct {
		Link    string `db:"link"`
		Webhook string `db:"webhook"`
	}
	for _, q := range []query{qEventActorTargets, qEventActorTargetsLocked} {
		if err := tx.GetContext(ctx, &t, s.sql(q), tenant, actorID); err != nil {
			if errors.Is(notFound(err), abaco.ErrNotFound) {
				return nil // the actor is gone: nobody to tell
			}
			return fmt.Errorf("read event targets of %s: %w", actorID, err)
		}
		if t.Link == "" && t.Webhook == "" {
			return nil
		}
	}
	ev := abaco.Event{Tenant: tenant, ActorID: actorID, Type: typ, Time: at, Link: t.Link, Webhook: t.Webhook, Data: data}
	targets := ev.Targets()
	if len(targets) == 0 {
		return nil
	}
	payload, err := ev.Payload()
	if err != nil {
		return fmt.Errorf("encode %s event of %s: %w", typ, actorID, err)
	}
	for _, kind := range targets {
		target := t.Link
		if kind == abaco.TargetWebhook {
			target = t.Webhook
		}
		if _, err := tx.ExecContext(ctx, s.sql(qEventInsert), tenant, actorID, typ, kind, target,
			string(payload), msec(at)); err != nil {
			return fmt.Errorf("queue %s event of %s: %w", typ, actorID, err)
		}
	}
	return nil
}

// eventExecutionComplete records the EXECUTION_COMPLETE event of a
// just-finalized execution of the actor in tx.
func (s *Store) eventExecutionComplete(ctx context.Context, tx *sqlx.Tx, tenant, actorID string, p abaco.ExecutionFinishParams) error {
	var exit any
	if p.ExitCode != nil {
		exit = *p.ExitCode
	}
	return s.eventQueue(ctx, tx, tenant, actorID, abaco.EventExecutionComplete, p.FinishTime,
		map[string]any{"execution_id": p.ID, "status": p.Status, "exit_code": exit})
}

// EventListDue returns the due heads of the pending delivery queues.
func (s *Store) EventListDue(ctx context.Context, now time.Time, limit int) ([]*abaco.EventDelivery, error) {
	ds, err := s.events(ctx, qEventListDue, msec(now), limit)
	if err != nil {
		return nil, fmt.Errorf("list due event deliveries: %w", err)
	}
	return ds, nil
}

func (s *Store) events(ctx context.Context, q query, args ...any) ([]*abaco.EventDelivery, error) {
	var rows []eventRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(q), args...); err != nil {
		return nil, err
	}
	ds := make([]*abaco.EventDelivery, len(rows))
	for i := range rows {
		ds[i] = rows[i].delivery()
	}
	return ds, nil
}

// EventClaim leases a due pending delivery until `until`.
func (s *Store) EventClaim(ctx context.Context, seq int64, now, until time.Time) (bool, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qEventClaim), msec(until), seq, msec(now)))
	if err != nil {
		return false, fmt.Errorf("claim event delivery %d: %w", seq, err)
	}
	return n > 0, nil
}

// EventDeliverLink marks the delivery DELIVERED and creates e in one
// transaction.
func (s *Store) EventDeliverLink(ctx context.Context, seq int64, e *abaco.Execution, now time.Time) (bool, error) {
	r, err := newExecutionRow(e)
	if err != nil {
		return false, fmt.Errorf("deliver event %d: %w", seq, err)
	}
	var done bool
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.sql(qEventSetDelivered), msec(now), seq))
		if err != nil {
			return err
		}
		if n == 0 {
			return errRollback
		}
		if _, err := tx.ExecContext(ctx, s.sql(qExecutionInsert), r.values()...); err != nil {
			if isForeignKeyViolation(err) {
				return abaco.ErrNotFound
			}
			return err
		}
		done = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("deliver event %d to actor %s: %w", seq, e.ActorID, err)
	}
	return done, nil
}

// EventSetDelivered marks a pending delivery DELIVERED.
func (s *Store) EventSetDelivered(ctx context.Context, seq int64, now time.Time) error {
	if _, err := s.w.ExecContext(ctx, s.sql(qEventSetDelivered), msec(now), seq); err != nil {
		return fmt.Errorf("mark event delivery %d delivered: %w", seq, err)
	}
	return nil
}

// EventSetRetry records a failed attempt and the time of the next one.
func (s *Store) EventSetRetry(ctx context.Context, seq int64, next time.Time, lastError string) error {
	if _, err := s.w.ExecContext(ctx, s.sql(qEventSetRetry), msec(next), lastError, seq); err != nil {
		return fmt.Errorf("reschedule event delivery %d: %w", seq, err)
	}
	return nil
}

// EventSetFailed gives up on a pending delivery.
func (s *Store) EventSetFailed(ctx context.Context, seq int64, now time.Time, lastError string) error {
	if _, err := s.w.ExecContext(ctx, s.sql(qEventSetFailed), msec(now), lastError, seq); err != nil {
		return fmt.Errorf("give up event delivery %d: %w", seq, err)
	}
	return nil
}

// EventList returns an actor's deliveries, oldest first.
func (s *Store) EventList(ctx context.Context, tenant, actorID string) ([]*abaco.EventDelivery, error) {
	ds, err := s.events(ctx, qEventList, tenant, actorID)
	if err != nil {
		return nil, fmt.Errorf("list event deliveries of %s: %w", actorID, err)
	}
	return ds, nil
}

// EventDeleteFinished deletes up to limit finished deliveries older than before.
func (s *Store) EventDeleteFinished(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qEventDeleteFinished), msec(before), limit))
	if err != nil {
		return 0, fmt.Errorf("delete finished event deliveries: %w", err)
	}
	return n, nil
}
