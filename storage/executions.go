package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/abaco-hpc/abaco"
)

// An execution is queued while SUBMITTED with no worker_id, claimed while
// SUBMITTED with a worker_id, then RUNNING, then COMPLETE or ERROR. Every
// transition below is one conditional statement, so concurrent schedulers
// cannot both win it.

// finishSet is the SET list of a finish; COALESCE keeps a start time set
// by ExecutionSetRunning.
const finishSet = `status = ?, start_time = COALESCE(start_time, ?), finish_time = ?,
	runtime = ?, cpu = ?, io = ?, exit_code = ?, final_state = ?`

// claimedColumns are executionColumns of qExecutionFinishBatch's claim c,
// with "" and 0 for the NOT NULL ones when it claimed nothing (a NULL
// cannot be scanned into them).
const claimedColumns = `COALESCE(c.id, '') AS id, COALESCE(c.tenant, '') AS tenant,
	COALESCE(c.actor_id, '') AS actor_id, COALESCE(c.executor, '') AS executor,
	COALESCE(c.username, '') AS username, COALESCE(c.status, '') AS status, c.worker_id,
	c.message, COALESCE(c.content_type, '') AS content_type, COALESCE(c.env, '') AS env,
	COALESCE(c.api_server, '') AS api_server, c.message_received_time, c.start_time,
	c.finish_time, COALESCE(c.runtime, 0) AS runtime, COALESCE(c.cpu, 0) AS cpu,
	COALESCE(c.io, 0) AS io, c.exit_code, c.final_state,
	COALESCE(c.halt_requested, FALSE) AS halt_requested`

