package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
)

// EventOptions tune event delivery.
type EventOptions struct {
	// PollInterval is how often the outbox is read for due deliveries.
	PollInterval time.Duration
	// WebhookTimeout bounds one webhook POST.
	WebhookTimeout time.Duration
	// RetryMin is the wait after a webhook's first failed attempt; each
	// further failure doubles it, up to RetryMax.
	RetryMin time.Duration
	RetryMax time.Duration
	// GiveUpAfter is how long after an event a webhook delivery is retried
	// before it is dropped with a log line.
	GiveUpAfter time.Duration
	// Concurrency caps the deliveries in flight (across actors).
	Concurrency int
	// APIServer is the `_abaco_api_server` of the executions that links
	// create.
	APIServer string
	// Client makes the webhook requests; nil means a plain http.Client.
	Client *http.Client
	// Observe, if set, hears the outcome ("delivered", "retried" or
	// "failed") of each delivery attempt, for metrics.
	Observe func(eventType, targetKind, outcome string)
}

func (o *EventOptions) setDefaults() {
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = 10 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(5*time.Minute, o.RetryMin)
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = time.Hour
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
}

// finishedRetention is how long delivered and failed deliveries stay in the
// outbox (for inspection) before the loop deletes them.
const finishedRetention = 24 * time.Hour

// Events delivers the actor events of the outbox. Each actor's deliveries to
// one target kind form a queue served strictly in order: only its oldest
// pending delivery is ever attempted, so a webhook that is down holds back
// that actor's later webhook events and nothing else. Links are delivered
// exactly once (the linked actor's execution and the delivered mark commit
// together); webhooks at least once (a POST that succeeded may be repeated
// if the server stops before recording it, or if its answer is lost).
type Events struct {
	store  abaco.Store
	clock  abaco.Clock
	opts   EventOptions
	notify func(tenant, actorID string)
	log    *slog.Logger

	wake        chan struct{}
	slots       chan struct{} // a token per delivery in flight
	inflight    sync.WaitGroup
	lastCleanup time.Time
}

// NewEvents builds the delivery loop. notify is told about every execution
// a link creates (the scheduler's Enqueued); it may be nil.
func NewEvents(store abaco.Store, clock abaco.Clock, opts EventOptions, notify func(tenant, actorID string), log *slog.Logger) *Events {
	opts.setDefaults()
	if clock == nil {
		clock = abaco.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	if notify == nil {
		notify = func(string, string) {}
	}
	return &Events{
		store: store, clock: clock, opts: opts, notify: notify,
		log:   log.With("component", "events"),
		wake:  make(chan struct{}, 1),
		slots: make(chan struct{}, opts.Concurrency),
	}
}

// Poke makes the loop look at the outbox now.
func (d *Events) Poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the deliveries in flight.
func (d *Events) Run(ctx context.Context) error {
	ticker := time.NewTicker(d.opts.PollInterval)
	defer ticker.Stop()
	for {
		d.pass(ctx)
		select {
		case <-ctx.Done():
			d.inflight.Wait()
			return nil
		case <-d.wake:
		case <-ticker.C:
		}
	}
}

// pass starts a delivery for every queue whose head is due, as far as the
// concurrency allows; the rest wait for the next pass.
func (d *Events) pass(ctx context.Context) {
	now := d.clock.Now()
	due, err := d.store.EventListDue(ctx, now, d.opts.Concurrency)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("list due event deliveries", "err", err)
		}
		return
	}
	for _, dl := range due {
		select {
		case d.slots <- struct{}{}:
		default:
			return
		}
		// The lease outlasts the attempt, so no other pass (or server)
		// takes the same delivery meanwhile.
		ok, err := d.store.EventClaim(ctx, dl.Seq, now, now.Add(d.opts.WebhookTimeout+30*time.Second))
		if err != nil || !ok {
			<-d.slots
			if err != nil && ctx.Err() == nil {
				d.log.Error("claim event delivery", "seq", dl.Seq, "err", err)
			}
			continue
		}
		dl.Attempts++
		d.inflight.Add(1)
		go func() {
			defer d.inflight.Done()
			defer func() { <-d.slots }()
			d.deliver(ctx, dl)
			d.Poke() // the queue's next event may be waiting
		}()
	}
	if now.Sub(d.lastCleanup) > time.Minute {
		d.lastCleanup = now
		if _, err := d.store.EventDeleteFinished(ctx, now.Add(-finishedRetention), 1000); err != nil && ctx.Err() == nil {
			d.log.Warn("delete finished event deliveries", "err", err)
		}
	}
}

