package storage

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Group commit (on SQLite) of the scheduler's small write transactions (claims,
// RUNNING, finishes, worker records). Each is a few statements, and alone
// it would pay a whole commit: an fsync of the WAL on both databases and,
// on SQLite, a turn at the single write lock. Concurrent ones are run in one
// transaction instead: a committer takes the first waiting transaction
// function and whatever else is waiting (up to maxGroupOps) and commits them
// together. A caller still returns only after its writes are committed, so
// "returned nil" keeps meaning "durable".
//
// A function must touch the database only through its tx and may be run
// more than once: if the group fails (one function's error, or the commit),
// it is rolled back and every function is run again in a transaction of its
// own, so that one bad write fails only its caller.

// maxGroupOps bounds one group: enough to take a whole dispatch wave, small
// enough that the first caller does not wait long behind the last.
const maxGroupOps = 256

type groupOp struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sqlx.Tx) error
	done chan error
}

// grouper runs the committer of one store.
type grouper struct {
	s        *Store
	grouping bool // false: each function runs in a transaction of its own
	ops      chan *groupOp
	stop     chan struct{}
	wg       sync.WaitGroup
}

// newGrouper starts the committer on SQLite. PostgreSQL groups commits
// itself (a backend flushing the WAL flushes its neighbours' commits too),
// and there a group would run on one connection statements that separate
// transactions run in parallel; measured, grouping there was slower.
func newGrouper(s *Store) *grouper {
	g := &grouper{s: s, grouping: s.dialect == SQLite, ops: make(chan *groupOp), stop: make(chan struct{})}
	if g.grouping {
		g.wg.Add(1)
		go serve(&g.wg, g.ops, g.stop, maxGroupOps, g.commit)
	}
	return g
}

// do runs fn in a group transaction and waits until it is committed.
func (g *grouper) do(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	if !g.grouping {
		return g.s.inTx(ctx, func(tx *sqlx.Tx) error { return fn(ctx, tx) })
	}
	op := &groupOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	return hand(ctx, g.ops, g.stop, op, op.done)
}

// hand gives r to a committer and waits for its outcome. Once taken, r is
// committed or not within one transaction's time; waiting for the answer
// keeps "returned nil" meaning "durable".
func hand[T any](ctx context.Context, reqs chan<- T, stop <-chan struct{}, r T, done <-chan error) error {
	select {
	case reqs <- r:
	case <-stop:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-done
}

// A request is what a committer takes from a caller: the caller's context
// and where its outcome goes.
type request interface {
	context() context.Context
	answer(err error)
}

func (op *groupOp) context() context.Context { return op.ctx }
func (op *groupOp) answer(err error)         { op.done <- err }

// serve is a committer: it gathers batches of up to max requests from reqs
// and commits each, until stop is closed.
func serve[T any](wg *sync.WaitGroup, reqs <-chan T, stop <-chan struct{}, max int, commit func([]T)) {
	defer wg.Done()
	for {
		batch, ok := gather(reqs, stop, max)
		if !ok {
			return
		}
		commit(batch)
	}
}

// stillWanted answers the requests whose callers gave up before anything
// was written and returns the others. Once taken, a request runs to its
// end: a caller that gives up meanwhile must not fail the others' commit.
func stillWanted[T request](batch []T) []T {
	live := batch[:0]
	for _, r := range batch {
		if err := r.context().Err(); err != nil {
			r.answer(err)
			continue
		}
		live = append(live, r)
	}
	return live
}

// gather waits for the first request and takes whatever else is already
// waiting, up to max: a batch forms while the previous one commits, and an
// idle server pays no waiting. It reports false when stop is closed.
func gather[T any](reqs <-chan T, stop <-chan struct{}, max int) ([]T, bool) {
	var first T
	select {
	case first = <-reqs:
	case <-stop:
		return nil, false
	}
	batch := []T{first}
	for len(batch) < max {
		select {
		case r := <-reqs:
			batch = append(batch, r)
		default:
			return batch, true
		}
	}
	return batch, true
}

// commit runs the group in one transaction, or each function alone if that
// fails.
func (g *grouper) commit(group []*groupOp) {
	live := stillWanted(group)
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	if len(live) > 1 && g.together(ctx, live) == nil {
		for _, op := range live {
			op.done <- nil
		}
		return
	}
	for _, op := range live {
		op.done <- g.s.inTx(ctx, func(tx *sqlx.Tx) error { return op.fn(ctx, tx) })
	}
}

func (g *grouper) together(ctx context.Context, ops []*groupOp) error {
	tx, err := g.s.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if err := op.fn(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// close stops the committers after the groups under way.
func (g *grouper) close() {
	close(g.stop)
	g.wg.Wait()
}