var (
	// One row; ExecutionCreate batches its rows (batch.go), but other writers
	// insert single executions inside their own transactions.
	qExecutionInsert = newQuery(`INSERT INTO executions (` + executionColumns + `)
		VALUES (` + placeholders(executionColumns) + `)`)
	qExecutionGet = newQuery(`SELECT ` + executionColumns + ` FROM executions
		WHERE tenant = ? AND actor_id = ? AND id = ?`)
	qExecutionSummary      = newDialectQuery(keepPlan(executionSummary), executionSummary)
	qExecutionSummaryOwner = newDialectQuery(keepPlan(executionSummaryOwner), executionSummaryOwner)
	qExecutionCountPending = newQuery(`SELECT COUNT(*) FROM executions
		WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL`)
	qExecutionDeletePending = newQuery(`DELETE FROM executions
		WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL`)
	// The oldest k unclaimed executions of one actor, the i-th (from 0) of
	// them given to the i-th worker id of a JSON array. The rows are found
	// by seq IN (…) so that both planners look each one up by its key.
	qExecutionClaimBatch = newDialectQuery(`WITH picked AS (
			SELECT seq FROM executions
			WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL
			ORDER BY seq LIMIT ?)
		UPDATE executions
		SET worker_id = json_extract(?, '$[' || (SELECT COUNT(*) FROM picked p WHERE p.seq < executions.seq) || ']')
		WHERE seq IN (SELECT seq FROM picked) AND worker_id IS NULL
		RETURNING `+executionColumns,
		`WITH picked AS (
			SELECT seq FROM executions
			WHERE tenant = ? AND actor_id = ? AND status = 'SUBMITTED' AND worker_id IS NULL
			ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED)
		UPDATE executions e
		SET worker_id = (?::jsonb) ->> (SELECT COUNT(*) FROM picked p WHERE p.seq < e.seq)::int
		WHERE e.seq IN (SELECT seq FROM picked)
		RETURNING `+qualified("e", executionColumns))
	// PostgreSQL: ExecutionClaimMany in one statement (on the keyed
	// connections, pool.go): per actor, its k oldest unclaimed executions
	// for the k workers given (parallel arrays), in the order given.
	qExecutionClaimMany = newDialectQuery(``, `WITH w AS (
			SELECT w.worker_id, w.tenant, w.actor_id,
				row_number() OVER (PARTITION BY w.tenant, w.actor_id ORDER BY w.ord) AS rn
			FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS w(worker_id, tenant, actor_id, ord)),
		k AS (SELECT tenant, actor_id, COUNT(*) AS n FROM w GROUP BY 1, 2),
		p AS (SELECT x.seq, k.tenant, k.actor_id,
				row_number() OVER (PARTITION BY k.tenant, k.actor_id ORDER BY x.seq) AS rn
			FROM k CROSS JOIN LATERAL (SELECT q.seq FROM executions q
				WHERE q.tenant = k.tenant AND q.actor_id = k.actor_id AND q.status = 'SUBMITTED'
					AND q.worker_id IS NULL
				ORDER BY q.seq LIMIT k.n FOR UPDATE SKIP LOCKED) x)
		UPDATE executions e SET worker_id = w.worker_id
		FROM p JOIN w ON w.tenant = p.tenant AND w.actor_id = p.actor_id AND w.rn = p.rn
		WHERE e.seq = p.seq
		RETURNING `+qualified("e", executionColumns))
	qExecutionQueues = newQuery(`SELECT ` + qualified("a", actorColumns) + `, q.pending
		FROM (SELECT tenant, actor_id, COUNT(*) AS pending FROM executions
			WHERE status = 'SUBMITTED' AND worker_id IS NULL GROUP BY tenant, actor_id) q
		JOIN actors a ON a.tenant = q.tenant AND a.id = q.actor_id
		ORDER BY a.tenant, a.id`)
	qExecutionUnclaim = newQuery(`UPDATE executions SET worker_id = NULL
		WHERE id = ? AND status = 'SUBMITTED' AND worker_id = ?`)
	qExecutionSetRunning = newQuery(`UPDATE executions SET status = 'RUNNING', start_time = ?
		WHERE id = ? AND status = 'SUBMITTED' AND worker_id = ?`)
	// PostgreSQL: many RUNNING transitions in one statement, from three
	// parallel arrays (ids, worker ids, start times), on the keyed
	// connections (pool.go). The status is tested as an expression so that
	// only the id index applies: the planner took an index of statuses
	// instead, whose statistics (a handful of rows at the last ANALYZE) hide
	// a busy queue of thousands of SUBMITTED rows.
	qExecutionSetRunningMany = newDialectQuery(``, `UPDATE executions e SET status = 'RUNNING', start_time = v.start_time
		FROM unnest(?::text[], ?::text[], ?::bigint[]) AS v(id, worker_id, start_time)
		WHERE e.id = v.id AND e.worker_id = v.worker_id AND (e.status || '') = 'SUBMITTED'`)
	qExecutionFinish = newQuery(`UPDATE executions SET ` + finishSet + `
		WHERE id = ? AND status NOT IN ('COMPLETE', 'ERROR')
		RETURNING tenant, actor_id,
			(SELECT link FROM actors a WHERE a.tenant = executions.tenant AND a.id = executions.actor_id) AS link,
			(SELECT webhook FROM actors a WHERE a.tenant = executions.tenant AND a.id = executions.actor_id) AS webhook`)
	// PostgreSQL: stores the search document of a final execution (the
	// batched finish writes it in its own statement).
	qExecutionSearchDoc = newDialectQuery(``, `UPDATE executions x SET search_doc = `+
		executionSearchDoc+` WHERE x.id = ?`)
	// Touching the row even when it is not RUNNING returns the status in
	// the same atomic statement that decides whether to set the flag.
	qExecutionRequestHalt = newQuery(`UPDATE executions
		SET halt_requested = (halt_requested OR status = 'RUNNING')
		WHERE tenant = ? AND actor_id = ? AND id = ? RETURNING status`)
	// On PostgreSQL the unfinished ones are those without a search document
	// (migration 0012), which executions_unfinished finds.
	qExecutionListClaimed = newDialectQuery(`SELECT `+executionColumns+` FROM executions
		WHERE status IN ('SUBMITTED', 'RUNNING') AND worker_id IS NOT NULL ORDER BY seq`,
		`SELECT `+executionColumns+` FROM executions
		WHERE search_doc IS NULL AND status IN ('SUBMITTED', 'RUNNING') AND worker_id IS NOT NULL ORDER BY seq`)
)

