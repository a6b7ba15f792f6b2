package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/abaco-hpc/abaco/examples"
)

// runSync measures the synchronous message round trip (POST with
// _abaco_synchronous=true until the result comes back) on a warm actor
// whose image is FROM scratch (abacosamples/wc), one at a time, against the
// same image run by `docker run --rm` and by bare Engine API calls. Each
// baseline is one result line; the ratio is of p50 latencies.
//
// The three are measured in rounds, one call of each per round in an order
// that rotates, rather than one after the other: a container's start costs
// hundreds of ms and drifts by tens over a minute on a shared machine, so
// sequential blocks compared the machine's moods more than the code. Our
// container is removed after the answer (off the path of the reply), so
// each round waits for it to be gone before the next call: no call runs
// while Docker still removes another one's container.
func runSync(ctx context.Context, cfg config, db string, out *output) error {
	eng, err := newEngine(ctx)
	if err != nil {
		return err
	}
	defer eng.close()
	s, err := startServer(ctx, cfg.binary, db, 2)
	if err != nil {
		return err
	}
	defer s.stop()
	image := examples.Image("wc")
	actorID, err := s.createActor(ctx, map[string]any{"image": image, "name": "sync"})
	if err != nil {
		return err
	}
	if err := s.waitActor(ctx, actorID, "READY"); err != nil {
		return err
	}
	text := func(i int) string { return "count these " + strconv.Itoa(i) + " words" }
	// ops[0] is ours; the others are the baselines.
	ops := []func(ctx context.Context, i int) error{
		func(ctx context.Context, i int) error {
			return s.call(ctx, "POST", "/v3/actors/"+actorID+"/messages?_abaco_synchronous=true",
				"application/x-www-form-urlencoded", []byte("message="+url.QueryEscape(text(i))), nil)
		},
		func(ctx context.Context, i int) error { return eng.run(ctx, image, text(i)) },
		func(ctx context.Context, i int) error { return dockerRun(ctx, image, text(i)) },
	}
	settle := func(ctx context.Context, op int) error {
		if op != 0 {
			return nil
		}
		return eng.waitNoContainers(ctx, "org.abaco.actor="+actorID)
	}
	// Warm: the first run pays for image and cache lookups.
	for i := range 2 {
		for op := range ops {
			if err := ops[op](ctx, i); err != nil {
				return err
			}
			if err := settle(ctx, op); err != nil {
				return err
			}
		}
	}

	load := loadAverage()
	lat := make([][]time.Duration, len(ops))
	spent := make([]time.Duration, len(ops))
	for i := range cfg.n {
		for k := range ops {
			op := (i + k) % len(ops)
			t := time.Now()
			if err := ops[op](ctx, i); err != nil {
				return fmt.Errorf("round %d: %w", i, err)
			}
			d := time.Since(t)
			lat[op], spent[op] = append(lat[op], d), spent[op]+d
			if err := settle(ctx, op); err != nil {
				return err
			}
		}
	}
	our, api, cli := figures(cfg.n, spent[0], lat[0]), figures(cfg.n, spent[1], lat[1]), figures(cfg.n, spent[2], lat[2])
	rss := s.rss()
	over := our.P50MS - api.P50MS
	// Both calls of a round met the same machine: the median of the
	// rounds' differences is steadier than the difference of the medians.
	diffs := make([]time.Duration, cfg.n)
	for i := range diffs {
		diffs[i] = lat[0][i] - lat[1][i]
	}
	paired := percentile(diffs, 50)
	out.add((&Result{Scenario: "sync", Name: "vs docker run", DB: db, N: cfg.n, Concurrency: 1, Ours: our,
		Baseline: &Baseline{Name: "docker run --rm", PerS: cli.PerS, P50MS: cli.P50MS}, RSSMB: rss, Load: load,
	}).withRatio("latency"))
	out.add((&Result{Scenario: "sync", Name: "vs Engine API", DB: db, N: cfg.n, Concurrency: 1, Ours: our,
		Baseline: &Baseline{Name: "Engine create/start/wait/remove", PerS: api.PerS, P50MS: api.P50MS}, RSSMB: rss, Load: load,
		Note: "p50 over the bare Engine API: " + strconv.FormatFloat(round(over, 2), 'f', -1, 64) + " ms; median of the rounds' differences: " +
			strconv.FormatFloat(paired, 'f', -1, 64) + " ms",
	}).withRatio("latency"))
	return nil
}
