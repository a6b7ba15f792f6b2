package storage

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
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

// maxBatchRows bounds a batch: 19 columns × 128 rows stays well under both
// databases' limits on bound parameters (SQLite 32766, PostgreSQL 65535).
const maxBatchRows = 128

type insertRequest struct {
	ctx    context.Context
	values []any
	done   chan error
}

// inserter runs the committers of one store.
type inserter struct {
	s     *Store
	reqs  chan *insertRequest
	stop  chan struct{}
	wg    sync.WaitGroup
	stmts []string // stmts[n-1] inserts n rows (and on PostgreSQL notifies queueChannel)
}

// newInserter starts committers: one on SQLite (one writer at a time
// anyway), a few on PostgreSQL so that a batch fills while another commits.
func newInserter(s *Store) *inserter {
	in := &inserter{s: s, reqs: make(chan *insertRequest), stop: make(chan struct{})}
	one := "(" + placeholders(executionColumns) + ")"
	values := one
	for n := 1; n <= maxBatchRows; n++ {
		if n > 1 {
			values += ", " + one
		}
		q := `INSERT INTO executions (` + executionColumns + `) VALUES ` + values
		if s.dialect == Postgres {
			q = sqlx.Rebind(sqlx.DOLLAR, q)
		}
		in.stmts = append(in.stmts, q)
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

// insert queues one row's values and waits until they are committed.
func (in *inserter) insert(ctx context.Context, values []any) error {
	r := &insertRequest{ctx: ctx, values: values, done: make(chan error, 1)}
	return hand(ctx, in.reqs, in.stop, r, r.done)
}

func (r *insertRequest) context() context.Context { return r.ctx }
func (r *insertRequest) answer(err error)         { r.done <- err }

// commit inserts the batch in one statement, or row by row if that fails.
func (in *inserter) commit(batch []*insertRequest) {
	live := stillWanted(batch)
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	if len(live) > 1 {
		args := make([]any, 0, len(live)*len(live[0].values))
		for _, r := range live {
			args = append(args, r.values...)
		}
		insert, err := in.s.writes.get(ctx, in.stmts[len(live)-1])
		if err == nil {
			_, err = insert.ExecContext(ctx, args...)
		}
		if err == nil {
			in.s.notifier.queued()
			for _, r := range live {
				r.done <- nil
			}
			return
		}
	}
	for _, r := range live {
		_, err := in.s.w.ExecContext(ctx, in.stmts[0], r.values...)
		if err == nil {
			in.s.notifier.queued()
		}
		r.done <- err
	}
}

// close stops the committers after the batches under way.
func (in *inserter) close() {
	close(in.stop)
	in.wg.Wait()
}