// ExecutionCreate inserts a SUBMITTED execution; ErrNotFound if its actor
// does not exist (a message racing the actor's deletion).
func (s *Store) ExecutionCreate(ctx context.Context, e *abaco.Execution) error {
	r, err := newExecutionRow(e)
	if err != nil {
		return fmt.Errorf("create execution %s: %w", e.ID, err)
	}
	// Coalesced with concurrent creates into one commit (batch.go).
	if _, err := s.inserts.insert(ctx, r, ""); err != nil {
		return fmt.Errorf("create execution %s: %w", e.ID, notFoundIfForeignKey(err))
	}
	return nil
}

// ExecutionCreateClaimed is ExecutionCreate for a new SUBMITTED execution
// that workerID offers to run: it is stored claimed by workerID, in the
// same commit, unless an older unclaimed execution of its actor waits
// (the queue is first come, first served; that one goes first). It
// reports whether the execution was stored claimed, and sets e.WorkerID
// if so.
func (s *Store) ExecutionCreateClaimed(ctx context.Context, e *abaco.Execution, workerID string) (bool, error) {
	r, err := newExecutionRow(e)
	if err != nil {
		return false, fmt.Errorf("create execution %s: %w", e.ID, err)
	}
	claimed, err := s.inserts.insert(ctx, r, workerID)
	if err != nil {
		return false, fmt.Errorf("create execution %s: %w", e.ID, notFoundIfForeignKey(err))
	}
	if claimed {
		e.WorkerID = workerID
	}
	return claimed, nil
}

// notFoundIfForeignKey is abaco.ErrNotFound for a row whose actor is gone.
func notFoundIfForeignKey(err error) error {
	if isForeignKeyViolation(err) {
		return abaco.ErrNotFound
	}
	return err
}

