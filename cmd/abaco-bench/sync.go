package main

import (
	"context"
	"net/url"
	"strconv"

	"github.com/abaco-hpc/abaco/examples"
)

// runSync measures the synchronous message round trip (POST with
// _abaco_synchronous=true until the result comes back) on a warm actor
// whose image is FROM scratch (abacosamples/wc), one at a time, against the
// same image run by `docker run --rm` and by bare Engine API calls. Each
// baseline is one result line; the ratio is of p50 latencies.
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
	syncMessage := func(ctx context.Context, i int) error {
		return s.call(ctx, "POST", "/v3/actors/"+actorID+"/messages?_abaco_synchronous=true",
			"application/x-www-form-urlencoded", []byte("message="+url.QueryEscape("count these "+strconv.Itoa(i)+" words")), nil)
	}
	// Warm: the first run pays for image and cache lookups.
	for i := range 2 {
		if err := syncMessage(ctx, i); err != nil {
			return err
		}
		if err := eng.run(ctx, image, "warm"); err != nil {
			return err
		}
	}

	load := loadAverage()
	ours, err := parallelDo(ctx, cfg.n, 1, syncMessage)
	if err != nil {
		return err
	}
	rss := s.rss()
	api, err := parallelDo(ctx, cfg.n, 1, func(ctx context.Context, i int) error {
		return eng.run(ctx, image, "count these "+strconv.Itoa(i)+" words")
	})
	if err != nil {
		return err
	}
	cli, err := parallelDo(ctx, cfg.n, 1, func(ctx context.Context, i int) error {
		return dockerRun(ctx, image, "count these "+strconv.Itoa(i)+" words")
	})
	if err != nil {
		return err
	}
	over := ours.P50MS - api.P50MS
	out.add((&Result{Scenario: "sync", Name: "vs docker run", DB: db, N: cfg.n, Concurrency: 1, Ours: ours,
		Baseline: &Baseline{Name: "docker run --rm", PerS: cli.PerS, P50MS: cli.P50MS}, RSSMB: rss, Load: load,
	}).withRatio("latency"))
	out.add((&Result{Scenario: "sync", Name: "vs Engine API", DB: db, N: cfg.n, Concurrency: 1, Ours: ours,
		Baseline: &Baseline{Name: "Engine create/start/wait/remove", PerS: api.PerS, P50MS: api.P50MS}, RSSMB: rss, Load: load,
		Note: "p50 over the bare Engine API: " + strconv.FormatFloat(round(over, 2), 'f', -1, 64) + " ms",
	}).withRatio("latency"))
	return nil
}
