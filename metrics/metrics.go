// Package metrics holds the service's Prometheus metrics and serves them.
// Collection stays at the edges: the HTTP middleware (httpapi), hooks of
// the scheduler, the event deliverer, and a collector that reads queue
// depths and workers from the store when /metrics is scraped.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every metric of this process: ours, the Go runtime's and
// the process's.
var Registry = prometheus.NewRegistry()

var (
	// MessagesAccepted counts messages committed to an actor's inbox.
	MessagesAccepted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "abaco_messages_accepted_total",
		Help: "Messages accepted into an actor's inbox.",
	})
	// ExecutionsFinished counts executions finalized by this server, by
	// final status (COMPLETE or ERROR).
	ExecutionsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_executions_finished_total",
		Help: "Executions finalized, by final status.",
	}, []string{"status"})
	// ExecutionDuration observes how long finalized executions ran.
	ExecutionDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "abaco_execution_duration_seconds",
		Help:    "Run time of finalized executions, from start to finish.",
		Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
	})
	// HTTPRequests counts API requests by method, route pattern and status code.
	HTTPRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_http_requests_total",
		Help: "HTTP requests, by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	// EventDeliveries counts event deliveries by event kind (ACTOR_READY,
	// ACTOR_ERROR, EXECUTION_COMPLETE) and outcome ("delivered", "retried",
	// "failed").
	EventDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_event_deliveries_total",
		Help: "Event deliveries to links and webhooks, by event kind and outcome.",
	}, []string{"kind", "outcome"})
	// EventFailures counts events given up on, by kind and target ("link"
	// or "webhook").
	EventFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_event_failures_total",
		Help: "Events given up on after every retry, by event kind and target.",
	}, []string{"kind", "target"})
)

func init() {
	Registry.MustRegister(MessagesAccepted, ExecutionsFinished, ExecutionDuration, HTTPRequests,
		EventDeliveries, EventFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}
