package storage

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// queueChannelOf names the PostgreSQL notification channel of the new
// executions of the deployment in schema: notifications are per database,
// and deployments (or test runs) in other schemas of the same database must
// not wake this one. Every batch of message inserts notifies it in its own
// transaction (so at commit, and once per batch however many rows), and
// each server's scheduler listens: a message taken by one server wakes the
// schedulers of all the servers sharing the schema, not only its own.
func queueChannelOf(schema string) string {
	const maxIdentifier = 63 // bytes, PostgreSQL's NAMEDATALEN - 1
	return truncate("abaco_queue."+schema, maxIdentifier)
}

// notifyQueue wraps an insert so that its commit also notifies the queue channel,
// with this store's id as the payload: its own scheduler has been woken
// by the service already, and WatchQueue passes over its own notifications.
func (s *Store) notifyQueue(insert string) string {
	return `WITH inserted AS (` + insert + `) SELECT pg_notify(` + pq.QuoteLiteral(s.queueChannel) + `, '` + s.id + `')`
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
	if err := l.Listen(s.queueChannel); err != nil {
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

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
