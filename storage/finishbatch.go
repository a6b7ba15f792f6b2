package storage

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/abaco-hpc/abaco"
)

// Batched finishes (PostgreSQL). A busy scheduler finishes executions on
// many workers at once, and each finish was a statement and a commit of its
// own: the parse, plan and commit of a statement cost PostgreSQL more than
// the rows it writes. So the common finish (an actor with no link or
// webhook, with its log, and the claim of the actor's next execution for the
// same worker) is handed to a committer, which takes whatever finishes are
// waiting (up to maxFinishBatch) and makes them in one statement: the
// executions, their logs, and the claims. Each caller still returns only
// once its finish is committed. A finish the statement does not make (final
// already, or its actor has an event target) is answered "not finished", and
// ExecutionFinishNext takes its general path, as before.

// maxFinishBatch bounds a batch: the scheduler's workers rarely number more.
const maxFinishBatch = 128

// finishCommitters run batches at once, so that one fills while another
// commits.
const finishCommitters = 3

// qExecutionFinishBatch finishes the executions given as parallel arrays
// (v), stores their logs, and claims for each finished one whose request
// names a worker (next_worker) the oldest unclaimed execution of that
// worker's actor not claimed by another row: per actor, the k oldest for its
// k workers, in worker order. It answers one row per finished execution,
// with the execution its worker claimed (claimedColumns; "" id when none).
var qExecutionFinishBatch = newDialectQuery(``, `WITH v AS (
		SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::int[], ?::bigint[],
			?::bigint[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[])
		AS v(id, status, start_time, finish_time, runtime, cpu, io, exit_code, final_state,
			log_text, log_expires, next_worker, next_tenant, next_actor)),
	f AS (UPDATE executions e SET status = v.status, start_time = COALESCE(e.start_time, v.start_time),
			finish_time = v.finish_time, runtime = v.runtime, cpu = v.cpu, io = v.io,
			exit_code = v.exit_code, final_state = v.final_state,
			search_doc = `+executionSearchDocOf("e", "v.status", "v.final_state")+`
		FROM v
		WHERE e.id = v.id AND e.status NOT IN ('COMPLETE', 'ERROR') AND NOT EXISTS (
			SELECT 1 FROM actors a WHERE a.tenant = e.tenant AND a.id = e.actor_id
				AND (a.link <> '' OR a.webhook <> ''))
		RETURNING e.id, e.tenant, e.actor_id),
	l AS (INSERT INTO logs (execution_id, tenant, actor_id, text, expires_at)
		SELECT f.id, f.tenant, f.actor_id, v.log_text, v.log_expires FROM f JOIN v ON v.id = f.id
		`+logConflict+`),
	w AS (SELECT v.next_worker, v.next_tenant, v.next_actor,
			row_number() OVER (PARTITION BY v.next_tenant, v.next_actor ORDER BY v.next_worker) AS rn
		FROM v JOIN f ON f.id = v.id WHERE v.next_worker IS NOT NULL),
	k AS (SELECT next_tenant AS tenant, next_actor AS actor_id, COUNT(*) AS n FROM w GROUP BY 1, 2),
	p AS (SELECT x.seq, k.tenant, k.actor_id,
			row_number() OVER (PARTITION BY k.tenant, k.actor_id ORDER BY x.seq) AS rn
		FROM k CROSS JOIN LATERAL (SELECT q.seq FROM executions q
			WHERE q.tenant = k.tenant AND q.actor_id = k.actor_id AND q.status = 'SUBMITTED'
				AND q.worker_id IS NULL
			ORDER BY q.seq LIMIT k.n FOR UPDATE SKIP LOCKED) x),
	c AS (UPDATE executions e SET worker_id = w.next_worker
		FROM p JOIN w ON w.next_tenant = p.tenant AND w.next_actor = p.actor_id AND w.rn = p.rn
		WHERE e.seq = p.seq
		RETURNING `+qualified("e", executionColumns)+`)
	SELECT f.id AS finished_id, `+claimedColumns+`
	FROM f JOIN v ON v.id = f.id LEFT JOIN c ON c.worker_id = v.next_worker`)

type finishRequest struct {
	ctx  context.Context
	p    abaco.ExecutionFinishParams
	next *abaco.ExecutionClaimParams
	done chan error
	// Set before done is sent nil:
	finished bool
	claimed  *abaco.Execution
}

// finisher runs the committers of one PostgreSQL store.
type finisher struct {
	s    *Store
	reqs chan *finishRequest
	stop chan struct{}
	wg   sync.WaitGroup
}

// newFinisher starts committers on PostgreSQL (nil on SQLite, whose group
// commit does the same): a few, so that a batch fills while another commits.
func newFinisher(s *Store) *finisher {
	if s.dialect != Postgres {
		return nil
	}
	f := &finisher{s: s, reqs: make(chan *finishRequest), stop: make(chan struct{})}
	for range finishCommitters {
		f.wg.Add(1)
		go serve(&f.wg, f.reqs, f.stop, maxFinishBatch, f.commit)
	}
	return f
}

