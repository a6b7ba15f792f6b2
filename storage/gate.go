package storage

import (
	"context"
	"runtime"
)

// readGate bounds how many SQLite reads run at once, and lets the others
// in first come, first served.
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

// newReadGate returns the gate of a SQLite store: as many places as cores
// (GOMAXPROCS). PostgreSQL's reads run in its own processes and need none:
// nil lets every read in.
func newReadGate(dialect string) readGate {
	if dialect != SQLite {
		return nil
	}
	return make(readGate, runtime.GOMAXPROCS(0))
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
