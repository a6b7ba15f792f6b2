package abaco

import (
	"context"
	"time"
)

// eventsStore holds the outbox of actor events and the cron schedule's
// state. Events themselves are written by ActorSetStatus and
// ExecutionFinish, in the transaction of the change that causes them, when
// the actor has a link or a webhook.
type eventsStore interface {
	// EventListDue returns the head of every actor's pending deliveries per
	// target kind (the oldest PENDING one), when its next attempt is due
	// at now; at most limit, oldest first.
	EventListDue(ctx context.Context, now time.Time, limit int) ([]*EventDelivery, error)
	// EventClaim leases a due pending delivery until `until` and counts the
	// attempt; it reports false if it was not due (another deliverer has it).
	EventClaim(ctx context.Context, seq int64, now, until time.Time) (bool, error)
	// EventDeliverLink marks a pending delivery DELIVERED and creates the
	// linked actor's execution, in one transaction: exactly once. It
	// reports false if the delivery was no longer pending; ErrNotFound if
	// the linked actor is gone.
	EventDeliverLink(ctx context.Context, seq int64, e *Execution, now time.Time) (bool, error)
	// EventSetDelivered marks a pending delivery DELIVERED.
	EventSetDelivered(ctx context.Context, seq int64, now time.Time) error
	// EventSetRetry records a failed attempt and when to try again.
	EventSetRetry(ctx context.Context, seq int64, next time.Time, lastError string) error
	// EventSetFailed gives up on a pending delivery.
	EventSetFailed(ctx context.Context, seq int64, now time.Time, lastError string) error
	// EventList returns an actor's deliveries, oldest first.
	EventList(ctx context.Context, tenant, actorID string) ([]*EventDelivery, error)
	// EventDeleteFinished deletes up to limit delivered or failed
	// deliveries that finished before `before`, and reports how many.
	EventDeleteFinished(ctx context.Context, before time.Time, limit int) (int, error)

	// ActorListCron returns every actor with a cron schedule.
	ActorListCron(ctx context.Context) ([]*Actor, error)
	// ActorCronAdvance moves an actor's cron_next_ex from p.From to p.To
	// and, if p.Execution is set, creates it, in one transaction; it
	// reports false (and does nothing) if cron_next_ex is no longer p.From,
	// so that an hour fires at most once.
	ActorCronAdvance(ctx context.Context, p ActorCronAdvanceParams) (bool, error)
}

// ActorCronAdvanceParams are the arguments of Store.ActorCronAdvance.
type ActorCronAdvanceParams struct {
	Tenant    string
	ActorID   string
	From      string
	To        string
	Execution *Execution // nil: advance without firing
}
