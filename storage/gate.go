package storage

import (
	"context"
	"runtime"
)

// readGate bounds how many short reads (the cached list and get reads of
// readRows and readRow; not searches, not writes) run at once, and lets the
// others in first come, first served.
//
// All SQLite connections of the process share one page cache, behind one
// mutex that every page fetch takes (the driver is built with
// SQLITE_ENABLE_MEMORY_MANAGEMENT), and the driver's mutexes are Go
// mutexes. With more reads running than the process has cores, a read is
// often descheduled holding that mutex; the others then wait for it long
// enough that the Go mutex turns to handing itself over, and each of the
// thousands of releases of a list gives up the core. In the scale bench
// (8 clients, 2 cores) that hand-over was a third of the time runnable
// goroutines waited for a core. database/sql's own limit (SetMaxOpenConns)
// would also bound them, but it hands a freed connection to a random
// waiter, which lengthens the tail; a channel serves waiters in order.
type readGate chan struct{}

// newReadGate returns the gate of a store: on SQLite as many places as
// cores (GOMAXPROCS), on PostgreSQL twice as many. PostgreSQL's reads run in
// its own processes, but with the database on the same cores (one machine,
// the scale bench) eight list reads in flight made eight backends share two
// cores: each took eight times as long and the tail grew with the kernel's
// time slicing. Waiting here instead, in order, measured on the loaded
// bench database (8 clients): p99 of list actors 16-22 ms ungated, 11-12
// ms with 4 places, 9-10 ms with 2 (list executions 21-22, 9-10, 8 ms),
// throughput unchanged with 4 and 5-10% lower with 2. Twice the cores
// leaves room for the network round trips of a database on another host;
// GOMAXPROCS sets it.
func newReadGate(dialect string) readGate {
	n := runtime.GOMAXPROCS(0)
	if dialect == Postgres {
		n *= 2
	}
	return make(readGate, n)
}

// enter waits for a place, or for ctx to end; release gives it back.
func (g readGate) enter(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	select {
	case g <- struct{}{}:
		return func() { <-g }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
