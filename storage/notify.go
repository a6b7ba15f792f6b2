package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// queueChannel is the PostgreSQL notification channel of new executions.
// Every batch of message inserts notifies it in its own transaction (so at
// commit, and once per batch however many rows), and each server's
// scheduler listens: a message taken by one server wakes the schedulers of
// all the servers sharing the database, not only its own.
const queueChannel = "abaco_queue"

// notifyQueue wraps an insert so that its commit also notifies queueChannel,
// with this store's id as the payload: its own scheduler has been woken
// by the service already, and WatchQueue passes over its own notifications.
func (s *Store) notifyQueue(insert string) string {
	return `WITH inserted AS (` + insert + `) SELECT pg_notify('` + queueChannel + `', '` + s.id + `')`
}

// WatchQueue returns a channel that receives when executions may have been
// queued by any server sharing the database (coalesced: one value waits at
// most), until ctx ends. On SQLite it returns nil: one server owns the file
// and the service wakes its own scheduler. An error says the listener could
// not start; only the scheduler's periodic sweep then finds other servers'
// messages.
func (s *Store) WatchQueue(ctx context.Context) (<-chan struct{}, error) {
	if s.dialect != Postgres {
		return nil, nil
	}
	out := make(chan struct{}, 1)
	wake := func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
	// After a lost connection the listener reconnects by itself; a
	// notification may have been missed meanwhile, so it wakes then too.
	l := pq.NewListener(s.dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventReconnected {
			wake()
		}
	})
	if err := l.Listen(queueChannel); err != nil {
		l.Close()
		return nil, fmt.Errorf("listen for queued messages: %w", err)
	}
	go func() {
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.Notify:
				if n == nil || n.Extra != s.id { // nil: reconnected, maybe missed some
					wake()
				}
			}
		}
	}()
	return out, nil
}
