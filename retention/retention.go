// Package retention deletes data past its time: execution logs after their
// actor's log_ex (stamped on each log when it is stored) and result
// datagrams after their TTL. Readers already ignore expired data; this
// loop reclaims the space, in batches so that no statement holds the
// database for long.
package retention

import (
	"context"
	"log/slog"
	"time"

	"github.com/abaco-hpc/abaco"
)

// Store is what the sweeper deletes through.
type Store interface {
	LogDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
	ResultDeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Sweeper deletes expired logs and results.
type Sweeper struct {
	Store Store
	Clock abaco.Clock
	// Interval is how often it sweeps (default one minute).
	Interval time.Duration
	// Batch is how many rows one statement deletes (default 500).
	Batch int
	Log   *slog.Logger
}

// Run sweeps every Interval until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.logger().Error("retention sweep", "err", err)
			}
		}
	}
}

// Sweep deletes everything expired at the clock's now, batch by batch, and
// reports how many logs and results it deleted.
func (s *Sweeper) Sweep(ctx context.Context) (logs, results int, err error) {
	clock := s.Clock
	if clock == nil {
		clock = abaco.SystemClock{}
	}
	now := clock.Now()
	if logs, err = s.drain(ctx, now, s.Store.LogDeleteExpired); err != nil {
		return logs, 0, err
	}
	if results, err = s.drain(ctx, now, s.Store.ResultDeleteExpired); err != nil {
		return logs, results, err
	}
	if logs+results > 0 {
		s.logger().Info("retention: expired data deleted", "logs", logs, "results", results)
	}
	return logs, results, nil
}

func (s *Sweeper) drain(ctx context.Context, now time.Time, del func(context.Context, time.Time, int) (int, error)) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		n, err := del(ctx, now, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

func (s *Sweeper) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
