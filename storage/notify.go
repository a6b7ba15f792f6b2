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
// not wake this one. Each server's scheduler listens, so a message taken by
// one server wakes the schedulers of all the servers sharing the schema,
// not only its own.
func queueChannelOf(schema string) string {
	const maxIdentifier = 63 // bytes, PostgreSQL's NAMEDATALEN - 1
	return truncate("abaco_queue."+schema, maxIdentifier)
}

// notifyInterval is the least time between two notifications of one
// server: other servers learn of its messages at most this much later.
const notifyInterval = 5 * time.Millisecond

// queueNotifier notifies the queue channel after message inserts commit,
// with this store's id as the payload (its own scheduler has been woken by
// the service already, and WatchQueue passes over its own notifications),
// at most once per notifyInterval however many inserts committed. A NOTIFY
// inside the inserting transaction took PostgreSQL's notification lock
// until the end of its commit, WAL flush included: every batch of inserts
// of every server waited for the one before it (the commonest wait in the
// dispatch bench). If the server stops between an insert and its
// notification, other servers find the message by their sweep.
type queueNotifier struct {
	s    *Store
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newQueueNotifier(s *Store) *queueNotifier {
	n := &queueNotifier{s: s, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go n.run()
	return n
}

// queued says that inserts committed (nil: SQLite, nothing to tell).
func (n *queueNotifier) queued() {
	if n == nil {
		return
	}
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *queueNotifier) run() {
	defer close(n.done)
	for {
		select {
		case <-n.stop:
			select {
			case <-n.kick: // inserted before the store closed
				n.notify()
			default:
			}
			return
		case <-n.kick:
		}
		n.notify()
		select {
		case <-n.stop:
		case <-time.After(notifyInterval):
		}
	}
}

// notify sends one notification; one that fails is left to the other
// servers' sweeps.
func (n *queueNotifier) notify() {
	n.s.db.ExecContext(context.Background(), `SELECT pg_notify($1, $2)`, n.s.queueChannel, n.s.id)
}

func (n *queueNotifier) close() {
	if n == nil {
		return
	}
	close(n.stop)
	<-n.done
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
