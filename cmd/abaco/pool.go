package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/abaco-hpc/abaco/httpapi"
	"github.com/abaco-hpc/abaco/metrics"
	"github.com/abaco-hpc/abaco/retention"
	"github.com/abaco-hpc/abaco/scheduler"
	"github.com/abaco-hpc/abaco/storage"
)

// poolFlags tune worker pools, health checks, retention and results.
type poolFlags struct {
	WorkerIdleTimeout time.Duration `help:"Stop a stateless actor's idle worker after this long with an empty inbox." env:"ABACO_WORKER_IDLE_TIMEOUT" default:"5s"`
	SyncIdleTimeout   time.Duration `help:"Keep one warm worker of an actor with the sync hint for this long after its last execution." env:"ABACO_SYNC_IDLE_TIMEOUT" default:"600s"`
	AutoscaleInterval time.Duration `help:"How often worker pools are resized (default: 2s, or the idle timeout if shorter)." env:"ABACO_AUTOSCALE_INTERVAL" default:"0s"`
	HealthInterval    time.Duration `help:"How often workers are checked and executions whose worker vanished are rescued." env:"ABACO_HEALTH_INTERVAL" default:"10s"`
	RetentionInterval time.Duration `help:"How often expired logs and results are deleted." env:"ABACO_RETENTION_INTERVAL" default:"1m"`
	ResultTTL         time.Duration `help:"How long an execution's results are kept." env:"ABACO_RESULT_TTL" default:"60m"`
}

func (f poolFlags) poolOptions() scheduler.PoolOptions {
	return scheduler.PoolOptions{
		Scale:             scheduler.ScalePolicy{IdleTimeout: f.WorkerIdleTimeout, SyncIdleTimeout: f.SyncIdleTimeout},
		AutoscaleInterval: f.AutoscaleInterval,
		HealthInterval:    f.HealthInterval,
	}
}

func (f poolFlags) sweeper(store *storage.Store, log *slog.Logger) *retention.Sweeper {
	return &retention.Sweeper{Store: store, Interval: f.RetentionInterval, Log: log.With("component", "retention")}
}

// handler serves /metrics (Prometheus text, no token, as in the reference)
// beside the instrumented API. No ServeMux: it would redirect the
// unclean paths that tapipy sends (/v3/actors/{id}//messages).
func (f poolFlags) handler(api *httpapi.API, store *storage.Store, log *slog.Logger) http.Handler {
	metrics.Registry.MustRegister(metrics.NewStoreCollector(store, log))
	scrape, apiHandler := metrics.Handler(), api.Instrumented()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && (r.URL.Path == "/metrics" || r.URL.Path == "/v3/metrics") {
			scrape.ServeHTTP(w, r)
			return
		}
		apiHandler.ServeHTTP(w, r)
	})
}