// finish makes p (whose Log must be set) and the claim for next (if set) in
// a batch, and reports whether p finished and what next's worker claimed.
func (f *finisher) finish(ctx context.Context, p abaco.ExecutionFinishParams, next *abaco.ExecutionClaimParams) (bool, *abaco.Execution, error) {
	r := &finishRequest{ctx: ctx, p: p, next: next, done: make(chan error, 1)}
	if err := hand(ctx, f.reqs, f.stop, r, r.done); err != nil {
		return false, nil, err
	}
	return r.finished, r.claimed, nil
}

func (r *finishRequest) context() context.Context { return r.ctx }
func (r *finishRequest) answer(err error)         { r.done <- err }

// commit makes the batch in one statement and answers each request. If
// the statement fails, nothing was written, and each request is made again
// alone, so that one bad request fails only its caller.
func (f *finisher) commit(batch []*finishRequest) {
	live := stillWanted(batch)
	if len(live) == 0 {
		return
	}
	answers, written, err := f.exec(context.Background(), live)
	if err != nil && !written && len(live) > 1 {
		for _, r := range live {
			f.commit([]*finishRequest{r})
		}
		return
	}
	for _, r := range live {
		if err == nil {
			a := answers[r.p.ID]
			r.finished, r.claimed = a.finished, a.claimed
		}
		r.done <- err
	}
}

// finishAnswer is what the batch statement did for one request.
type finishAnswer struct {
	finished bool
	claimed  *abaco.Execution
}

// exec runs rs in one statement and returns what it did, by execution id.
// written says whether an error came after the statement had run (reading
// its answer), when running the requests again would not help.
func (f *finisher) exec(ctx context.Context, rs []*finishRequest) (answers map[string]finishAnswer, written bool, err error) {
	n := len(rs)
	var (
		ids, statuses, workers = make([]string, n), make([]string, n), make([]sql.NullString, n)
		tenants, actors        = make([]sql.NullString, n), make([]sql.NullString, n)
		starts, finishes, cpus = make([]sql.NullInt64, n), make([]sql.NullInt64, n), make([]int64, n)
		ios, expires           = make([]int64, n), make([]sql.NullInt64, n)
		runtimes, codes        = make([]int64, n), make([]sql.NullInt64, n)
		states, texts          = make([]sql.NullString, n), make([]string, n)
	)
	for i, r := range rs {
		p := r.p
		ids[i], statuses[i], runtimes[i], cpus[i], ios[i] = p.ID, p.Status, int64(p.Runtime), p.CPU, p.IO
		starts[i], finishes[i], expires[i] = nullMsec(p.StartTime), nullMsec(p.FinishTime), nullMsec(p.Log.ExpiresAt)
		if p.ExitCode != nil {
			codes[i] = sql.NullInt64{Int64: int64(*p.ExitCode), Valid: true}
		}
		if s := rawJSON(p.FinalState); s != nil {
			states[i] = sql.NullString{String: *s, Valid: true}
		}
		texts[i] = p.Log.Text
		if r.next != nil {
			workers[i] = sql.NullString{String: r.next.WorkerID, Valid: true}
			tenants[i] = sql.NullString{String: r.next.Tenant, Valid: true}
			actors[i] = sql.NullString{String: r.next.ActorID, Valid: true}
		}
	}
	stmt, err := f.s.keyedStmts.get(ctx, f.s.sql(qExecutionFinishBatch))
	if err != nil {
		return nil, false, err
	}
	rows, err := stmt.QueryxContext(ctx, pq.Array(ids), pq.Array(statuses), pq.Array(starts),
		pq.Array(finishes), pq.Array(runtimes), pq.Array(cpus), pq.Array(ios), pq.Array(codes),
		pq.Array(states), pq.Array(texts), pq.Array(expires), pq.Array(workers), pq.Array(tenants),
		pq.Array(actors))
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	answers = make(map[string]finishAnswer, n)
	for rows.Next() {
		var out struct {
			FinishedID string `db:"finished_id"`
			executionRow
		}
		if err := rows.StructScan(&out); err != nil {
			return nil, true, err
		}
		a := finishAnswer{finished: true}
		if out.ID != "" {
			if a.claimed, err = out.execution(); err != nil {
				return nil, true, err
			}
		}
		answers[out.FinishedID] = a
	}
	// An error of the server's ends the statement, which then wrote nothing.
	return answers, false, rows.Err()
}

// close stops the committers after the batches under way.
func (f *finisher) close() {
	if f == nil {
		return
	}
	close(f.stop)
	f.wg.Wait()
}

// nullMsec is msec for an array element.
func nullMsec(t time.Time) sql.NullInt64 {
	if ms := msec(t); ms != nil {
		return sql.NullInt64{Int64: *ms, Valid: true}
	}
	return sql.NullInt64{}
}
