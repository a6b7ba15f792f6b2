package scheduler

import "time"

// PoolOptions tune the autoscaler and the health pass.
type PoolOptions struct {
	// Scale says how long idle workers are kept.
	Scale ScalePolicy
	// AutoscaleInterval is how often pools are resized.
	AutoscaleInterval time.Duration
	// HealthInterval is how often workers are checked and executions whose
	// worker vanished are rescued.
	HealthInterval time.Duration
}

// Defaults: idle stateless pools fall to zero a few seconds after their
// inbox empties, as the reference's 5-second autoscaler does; a `sync`
// actor keeps a warm worker for 10 minutes.
const (
	DefaultIdleTimeout       = 5 * time.Second
	DefaultSyncIdleTimeout   = 600 * time.Second
	defaultAutoscaleInterval = 2 * time.Second
	defaultHealthInterval    = 10 * time.Second
)

func (o *PoolOptions) setDefaults() {
	if o.Scale.IdleTimeout <= 0 {
		o.Scale.IdleTimeout = DefaultIdleTimeout
	}
	if o.Scale.SyncIdleTimeout <= 0 {
		o.Scale.SyncIdleTimeout = DefaultSyncIdleTimeout
	}
	if o.AutoscaleInterval <= 0 {
		o.AutoscaleInterval = min(defaultAutoscaleInterval, o.Scale.IdleTimeout)
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = defaultHealthInterval
	}
}