// ExecutionCreateAlone inserts e as ExecutionCreate does but in a
// transaction of its own, without group commit: one plain INSERT and one
// commit per message. The ingest benchmark's baseline ("the same rows
// inserted straight into the same database, one transaction each").
func (s *Store) ExecutionCreateAlone(ctx context.Context, e *abaco.Execution) error {
	r, err := newExecutionRow(e)
	if err != nil {
		return fmt.Errorf("create execution %s: %w", e.ID, err)
	}
	insert, err := s.writes.get(ctx, s.sql(qExecutionInsert))
	if err == nil {
		_, err = insert.ExecContext(ctx, r.values()...)
	}
	if err != nil {
		return fmt.Errorf("create execution %s: %w", e.ID, notFoundIfForeignKey(err))
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

// executionSummary lists an actor's executions (qExecutionSummary).
const executionSummary = `SELECT id, status, message_received_time, start_time,
	finish_time, runtime, cpu, io FROM executions
	WHERE tenant = ? AND actor_id = ? ORDER BY seq`

// executionSummaryOwner is executionSummary with the actor's owner in
// every row, and one row with an empty id for an actor without executions
// (qExecutionSummaryOwner). Execution ids are never empty.
const executionSummaryOwner = `SELECT a.owner, COALESCE(e.id, ''), COALESCE(e.status, ''),
	e.message_received_time, e.start_time, e.finish_time, COALESCE(e.runtime, 0),
	COALESCE(e.cpu, 0), COALESCE(e.io, 0)
	FROM actors a LEFT JOIN executions e ON e.tenant = a.tenant AND e.actor_id = a.id
	WHERE a.tenant = ? AND a.id = ? ORDER BY e.seq`

// ExecutionSummary returns the actor's totals and its executions, oldest
// first, from one query so that the totals match the list.
func (s *Store) ExecutionSummary(ctx context.Context, tenant, actorID string) (*abaco.ExecutionSummary, error) {
	_, sum, err := s.executionSummary(ctx, qExecutionSummary, tenant, actorID)
	if err != nil {
		return nil, fmt.Errorf("summarize executions of %s: %w", actorID, err)
	}
	return sum, nil
}

// ExecutionSummaryOfActor is ExecutionSummary with the actor's owner. A
// list of executions needs the owner to authorize the caller: reading it
// with the executions saves a statement, on PostgreSQL a round trip to
// the backend, which with 8 clients on 2 cores is one more wait for a core.
func (s *Store) ExecutionSummaryOfActor(ctx context.Context, tenant, actorID string) (string, *abaco.ExecutionSummary, error) {
	owner, sum, err := s.executionSummary(ctx, qExecutionSummaryOwner, tenant, actorID)
	if err != nil {
		return "", nil, fmt.Errorf("summarize executions of %s: %w", actorID, err)
	}
	if owner == nil {
		return "", nil, fmt.Errorf("summarize executions of %s: %w", actorID, abaco.ErrNotFound)
	}
	return *owner, sum, nil
}

// executionSummary runs q, executionSummary or executionSummaryOwner,
// and adds up its rows; the owner is nil for the first, or when the
// second finds no actor.
func (s *Store) executionSummary(ctx context.Context, q query, tenant, actorID string) (*string, *abaco.ExecutionSummary, error) {
	// Scanned field by field: sqlx's reflection was a fifth of a list's CPU.
	rows, err := s.readRows(ctx, q, tenant, actorID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	withOwner := q == qExecutionSummaryOwner
	var owner *string
	sum := &abaco.ExecutionSummary{Executions: []*abaco.Execution{}}
	var r executionRow
	dest := []any{&r.ID, &r.Status, &r.MessageReceivedTime, &r.StartTime, &r.FinishTime, &r.Runtime, &r.CPU, &r.IO}
	if withOwner {
		owner = new(string)
		dest = append([]any{owner}, dest...)
	}
	found := false
	for rows.Next() {
		if len(sum.Executions)%rowsPerCtxCheck == rowsPerCtxCheck-1 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		r = executionRow{}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		found = true
		if r.ID == "" { // executionSummaryOwner's row of an actor without executions
			continue
		}
		sum.TotalCPU += r.CPU
		sum.TotalIO += r.IO
		sum.TotalRuntime += int64(r.Runtime)
		sum.Executions = append(sum.Executions, &abaco.Execution{
			ID: r.ID, Status: r.Status, MessageReceivedTime: fromMsec(r.MessageReceivedTime),
			StartTime: fromMsec(r.StartTime), FinishTime: fromMsec(r.FinishTime),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if !found {
		owner = nil
	}
	sum.TotalExecutions = len(sum.Executions)
	return owner, sum, nil
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
	n, err := affected(s.w.ExecContext(ctx, s.sql(qExecutionDeletePending), tenant, actorID))
	if err != nil {
		return 0, fmt.Errorf("delete pending executions of %s: %w", actorID, err)
	}
	return n, nil
}

// ExecutionClaimMany makes the claims of ps at once (one statement on
// PostgreSQL, one group transaction on SQLite): each actor's oldest
// unclaimed executions go to its workers in the order given. The i-th
// result is what ps[i]'s worker got, nil when its actor's queue ran out.
func (s *Store) ExecutionClaimMany(ctx context.Context, ps []abaco.ExecutionClaimParams) ([]*abaco.Execution, error) {
	var claimed []*abaco.Execution
	var err error
	if s.dialect == Postgres {
		claimed, err = s.claimAtOnce(ctx, ps)
	} else {
		claimed, err = s.claimGrouped(ctx, ps)
	}
	if err != nil {
		return nil, fmt.Errorf("claim executions: %w", err)
	}
	got := make(map[string]*abaco.Execution, len(claimed)) // by worker id
	for _, e := range claimed {
		got[e.WorkerID] = e
	}
	out := make([]*abaco.Execution, len(ps))
	for i, p := range ps {
		out[i] = got[p.WorkerID]
	}
	return out, nil
}

// claimGrouped makes the claims in one group transaction (SQLite), one
// statement per actor.
func (s *Store) claimGrouped(ctx context.Context, ps []abaco.ExecutionClaimParams) ([]*abaco.Execution, error) {
	var byActor []abaco.ActorRef
	workers := map[abaco.ActorRef][]string{}
	for _, p := range ps {
		ref := abaco.ActorRef{Tenant: p.Tenant, ActorID: p.ActorID}
		if workers[ref] == nil {
			byActor = append(byActor, ref)
		}
		workers[ref] = append(workers[ref], p.WorkerID)
	}
	var claimed []*abaco.Execution
	err := s.group.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		claimed = claimed[:0]
		for _, ref := range byActor {
			es, err := s.claimTx(ctx, tx, ref.Tenant, ref.ActorID, workers[ref])
			if err != nil {
				return err
			}
			claimed = append(claimed, es...)
		}
		return nil
	})
	return claimed, err
}

// claimAtOnce runs qExecutionClaimMany (PostgreSQL): one statement, one
// round trip, no BEGIN and COMMIT of their own.
func (s *Store) claimAtOnce(ctx context.Context, ps []abaco.ExecutionClaimParams) ([]*abaco.Execution, error) {
	workers, tenants, actors := make([]string, len(ps)), make([]string, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		workers[i], tenants[i], actors[i] = p.WorkerID, p.Tenant, p.ActorID
	}
	claim, err := s.keyedStmts.get(ctx, s.sql(qExecutionClaimMany))
	if err != nil {
		return nil, err
	}
	var rows []executionRow
	if err := claim.SelectContext(ctx, &rows, pq.Array(workers), pq.Array(tenants), pq.Array(actors)); err != nil {
		return nil, err
	}
	return executionsOf(rows)
}

// executionsOf converts rows.
func executionsOf(rows []executionRow) ([]*abaco.Execution, error) {
	es := make([]*abaco.Execution, len(rows))
	for i := range rows {
		var err error
		if es[i], err = rows[i].execution(); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// claimTx gives the actor's oldest unclaimed executions to workers, one
// each in order, in tx; fewer when the queue runs out.
func (s *Store) claimTx(ctx context.Context, tx *sqlx.Tx, tenant, actorID string, workers []string) ([]*abaco.Execution, error) {
	ids, err := json.Marshal(workers)
	if err != nil {
		return nil, err
	}
	claim, err := s.txStmt(ctx, tx, qExecutionClaimBatch)
	if err != nil {
		return nil, err
	}
	var rows []executionRow
	if err := claim.SelectContext(ctx, &rows, tenant, actorID, len(workers), string(ids)); err != nil {
		return nil, err
	}
	return executionsOf(rows)
}

// ExecutionQueues returns each actor with unclaimed executions and how
// many it has, in one query (the dispatcher's view of the queue).
func (s *Store) ExecutionQueues(ctx context.Context) ([]abaco.ActorQueue, error) {
	var rows []struct {
		actorRow
		Pending int `db:"pending"`
	}
	queues, err := s.reads.get(ctx, s.sql(qExecutionQueues))
	if err == nil {
		err = queues.SelectContext(ctx, &rows)
	}
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	out := make([]abaco.ActorQueue, len(rows))
	for i := range rows {
		a, err := rows[i].actor()
		if err != nil {
			return nil, fmt.Errorf("list queues: %w", err)
		}
		out[i] = abaco.ActorQueue{Actor: a, Pending: rows[i].Pending}
	}
	return out, nil
}

// ExecutionUnclaim puts a claimed, not yet RUNNING execution back in the
// queue. It does nothing if workerID no longer holds the execution.
func (s *Store) ExecutionUnclaim(ctx context.Context, id, workerID string) error {
	if _, err := s.w.ExecContext(ctx, s.sql(qExecutionUnclaim), id, workerID); err != nil {
		return fmt.Errorf("unclaim execution %s: %w", id, err)
	}
	return nil
}

// ExecutionSetRunning moves each execution of ps that its WorkerID claimed
// to RUNNING, all in one transaction (one statement on PostgreSQL), and
// returns how many it moved.
func (s *Store) ExecutionSetRunning(ctx context.Context, ps ...abaco.ExecutionSetRunningParams) (int, error) {
	if len(ps) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if s.dialect == Postgres {
		ids, workers, starts := make([]string, len(ps)), make([]string, len(ps)), make([]int64, len(ps))
		for i, p := range ps {
			ids[i], workers[i], starts[i] = p.ID, p.WorkerID, p.StartTime.UnixMilli()
		}
		var set *sqlx.Stmt
		if set, err = s.keyedStmts.get(ctx, s.sql(qExecutionSetRunningMany)); err == nil {
			n, err = affected(set.ExecContext(ctx, pq.Array(ids), pq.Array(workers), pq.Array(starts)))
		}
	} else {
		err = s.group.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			n = 0
			set, err := s.txStmt(ctx, tx, qExecutionSetRunning)
			if err != nil {
				return err
			}
			for _, p := range ps {
				moved, err := affected(set.ExecContext(ctx, msec(p.StartTime), p.ID, p.WorkerID))
				if err != nil {
					return err
				}
				n += moved
			}
			return nil
		})
	}
	if err != nil {
		return 0, fmt.Errorf("set %d executions running: %w", len(ps), err)
	}
	return n, nil
}

// ExecutionFinish finalizes the execution, stores p.Log and queues its
// EXECUTION_COMPLETE event (if the actor has a link or webhook) in one
// (group) transaction. If the execution was already final (or does not
// exist) it changes nothing, so a losing finisher does not overwrite the
// winner's log.
func (s *Store) ExecutionFinish(ctx context.Context, p abaco.ExecutionFinishParams) (bool, error) {
	finished, _, err := s.ExecutionFinishNext(ctx, p, nil)
	return finished, err
}

// ExecutionFinishNext is ExecutionFinish and, if next is set and the
// execution did finish, the claim of next's actor's oldest unclaimed
// execution for next.WorkerID, in the same transaction: a worker that
// carries on with its actor's queue pays one commit per execution for
// both. The claimed execution is nil when the queue is empty.
func (s *Store) ExecutionFinishNext(ctx context.Context, p abaco.ExecutionFinishParams, next *abaco.ExecutionClaimParams) (bool, *abaco.Execution, error) {
	if s.dialect == Postgres && p.Log != nil {
		finished, claimed, err := s.finishes.finish(ctx, p, next)
		if err != nil {
			return false, nil, fmt.Errorf("finish execution %s: %w", p.ID, err)
		}
		if finished {
			return true, claimed, nil
		}
	}
	var finished bool
	var claimed *abaco.Execution
	err := s.group.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var err error
		claimed = nil
		if finished, err = s.finishTx(ctx, tx, p); err != nil || !finished || next == nil {
			return err
		}
		got, err := s.claimTx(ctx, tx, next.Tenant, next.ActorID, []string{next.WorkerID})
		if err == nil && len(got) > 0 {
			claimed = got[0]
		}
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("finish execution %s: %w", p.ID, err)
	}
	return finished, claimed, nil
}

// finishTx is ExecutionFinish's general path in tx.
func (s *Store) finishTx(ctx context.Context, tx *sqlx.Tx, p abaco.ExecutionFinishParams) (bool, error) {
	var ref struct {
		Tenant  string         `db:"tenant"`
		ActorID string         `db:"actor_id"`
		Link    sql.NullString `db:"link"`
		Webhook sql.NullString `db:"webhook"`
	}
	finish, err := s.txStmt(ctx, tx, qExecutionFinish)
	if err != nil {
		return false, err
	}
	err = finish.GetContext(ctx, &ref, p.Status, msec(p.StartTime),
		msec(p.FinishTime), p.Runtime, p.CPU, p.IO, p.ExitCode, rawJSON(p.FinalState), p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // final already, or gone
	}
	if err != nil {
		return false, err
	}
	if s.dialect == Postgres {
		doc, err := s.txStmt(ctx, tx, qExecutionSearchDoc)
		if err != nil {
			return false, err
		}
		if _, err := doc.ExecContext(ctx, p.ID); err != nil {
			return false, err
		}
	}
	if p.Log != nil {
		put, err := s.txStmt(ctx, tx, qLogPut)
		if err != nil {
			return false, err
		}
		if _, err := put.ExecContext(ctx, logPutArgs(p.Log)...); err != nil {
			return false, err
		}
	}
	if ref.Link.String != "" || ref.Webhook.String != "" {
		if err := s.eventExecutionComplete(ctx, tx, ref.Tenant, ref.ActorID, p); err != nil {
			return false, err
		}
	}
	return true, nil
}

// ExecutionRequestHalt marks a RUNNING execution for halting and returns
// the status it found.
func (s *Store) ExecutionRequestHalt(ctx context.Context, tenant, actorID, id string) (string, error) {
	var status string
	if err := s.w.GetContext(ctx, &status, s.sql(qExecutionRequestHalt), tenant, actorID, id); err != nil {
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
	es, err := executionsOf(rows)
	if err != nil {
		return nil, fmt.Errorf("list claimed executions: %w", err)
	}
	return es, nil
}
