package main

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/metrics"
	"github.com/abaco-hpc/abaco/scheduler"
)

// eventFlags are serve's settings for event delivery and cron.
type eventFlags struct {
	EventPollInterval time.Duration `help:"How often the event outbox is checked for due deliveries." env:"ABACO_EVENT_POLL_INTERVAL" default:"500ms"`
	WebhookTimeout    time.Duration `help:"Time limit of one webhook POST." env:"ABACO_WEBHOOK_TIMEOUT" default:"10s"`
	WebhookRetryMin   time.Duration `help:"Wait after a webhook's first failed attempt; it doubles with each failure." env:"ABACO_WEBHOOK_RETRY_MIN" default:"1s"`
	WebhookRetryMax   time.Duration `help:"Longest wait between webhook attempts." env:"ABACO_WEBHOOK_RETRY_MAX" default:"5m"`
	WebhookGiveUp     time.Duration `help:"How long after an event its webhook delivery is retried before it is dropped (with a log line)." env:"ABACO_WEBHOOK_GIVE_UP" default:"1h"`
	CronInterval      time.Duration `help:"How often cron schedules are checked (they have hour granularity)." env:"ABACO_CRON_INTERVAL" default:"30s"`
}

// startEventLoops runs event delivery and cron until ctx ends or the
// returned stop is called, which stops both and waits for them; poke makes
// the delivery loop look at the outbox now.
func (s *serveCmd) startEventLoops(ctx context.Context, store abaco.Store, sched abaco.Scheduler, apiServer string, log *slog.Logger) (stop, poke func()) {
	ctx, cancel := context.WithCancel(ctx)
	events := scheduler.NewEvents(store, nil, scheduler.EventOptions{
		PollInterval:   s.EventPollInterval,
		WebhookTimeout: s.WebhookTimeout,
		RetryMin:       s.WebhookRetryMin,
		RetryMax:       s.WebhookRetryMax,
		GiveUpAfter:    s.WebhookGiveUp,
		APIServer:      apiServer,
		Observe:        metrics.EventOutcome,
	}, sched.Enqueued, log)
	cron := scheduler.NewCron(store, nil, s.CronInterval, apiServer, sched.Enqueued, log)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); events.Run(ctx) }()
	go func() { defer wg.Done(); cron.Run(ctx) }()
	return func() { cancel(); wg.Wait() }, events.Poke
}

// apiServerOf is the `_abaco_api_server` of executions that no request
// created (links, cron): the public URL, else the listening address.
func apiServerOf(publicURL string, ln net.Listener) string {
	if publicURL != "" {
		return publicURL
	}
	return "http://" + ln.Addr().String()
}
