package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// runIngest measures asynchronous message POSTs accepted per second by a
// server whose dispatch is off (so the queue only fills), from
// cfg.concurrency keep-alive clients. The baseline inserts the same rows
// from as many goroutines straight into the same database, one transaction
// each (storage's ExecutionCreateAlone: one INSERT, one commit). The note
// adds the rate of storage's group-committed ExecutionCreate, which the
// server uses: what the server adds to it is the cost of HTTP,
// authentication, authorization and decoding.
func runIngest(ctx context.Context, cfg config, db string, out *output) error {
	s, err := startServer(ctx, cfg.binary, db, cfg.concurrency, "--no-dispatch")
	if err != nil {
		return err
	}
	defer s.stop()
	actorID, err := s.createActor(ctx, map[string]any{"image": "abacosamples/wc", "name": "ingest"})
	if err != nil {
		return err
	}
	// Warm up connections and caches, outside the measurement.
	if _, err := parallelDo(ctx, min(cfg.n, 4*cfg.concurrency), cfg.concurrency, func(ctx context.Context, i int) error {
		_, err := s.send(ctx, actorID, "warm up "+strconv.Itoa(i))
		return err
	}); err != nil {
		return err
	}

	load := loadAverage()
	ours, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		_, err := s.send(ctx, actorID, "message "+strconv.Itoa(i))
		return err
	})
	if err != nil {
		return err
	}

	store, err := storage.Open(ctx, s.db.url)
	if err != nil {
		return err
	}
	defer store.Close()
	base, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		return store.ExecutionCreateAlone(ctx, benchExecution(actorID, "message "+strconv.Itoa(i)))
	})
	if err != nil {
		return err
	}
	grouped, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		return store.ExecutionCreate(ctx, benchExecution(actorID, "message "+strconv.Itoa(i)))
	})
	if err != nil {
		return err
	}
	out.add((&Result{
		Scenario: "ingest", DB: db, N: cfg.n, Concurrency: cfg.concurrency, Ours: ours,
		Baseline: &Baseline{Name: "INSERT x" + strconv.Itoa(cfg.concurrency) + ", one transaction each", PerS: base.PerS, P50MS: base.P50MS},
		RSSMB:    s.rss(), Load: load,
		Note: fmt.Sprintf("storage's group-committed ExecutionCreate x%d (what the server uses): %.0f/s, p50 %.2f ms; ours over it %.2f",
			cfg.concurrency, grouped.PerS, grouped.P50MS, ours.PerS/grouped.PerS),
	}).withRatio("throughput"))
	return nil
}

// benchExecution is the execution the service would queue for a form
// message from user bench.
func benchExecution(actorID, text string) *abaco.Execution {
	id := abaco.NewID()
	return &abaco.Execution{
		Tenant: "dev", ID: id, ActorID: actorID, Executor: "bench", Username: "bench",
		Status: abaco.ExecSubmitted, Message: []byte(text), ContentType: abaco.ContentString,
		APIServer: "http://127.0.0.1", MessageReceivedTime: time.Now().UTC().Truncate(time.Millisecond),
		Env: map[string]string{"_abaco_execution_id": id, "_abaco_Content_Type": abaco.ContentString,
			"_abaco_actor_revision": "1", "_abaco_username": "bench"},
	}
}

// parallelDo runs op(0..n-1) from c goroutines and returns the throughput
// and the latency of each call. The first error stops it.
func parallelDo(ctx context.Context, n, c int, op func(ctx context.Context, i int) error) (Figures, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				if err := op(ctx, i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("operation %d: %w", i, err); cancel() })
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return Figures{}, firstErr
	}
	return figures(n, time.Since(start), lat), nil
}
