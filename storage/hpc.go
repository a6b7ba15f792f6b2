package storage

import (
	"context"
	"fmt"

	"github.com/abaco-hpc/abaco"
)

var (
	qExecutionSetExecutorIDs = newQuery(`UPDATE executions SET executor_uid = ?, executor_gid = ? WHERE id = ?`)
	qExecutionExecutorIDs    = newQuery(`SELECT executor_uid, executor_gid FROM executions WHERE id = ?`)
)

// ExecutionSetExecutorIDs records the ids a run_as_executor execution runs as.
func (s *Store) ExecutionSetExecutorIDs(ctx context.Context, id string, uid, gid int) error {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qExecutionSetExecutorIDs), uid, gid, id))
	if err != nil {
		return fmt.Errorf("set executor ids of %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("set executor ids of %s: %w", id, abaco.ErrNotFound)
	}
	return nil
}

// ExecutionExecutorIDs returns the recorded ids, nil when there are none.
func (s *Store) ExecutionExecutorIDs(ctx context.Context, id string) (*int, *int, error) {
	var row struct {
		UID *int `db:"executor_uid"`
		GID *int `db:"executor_gid"`
	}
	if err := s.db.GetContext(ctx, &row, s.sql(qExecutionExecutorIDs), id); err != nil {
		return nil, nil, fmt.Errorf("get executor ids of %s: %w", id, notFound(err))
	}
	return row.UID, row.GID, nil
}
