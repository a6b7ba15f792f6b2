package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

// An execution is queued while SUBMITTED with no worker_id, claimed while
// SUBMITTED with a worker_id, then RUNNING, then COMPLETE or ERROR. Every
// transition below is one conditional statement, so concurrent schedulers
// cannot both win it.

var (
	// One row; ExecutionCreate batches its rows (batch.go), but other writers
	// insert single executions inside their own transactions.
	qExecutionInsert = newQuery(`INSERT INTO executions (` + executionColumns + `)
		VALUES (` + placeholders(executionColumns) + `)`)
	qExecutionGet = newQuery(`SELECT ` + executionColumns + ` FROM executions
		WHERE tenant = ? AND actor_id = ? AND id = ?`)
	qExecutionSummary = newQuery(`SELECT id, status, message_received_time, start_time,
		finish_time, runtime, cpu, io FROM executions
		WHERE tenant = ? AND actor_id = ? ORDER BY seq`)
	qExecutionCountPending = newQuery(`SELECT COUNT(*) FROM executions
		WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL`)
	qExecutionDeletePending = newQuery(`DELETE FROM executions
		WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL`)
	qExecutionActorsPending = newQuery(`SELECT DISTINCT tenant, actor_id FROM executions
		WHERE status = 'SUBMITTED' AND worker_id IS NULL ORDER BY tenant, actor_id`)
	// On SQLite one statement is atomic (there is a single writer). On
	// PostgreSQL, SKIP LOCKED lets concurrent claimers pass over the row
	// another is taking instead of waiting for it and then finding it gone.
	qExecutionClaimNext = newDialectQuery(claimNext(""), claimNext("FOR UPDATE SKIP LOCKED"))
	qExecutionUnclaim   = newQuery(`UPDATE executions SET worker_id = NULL
		WHERE id = ? AND status = 'SUBMITTED' AND worker_id = ?`)
	qExecutionSetRunning = newQuery(`UPDATE executions SET status = 'RUNNING', start_time = ?
		WHERE id = ? AND status = 'SUBMITTED' AND worker_id = ?`)
	// COALESCE keeps a start time set by ExecutionSetRunning.
	qExecutionFinish = newQuery(`UPDATE executions SET status = ?,
		start_time = COALESCE(start_time, ?), finish_time = ?, runtime = ?, cpu = ?, io = ?,
		exit_code = ?, final_state = ?
		WHERE id = ? AND status NOT IN ('COMPLETE', 'ERROR')`)
	// Touching the row even when it is not RUNNING returns the status in
	// the same atomic statement that decides whether to set the flag.
	qExecutionRequestHalt = newQuery(`UPDATE executions
		SET halt_requested = (halt_requested OR status = 'RUNNING')
		WHERE tenant = ? AND actor_id = ? AND id = ? RETURNING status`)
	qExecutionListClaimed = newQuery(`SELECT ` + executionColumns + ` FROM executions
		WHERE status IN ('SUBMITTED', 'RUNNING') AND worker_id IS NOT NULL ORDER BY seq`)
)

func claimNext(lock string) string {
	return `UPDATE executions SET worker_id = ?
		WHERE seq = (SELECT seq FROM executions
			WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL
			ORDER BY seq LIMIT 1 ` + lock + `)
		AND worker_id IS NULL
		RETURNING ` + executionColumns
}

// ExecutionCreate inserts a SUBMITTED execution; ErrNotFound if its actor
// does not exist (a message racing the actor's deletion).
func (s *Store) ExecutionCreate(ctx context.Context, e *abaco.Execution) error {
	r, err := newExecutionRow(e)
	if err != nil {
		return fmt.Errorf("create execution %s: %w", e.ID, err)
	}
	// Coalesced with concurrent creates into one commit (batch.go).
	if err := s.inserts.insert(ctx, r.values()); err != nil {
		if isForeignKeyViolation(err) {
			err = abaco.ErrNotFound
		}
		return fmt.Errorf("create execution %s: %w", e.ID, err)
	}
	return nil
}

// ExecutionGet returns one execution of the tenant's actor.
func (s *Store) ExecutionGet(ctx context.Context, tenant, actorID, id string) (*abaco.Execution, error) {
	var r executionRow
	if err := s.db.GetContext(ctx, &r, s.sql(qExecutionGet), tenant, actorID, id); err != nil {
		return nil, fmt.Errorf("get execution %s: %w", id, notFound(err))
	}
	e, err := r.execution()
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", id, err)
	}
	return e, nil
}

// ExecutionSummary returns the actor's totals and its executions, oldest
// first, from one query so that the totals match the list.
func (s *Store) ExecutionSummary(ctx context.Context, tenant, actorID string) (*abaco.ExecutionSummary, error) {
	var rows []executionRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qExecutionSummary), tenant, actorID); err != nil {
		return nil, fmt.Errorf("summarize executions of %s: %w", actorID, err)
	}
	sum := &abaco.ExecutionSummary{TotalExecutions: len(rows), Executions: make([]*abaco.Execution, 0, len(rows))}
	for _, r := range rows {
		sum.TotalCPU += r.CPU
		sum.TotalIO += r.IO
		sum.TotalRuntime += int64(r.Runtime)
		sum.Executions = append(sum.Executions, &abaco.Execution{
			ID: r.ID, Status: r.Status, MessageReceivedTime: fromMsec(r.MessageReceivedTime),
			StartTime: fromMsec(r.StartTime), FinishTime: fromMsec(r.FinishTime),
		})
	}
	return sum, nil
}