// deliver makes one attempt and records its outcome.
func (d *Events) deliver(ctx context.Context, dl *abaco.EventDelivery) {
	var err error
	switch dl.TargetKind {
	case abaco.TargetLink:
		err = d.deliverLink(ctx, dl)
	case abaco.TargetWebhook:
		err = d.deliverWebhook(ctx, dl)
		if err == nil {
			err = d.store.EventSetDelivered(context.WithoutCancel(ctx), dl.Seq, d.clock.Now())
		}
	default:
		err = permanent(fmt.Errorf("unknown target kind %q", dl.TargetKind))
	}
	if err == nil {
		d.observe(dl, "delivered")
		return
	}
	if ctx.Err() != nil {
		return // a delivery interrupted by shutdown is retried after its lease
	}
	bg := context.WithoutCancel(ctx)
	now := d.clock.Now()
	log := d.log.With("tenant", dl.Tenant, "actor", dl.ActorID, "event", dl.EventType,
		"seq", dl.Seq, "target", dl.TargetKind, "attempts", dl.Attempts)
	var perm *permanentError
	if errors.As(err, &perm) || now.Sub(dl.CreatedAt) >= d.opts.GiveUpAfter {
		log.Error("event delivery failed; giving up", "to", dl.Target, "err", err)
		d.observe(dl, "failed")
		if err := d.store.EventSetFailed(bg, dl.Seq, now, err.Error()); err != nil {
			log.Error("record failed event delivery", "err", err)
		}
		return
	}
	next := now.Add(d.backoff(dl.Attempts))
	log.Warn("event delivery failed; will retry", "to", dl.Target, "err", err, "retry_at", next)
	d.observe(dl, "retried")
	if err := d.store.EventSetRetry(bg, dl.Seq, next, err.Error()); err != nil {
		log.Error("reschedule event delivery", "err", err)
	}
}

func (d *Events) observe(dl *abaco.EventDelivery, outcome string) {
	if d.opts.Observe != nil {
		d.opts.Observe(dl.EventType, dl.TargetKind, outcome)
	}
}

// backoff is the wait after the attempts-th failed attempt: RetryMin,
// doubling, capped at RetryMax.
func (d *Events) backoff(attempts int) time.Duration {
	wait := d.opts.RetryMin
	for i := 1; i < attempts && wait < d.opts.RetryMax; i++ {
		wait *= 2
	}
	return min(wait, d.opts.RetryMax)
}

// deliverLink sends the event to the linked actor as a JSON message.
func (d *Events) deliverLink(ctx context.Context, dl *abaco.EventDelivery) error {
	linked, err := abaco.LinkTarget(ctx, d.store, dl.Tenant, dl.Target)
	if errors.Is(err, abaco.ErrNotFound) {
		return permanent(fmt.Errorf("the linked actor %s does not exist", dl.Target))
	}
	if err != nil {
		return err
	}
	now := d.clock.Now()
	e := abaco.NewEventExecution(linked, dl.Payload, d.opts.APIServer, now)
	done, err := d.store.EventDeliverLink(ctx, dl.Seq, e, now)
	if errors.Is(err, abaco.ErrNotFound) {
		return permanent(fmt.Errorf("the linked actor %s does not exist", dl.Target))
	}
	if err != nil {
		return err
	}
	if done {
		d.log.Info("event delivered", "tenant", dl.Tenant, "actor", dl.ActorID, "event", dl.EventType,
			"link", linked.ID, "execution", e.ID)
		d.notify(linked.Tenant, linked.ID)
	}
	return nil
}

// deliverWebhook POSTs the event JSON, with `_abaco_Content_Type` and
// `_abaco_username` added as the reference does; any 2xx answer is success.
func (d *Events) deliverWebhook(ctx context.Context, dl *abaco.EventDelivery) error {
	var doc map[string]any
	if err := json.Unmarshal(dl.Payload, &doc); err != nil {
		return permanent(fmt.Errorf("stored event is not JSON: %w", err))
	}
	doc["_abaco_Content_Type"] = abaco.ContentJSON
	doc["_abaco_username"] = abaco.ExecutorEvent
	body, err := json.Marshal(doc)
	if err != nil {
		return permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.Target, bytes.NewReader(body))
	if err != nil {
		return permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "abaco/"+abaco.Version)
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	d.log.Info("event delivered", "tenant", dl.Tenant, "actor", dl.ActorID, "event", dl.EventType, "webhook", dl.Target)
	return nil
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }
