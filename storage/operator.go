package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/abaco-hpc/abaco"
)

var (
	qWorkerListAll = newQuery(`SELECT ` + workerColumns + ` FROM workers
		ORDER BY create_time, id`)
	qWorkerTouch = newQuery(`UPDATE workers SET last_health_check_time = ?
		WHERE tenant = ? AND actor_id = ? AND id = ?`)
	qExecutionQueueDepths = newQuery(`SELECT tenant, actor_id, COUNT(*) AS pending FROM executions
		WHERE status = 'SUBMITTED' AND worker_id IS NULL
		GROUP BY tenant, actor_id ORDER BY tenant, actor_id`)
)

// WorkerListAll returns every worker of every tenant, oldest first.
func (s *Store) WorkerListAll(ctx context.Context) ([]*abaco.Worker, error) {
	var rows []workerRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qWorkerListAll)); err != nil {
		return nil, fmt.Errorf("list all workers: %w", err)
	}
	ws := make([]*abaco.Worker, len(rows))
	for i := range rows {
		ws[i] = rows[i].worker()
	}
	return ws, nil
}

// WorkerTouch stamps a worker's health-check time, leaving its status to
// whoever changes it; it reports whether the record exists.
func (s *Store) WorkerTouch(ctx context.Context, tenant, actorID, id string, now time.Time) (bool, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qWorkerTouch), msec(now), tenant, actorID, id))
	if err != nil {
		return false, fmt.Errorf("touch worker %s: %w", id, err)
	}
	return n > 0, nil
}

// ExecutionQueueDepths counts the unclaimed SUBMITTED executions per actor.
func (s *Store) ExecutionQueueDepths(ctx context.Context) ([]abaco.QueueDepth, error) {
	var rows []struct {
		Tenant  string `db:"tenant"`
		ActorID string `db:"actor_id"`
		Pending int    `db:"pending"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.sql(qExecutionQueueDepths)); err != nil {
		return nil, fmt.Errorf("count queued executions: %w", err)
	}
	out := make([]abaco.QueueDepth, len(rows))
	for i, r := range rows {
		out[i] = abaco.QueueDepth{Tenant: r.Tenant, ActorID: r.ActorID, Pending: r.Pending}
	}
	return out, nil
}
