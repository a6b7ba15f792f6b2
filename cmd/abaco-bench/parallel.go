package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/abaco-hpc/abaco/examples"
)

// runParallel measures executions per second with real containers: one
// stateless actor with cfg.concurrency workers is sent n messages at once,
// and the clock stops when the last is COMPLETE. The baseline runs the
// same n containers from as many goroutines through the bare Engine API.
// The latencies are message received → finished, from the API's times.
func runParallel(ctx context.Context, cfg config, db string, out *output) error {
	eng, err := newEngine(ctx)
	if err != nil {
		return err
	}
	defer eng.close()
	// Setting max_workers needs a privileged user: the server's default
	// cap is the same thing for a stateless actor.
	s, err := startServer(ctx, cfg.binary, db, cfg.concurrency, "--max-workers-per-actor", strconv.Itoa(cfg.concurrency))
	if err != nil {
		return err
	}
	defer s.stop()
	image := examples.Image("wc")
	actorID, err := s.createActor(ctx, map[string]any{"image": image, "name": "parallel", "stateless": true})
	if err != nil {
		return err
	}
	if err := s.waitActor(ctx, actorID, "READY"); err != nil {
		return err
	}
	if _, err := s.send(ctx, actorID, "warm up"); err != nil {
		return err
	}
	if _, err := waitExecutions(ctx, s, actorID, 1, time.Minute); err != nil {
		return err
	}

	load := loadAverage()
	start := time.Now()
	if _, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		_, err := s.send(ctx, actorID, "count these "+strconv.Itoa(i)+" words")
		return err
	}); err != nil {
		return err
	}
	lat, err := waitExecutions(ctx, s, actorID, cfg.n+1, time.Duration(cfg.n)*2*time.Second+time.Minute)
	if err != nil {
		return err
	}
	ours := figures(cfg.n, time.Since(start), lat)
	rss := s.rss()

	base, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		return eng.run(ctx, image, "count these "+strconv.Itoa(i)+" words")
	})
	if err != nil {
		return err
	}
	out.add((&Result{Scenario: "parallel", DB: db, N: cfg.n, Concurrency: cfg.concurrency, Ours: ours,
		Baseline: &Baseline{Name: "Engine API x" + strconv.Itoa(cfg.concurrency), PerS: base.PerS, P50MS: base.P50MS},
		RSSMB:    rss, Load: load, Note: "ours p50/p99: message received → finished",
	}).withRatio("throughput"))
	return nil
}

// waitExecutions polls the actor's execution list until want executions
// are COMPLETE and returns their received → finished times. An ERROR fails.
func waitExecutions(ctx context.Context, s *server, actorID string, want int, timeout time.Duration) ([]time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		var sum struct {
			Executions []struct {
				ID       string     `json:"id"`
				Status   string     `json:"status"`
				Received *time.Time `json:"message_received_time"`
				Finished *time.Time `json:"finish_time"`
			} `json:"executions"`
		}
		if err := s.call(ctx, "GET", "/v3/actors/"+actorID+"/executions", "", nil, &sum); err != nil {
			return nil, err
		}
		var lat []time.Duration
		for _, e := range sum.Executions {
			switch e.Status {
			case "ERROR":
				return nil, fmt.Errorf("execution %s ended in ERROR", e.ID)
			case "COMPLETE":
				if e.Received != nil && e.Finished != nil {
					lat = append(lat, e.Finished.Sub(*e.Received))
				}
			}
		}
		if len(lat) >= want {
			return lat, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d executions COMPLETE after %s", len(lat), want, timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
