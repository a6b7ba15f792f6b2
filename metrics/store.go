package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/abaco-hpc/abaco"
)

// Source is what the store collector reads at scrape time.
type Source interface {
	ExecutionQueueDepths(ctx context.Context) ([]abaco.QueueDepth, error)
	WorkerListAll(ctx context.Context) ([]*abaco.Worker, error)
}

var (
	queueDepthDesc = prometheus.NewDesc("abaco_queue_depth",
		"Messages waiting for a worker, per actor.", []string{"tenant", "actor"}, nil)
	workersDesc = prometheus.NewDesc("abaco_workers",
		"Workers, by status.", []string{"status"}, nil)
)

// workerStatuses are always reported, so that a status with no worker
// reads 0 rather than vanishing.
var workerStatuses = []string{abaco.WorkerRequested, abaco.WorkerReady, abaco.WorkerBusy,
	abaco.WorkerShuttingDown, abaco.WorkerError}

type storeCollector struct {
	src Source
	log *slog.Logger
}

// NewStoreCollector reports queue depths and workers by status, read from
// the store at each scrape, so that every server shows the same figures.
func NewStoreCollector(src Source, log *slog.Logger) prometheus.Collector {
	if log == nil {
		log = slog.Default()
	}
	return &storeCollector{src: src, log: log}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- workersDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if depths, err := c.src.ExecutionQueueDepths(ctx); err != nil {
		c.log.Warn("metrics: read queue depths", "err", err)
	} else {
		for _, d := range depths {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(d.Pending), d.Tenant, d.ActorID)
		}
	}
	workers, err := c.src.WorkerListAll(ctx)
	if err != nil {
		c.log.Warn("metrics: read workers", "err", err)
		return
	}
	counts := map[string]int{}
	for _, w := range workers {
		counts[w.Status]++
	}
	for _, st := range workerStatuses {
		ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(counts[st]), st)
		delete(counts, st)
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(n), st)
	}
}

// ExecutionFinished is the scheduler's OnFinished hook.
func ExecutionFinished(status string, runtime time.Duration) {
	ExecutionsFinished.WithLabelValues(status).Inc()
	ExecutionDuration.Observe(runtime.Seconds())
}

// EventOutcome is the event deliverer's Observe hook: every attempt counts
// in EventDeliveries, and a delivery given up on in EventFailures too.
func EventOutcome(eventType, targetKind, outcome string) {
	EventDeliveries.WithLabelValues(eventType, outcome).Inc()
	if outcome == "failed" {
		EventFailures.WithLabelValues(eventType, targetKind).Inc()
	}
}
