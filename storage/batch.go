package storage

import (
	"context"
	"strings"
	"sync"
)

// Group commit of new executions. Every acknowledged message is one
// committed row, and a commit is the expensive part: an fsync of the WAL on
// both databases and, on SQLite, the single write lock that concurrent
// writers otherwise queue for by sleeping in the busy handler. So
// concurrent ExecutionCreate calls are coalesced: a committer takes the
// first waiting insert, whatever else is already waiting (up to
// maxBatchRows), and commits them in one transaction with one multi-row
// INSERT. Each caller still returns only after its row is committed, so a
// message is durable when acknowledged exactly as before; an idle server
// pays one channel hand-off per message and no waiting.
//
// If the batch fails (say, one row's actor was just deleted), each of its
// rows is inserted again on its own, so one bad row fails only its caller.
//
// A row may come with a worker to claim it (ExecutionCreateClaimed): the
// row is then stored already claimed by that worker unless an older
// unclaimed message of its actor waits (first come, first served), which
// the statement decides row by row and tells in its RETURNING.

// maxBatchRows bounds a batch: 24 parameters × 128 rows stays well under
// both databases' limits on bound parameters (SQLite 32766, PostgreSQL
// 65535).
const maxBatchRows = 128

// claimIfFirst stands for worker_id in an inserted row: the row's own
// worker_id if set, else the worker offered to claim it (parameter 2,
// repeated as parameter 5) if the actor (parameters 3, 4) has no
// unclaimed execution waiting, else NULL. The claims' partial index
// (executions_pending) answers whether the queue is empty.
const claimIfFirst = `COALESCE(?, CASE WHEN CAST(? AS TEXT) IS NULL THEN NULL
	WHEN EXISTS (SELECT 1 FROM executions q WHERE q.tenant = ? AND q.actor_id = ?
		AND q.status = 'SUBMITTED' AND q.worker_id IS NULL) THEN NULL
	ELSE ? END)`

type insertRequest struct {
	ctx      context.Context
	values   []any
	id       string
	claimFor string // the worker offered to claim the row, if any
	claimed  bool   // the row was stored claimed by claimFor
	done     chan error
}

// inserter runs the committers of one store.
type inserter struct {
	s     *Store
	reqs  chan *insertRequest
	stop  chan struct{}
	wg    sync.WaitGroup
	stmts []string // stmts[n-1] inserts n rows and returns their ids and worker ids
}

// newInserter starts committers: one on SQLite (one writer at a time
// anyway), a few on PostgreSQL so that a batch fills while another commits.
func newInserter(s *Store) *inserter {
	in := &inserter{s: s, reqs: make(chan *insertRequest), stop: make(chan struct{})}
	params := strings.Split(placeholders(executionColumns), ", ")
	params[workerIDColumn] = claimIfFirst
	one := "(" + strings.Join(params, ", ") + ")"
	values := one
	for n := 1; n <= maxBatchRows; n++ {
		if n > 1 {
			values += ", " + one
		}
		in.stmts = append(in.stmts, s.w.Rebind(`INSERT INTO executions (`+executionColumns+`) VALUES `+values+
			` RETURNING id, worker_id`))
	}
	committers := 1
	if s.dialect == Postgres {
		committers = 4
	}
	for range committers {
		in.wg.Add(1)
		go serve(&in.wg, in.reqs, in.stop, maxBatchRows, in.commit)
	}
	return in
}

// insert queues one row and waits until it is committed; it reports
// whether the row was stored claimed by claimFor (if set).
func (in *inserter) insert(ctx context.Context, row *executionRow, claimFor string) (bool, error) {
	r := newInsertRequest(ctx, row, claimFor)
	err := hand(ctx, in.reqs, in.stop, r, r.done)
	return r.claimed, err
}

func newInsertRequest(ctx context.Context, row *executionRow, claimFor string) *insertRequest {
	return &insertRequest{ctx: ctx, values: row.insertValues(claimFor), id: row.ID, claimFor: claimFor, done: make(chan error, 1)}
}

func (r *insertRequest) context() context.Context { return r.ctx }
func (r *insertRequest) answer(err error)         { r.done <- err }

// commit inserts the batch in one statement and answers each request. If
// the statement fails, nothing was written, and each row is inserted again
// alone, so that one bad row fails only its caller (as finishbatch.go's
// commit does).
func (in *inserter) commit(batch []*insertRequest) {
	live := stillWanted(batch)
	if len(live) == 0 {
		return
	}
	claimed, err := in.run(context.Background(), live)
	if err != nil && len(live) > 1 {
		for _, r := range live {
			in.commit([]*insertRequest{r})
		}
		return
	}
	queued := false // a row left in the queue, for other servers to hear of
	for _, r := range live {
		r.claimed = err == nil && r.claimFor != "" && claimed[r.id]
		queued = queued || (err == nil && !r.claimed)
		r.done <- err
	}
	if queued {
		in.s.notifier.queued()
	}
}

// run inserts rs in one statement and returns the ids of the rows it
// stored claimed.
func (in *inserter) run(ctx context.Context, rs []*insertRequest) (map[string]bool, error) {
	args := make([]any, 0, len(rs)*len(rs[0].values))
	for _, r := range rs {
		args = append(args, r.values...)
	}
	insert, err := in.s.writes.get(ctx, in.stmts[len(rs)-1])
	if err != nil {
		return nil, err
	}
	rows, err := insert.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	claimed := map[string]bool{}
	for rows.Next() {
		var id string
		var worker *string
		if err := rows.Scan(&id, &worker); err != nil {
			return nil, err
		}
		if worker != nil {
			claimed[id] = true
		}
	}
	return claimed, rows.Err()
}

// close stops the committers after the batches under way.
func (in *inserter) close() {
	close(in.stop)
	in.wg.Wait()
}