// ExecutionCountPending counts the actor's unclaimed SUBMITTED executions.
func (s *Store) ExecutionCountPending(ctx context.Context, tenant, actorID string) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.sql(qExecutionCountPending), tenant, actorID); err != nil {
		return 0, fmt.Errorf("count pending executions of %s: %w", actorID, err)
	}
	return n, nil
}

// ExecutionDeletePending deletes the actor's unclaimed SUBMITTED executions;
// claimed ones belong to a worker and are left alone.
func (s *Store) ExecutionDeletePending(ctx context.Context, tenant, actorID string) (int, error) {
	n, err := affected(s.db.ExecContext(ctx, s.sql(qExecutionDeletePending), tenant, actorID))
	if err != nil {
		return 0, fmt.Errorf("delete pending executions of %s: %w", actorID, err)
	}
	return n, nil
}

// ExecutionActorsPending lists the actors that have unclaimed executions.
func (s *Store) ExecutionActorsPending(ctx context.Context) ([]abaco.ActorRef, error) {
	var rows []struct {
		Tenant  string `db:"tenant"`
		ActorID string `db:"actor_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.sql(qExecutionActorsPending)); err != nil {
		return nil, fmt.Errorf("list actors with pending executions: %w", err)
	}
	refs := make([]abaco.ActorRef, len(rows))
	for i, r := range rows {
		refs[i] = abaco.ActorRef{Tenant: r.Tenant, ActorID: r.ActorID}
	}
	return refs, nil
}

// ExecutionClaimNext gives the actor's oldest unclaimed SUBMITTED execution
// to p.WorkerID; ErrNotFound when there is none.
func (s *Store) ExecutionClaimNext(ctx context.Context, p abaco.ExecutionClaimParams) (*abaco.Execution, error) {
	var r executionRow
	err := s.db.QueryRowxContext(ctx, s.sql(qExecutionClaimNext), p.WorkerID, p.Tenant, p.ActorID).StructScan(&r)
	if err != nil {
		return nil, fmt.Errorf("claim execution for %s: %w", p.ActorID, notFound(err))
	}
	e, err := r.execution()
	if err != nil {
		return nil, fmt.Errorf("claim execution for %s: %w", p.ActorID, err)
	}
	return e, nil
}

// ExecutionUnclaim puts a claimed, not yet RUNNING execution back in the
// queue. It does nothing if workerID no longer holds the execution.
func (s *Store) ExecutionUnclaim(ctx context.Context, id, workerID string) error {
	if _, err := s.db.ExecContext(ctx, s.sql(qExecutionUnclaim), id, workerID); err != nil {
		return fmt.Errorf("unclaim execution %s: %w", id, err)
	}
	return nil
}

// ExecutionSetRunning moves an execution that p.WorkerID claimed to RUNNING.
func (s *Store) ExecutionSetRunning(ctx context.Context, p abaco.ExecutionSetRunningParams) (bool, error) {
	n, err := affected(s.db.ExecContext(ctx, s.sql(qExecutionSetRunning), msec(p.StartTime), p.ID, p.WorkerID))
	if err != nil {
		return false, fmt.Errorf("set execution %s running: %w", p.ID, err)
	}
	return n > 0, nil
}

// ExecutionFinish stores p.Log, finalizes the execution and queues its
// EXECUTION_COMPLETE event (if the actor has a link or webhook) in one
// transaction. If the execution was already final (or does not exist) it
// rolls back, so a losing finisher does not overwrite the winner's log.
func (s *Store) ExecutionFinish(ctx context.Context, p abaco.ExecutionFinishParams) (bool, error) {
	var finished bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if p.Log != nil {
			if err := s.logPut(ctx, tx, p.Log); err != nil {
				return err
			}
		}
		n, err := affected(tx.ExecContext(ctx, s.sql(qExecutionFinish), p.Status, msec(p.StartTime),
			msec(p.FinishTime), p.Runtime, p.CPU, p.IO, p.ExitCode, rawJSON(p.FinalState), p.ID))
		if err != nil {
			return err
		}
		if n == 0 {
			return errRollback
		}
		if err := s.eventExecutionComplete(ctx, tx, p); err != nil {
			return err
		}
		finished = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("finish execution %s: %w", p.ID, err)
	}
	return finished, nil
}

// ExecutionRequestHalt marks a RUNNING execution for halting and returns
// the status it found.
func (s *Store) ExecutionRequestHalt(ctx context.Context, tenant, actorID, id string) (string, error) {
	var status string
	if err := s.db.GetContext(ctx, &status, s.sql(qExecutionRequestHalt), tenant, actorID, id); err != nil {
		return "", fmt.Errorf("request halt of execution %s: %w", id, notFound(err))
	}
	return status, nil
}

// ExecutionListClaimed returns the claimed SUBMITTED and the RUNNING
// executions, oldest first. A RUNNING execution always has a worker_id:
// only its claimer can set it running.
func (s *Store) ExecutionListClaimed(ctx context.Context) ([]*abaco.Execution, error) {
	var rows []executionRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qExecutionListClaimed)); err != nil {
		return nil, fmt.Errorf("list claimed executions: %w", err)
	}
	es := make([]*abaco.Execution, 0, len(rows))
	for i := range rows {
		e, err := rows[i].execution()
		if err != nil {
			return nil, fmt.Errorf("list claimed executions: %w", err)
		}
		es = append(es, e)
	}
	return es, nil
}
