package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Cron fires actors' cron schedules (reference §15). Schedules have hour
// granularity; each tick compares every scheduled actor's cron_next_ex with
// the current UTC hour of the injected clock.
type Cron struct {
	store     abaco.Store
	clock     abaco.Clock
	interval  time.Duration
	apiServer string
	notify    func(tenant, actorID string)
	log       *slog.Logger
}

// NewCron builds the cron loop; interval is how often it looks (default 30
// s, well under the hour the schedules count in). notify is told about each
// execution it creates; it may be nil.
func NewCron(store abaco.Store, clock abaco.Clock, interval time.Duration, apiServer string, notify func(tenant, actorID string), log *slog.Logger) *Cron {
	if clock == nil {
		clock = abaco.SystemClock{}
	}
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	if notify == nil {
		notify = func(string, string) {}
	}
	return &Cron{store: store, clock: clock, interval: interval, apiServer: apiServer, notify: notify,
		log: log.With("component", "cron")}
}

// Run ticks until ctx ends.
func (c *Cron) Run(ctx context.Context) error {
	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	for {
		c.tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// tick handles every scheduled actor once.
func (c *Cron) tick(ctx context.Context) {
	actors, err := c.store.ActorListCron(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("list actors with a cron schedule", "err", err)
		}
		return
	}
	for _, a := range actors {
		c.step(ctx, a)
	}
}

// step fires a's schedule if its hour has come, and moves cron_next_ex on
// (also when cron_on is off, as the reference does). The store applies the
// move only if cron_next_ex is unchanged since it was read, so an hour
// fires once even with several servers or a concurrent PUT.
func (c *Cron) step(ctx context.Context, a *abaco.Actor) {
	now := c.clock.Now()
	rule, err := abaco.CronRule(*a.CronSchedule)
	if err != nil {
		c.log.Warn("unusable cron schedule", "tenant", a.Tenant, "actor", a.ID, "schedule", *a.CronSchedule, "err", err)
		return
	}
	next, err := abaco.ParseCronTime(*a.CronNextEx)
	if err != nil {
		c.log.Warn("unusable cron_next_ex", "tenant", a.Tenant, "actor", a.ID, "cron_next_ex", *a.CronNextEx, "err", err)
		return
	}
	fire, newNext := rule.Step(next, now)
	if !fire && newNext.Equal(next) {
		return
	}
	var e *abaco.Execution
	if fire && a.CronOn {
		e = abaco.NewCronExecution(a, c.apiServer, now)
	}
	to := abaco.FormatCronTime(newNext)
	done, err := c.store.ActorCronAdvance(ctx, abaco.ActorCronAdvanceParams{
		Tenant: a.Tenant, ActorID: a.ID, From: *a.CronNextEx, To: to, Execution: e,
	})
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("advance cron schedule", "tenant", a.Tenant, "actor", a.ID, "err", err)
		}
		return
	}
	if !done {
		return // changed meanwhile: the next tick sees the new value
	}
	if e != nil {
		c.log.Info("cron execution queued", "tenant", a.Tenant, "actor", a.ID, "execution", e.ID, "cron_next_ex", to)
		c.notify(a.Tenant, a.ID)
	}
}
