package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

var (
	qWorkerUpsert = newQuery(`INSERT INTO workers (` + workerColumns + `)
		VALUES (` + placeholders(workerColumns) + `)
		ON CONFLICT (tenant, actor_id, id) DO UPDATE SET status = excluded.status,
			image = excluded.image, revision = excluded.revision, location = excluded.location,
			host_id = excluded.host_id, create_time = excluded.create_time,
			last_execution_time = excluded.last_execution_time,
			last_health_check_time = excluded.last_health_check_time`)
	qWorkerGet = newQuery(`SELECT ` + workerColumns + ` FROM workers
		WHERE tenant = ? AND actor_id = ? AND id = ?`)
	qWorkerList = newQuery(`SELECT ` + workerColumns + ` FROM workers
		WHERE tenant = ? AND actor_id = ? ORDER BY create_time, id`)
	qWorkerDelete = newQuery(`DELETE FROM workers WHERE tenant = ? AND actor_id = ? AND id = ?`)
)

// WorkerUpsert creates or replaces a worker record.
func (s *Store) WorkerUpsert(ctx context.Context, w *abaco.Worker) error {
	_, err := s.w.ExecContext(ctx, s.sql(qWorkerUpsert), workerArgs(w)...)
	if err != nil {
		return fmt.Errorf("upsert worker %s: %w", w.ID, err)
	}
	return nil
}

// WorkersWrite applies the scheduler's worker changes in one (group)
// transaction: an upsert of each record, or its deletion (a record already
// gone is no error).
func (s *Store) WorkersWrite(ctx context.Context, ws []abaco.WorkerWrite) error {
	err := s.group.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		upsert, err := s.txStmt(ctx, tx, qWorkerUpsert)
		if err != nil {
			return err
		}
		del, err := s.txStmt(ctx, tx, qWorkerDelete)
		if err != nil {
			return err
		}
		for _, c := range ws {
			w := &c.Worker
			if c.Delete {
				_, err = del.ExecContext(ctx, w.Tenant, w.ActorID, w.ID)
			} else {
				_, err = upsert.ExecContext(ctx, workerArgs(w)...)
			}
			if err != nil {
				return fmt.Errorf("worker %s: %w", w.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write workers: %w", err)
	}
	return nil
}

func workerArgs(w *abaco.Worker) []any {
	return []any{w.Tenant, w.ActorID, w.ID, w.Status, w.Image, w.Revision, w.Location, w.HostID,
		msec(w.CreateTime), msec(w.LastExecutionTime), msec(w.LastHealthCheckTime)}
}

// WorkerGet returns one worker of the actor.
func (s *Store) WorkerGet(ctx context.Context, tenant, actorID, id string) (*abaco.Worker, error) {
	var r workerRow
	if err := s.db.GetContext(ctx, &r, s.sql(qWorkerGet), tenant, actorID, id); err != nil {
		return nil, fmt.Errorf("get worker %s: %w", id, notFound(err))
	}
	return r.worker(), nil
}

// WorkerList returns the actor's workers, oldest first.
func (s *Store) WorkerList(ctx context.Context, tenant, actorID string) ([]*abaco.Worker, error) {
	var rows []workerRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qWorkerList), tenant, actorID); err != nil {
		return nil, fmt.Errorf("list workers of %s: %w", actorID, err)
	}
	ws := make([]*abaco.Worker, len(rows))
	for i := range rows {
		ws[i] = rows[i].worker()
	}
	return ws, nil
}

// WorkerDelete removes a worker record; ErrNotFound if there is none.
func (s *Store) WorkerDelete(ctx context.Context, tenant, actorID, id string) error {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qWorkerDelete), tenant, actorID, id))
	if err == nil && n == 0 {
		err = abaco.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete worker %s: %w", id, err)
	}
	return nil
}
