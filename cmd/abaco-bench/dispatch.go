package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/httpapi"
	"github.com/abaco-hpc/abaco/identity"
	"github.com/abaco-hpc/abaco/runtimes/noop"
	"github.com/abaco-hpc/abaco/scheduler"
	"github.com/abaco-hpc/abaco/storage"
)

// dispatchActors is how many actors the dispatch scenario spreads its
// messages over.
const dispatchActors = 8

// runDispatch measures message → COMPLETE with a runtime that runs nothing.
// The server (store, scheduler, service, HTTP API) runs in this process,
// wired as `abaco serve` wires it but with the noop runtime; cfg.concurrency
// clients post n messages round-robin to 8 stateless actors over HTTP.
// Two parts: "post to complete", n over the time from the first POST to
// the last COMPLETE, with enqueue (the execution committed) → container
// start latencies; and "drain a queue", n messages queued with no
// scheduler running, then drained by one that starts: the scheduler's own
// rate, which the posting clients bound in the first part.
func runDispatch(ctx context.Context, cfg config, db string, out *output) error {
	dir, err := os.MkdirTemp("", "abaco-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d, err := freshDatabase(ctx, db, dir)
	if err != nil {
		return err
	}
	defer d.drop()
	inner, err := storage.Open(ctx, d.url)
	if err != nil {
		return err
	}
	defer inner.Close()
	if err := inner.Migrate(ctx); err != nil {
		return err
	}
	store := &timedStore{Store: inner, enqueued: map[string]time.Time{}, finished: make(chan struct{}, 2*cfg.n+64)}
	rt := noop.New()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfgA := abaco.DefaultConfig()
	// The scheduler's options as `abaco serve` sets them where they cost
	// work per execution: the actor configs are read for each.
	var svc *abaco.Service
	opts := scheduler.Options{RunDir: filepath.Join(dir, "run"), HostID: "bench",
		Configs: func(ctx context.Context, tenant, actorID string) (map[string]string, error) {
			return svc.ExecutionConfigs(ctx, tenant, actorID)
		}}
	sched, err := scheduler.NewLocal(store, rt, nil, cfgA, opts, log)
	if err != nil {
		return err
	}
	svc = abaco.NewService(store, sched, nil, cfgA, log)
	key, err := identity.EnsureDevKey(dir)
	if err != nil {
		return err
	}
	verifier, err := identity.NewVerifier([]identity.Tenant{identity.DevTenant(key)})
	if err != nil {
		return err
	}
	api := httpapi.New(svc, verifier, noDirectory{}, httpapi.Options{Log: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()
	// runScheduler starts a scheduler on the store, as a (re)started
	// server does; stop ends it.
	runScheduler := func(sched *scheduler.Local) (stop func()) {
		schedCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- sched.Run(schedCtx) }()
		return func() { cancel(); <-done }
	}
	stopSched := runScheduler(sched)
	defer func() { stopSched() }()

	token, err := identity.Mint(key, identity.Claims{Tenant: "dev", User: "bench", TTL: time.Hour})
	if err != nil {
		return err
	}
	s := &server{addr: ln.Addr().String(), token: token,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency + 4}, Timeout: time.Minute}}
	actors := make([]string, dispatchActors)
	for i := range actors {
		if actors[i], err = s.createActor(ctx, map[string]any{"image": "bench/noop", "name": "dispatch" + strconv.Itoa(i), "stateless": true}); err != nil {
			return err
		}
	}
	for _, id := range actors {
		if err := s.waitActor(ctx, id, abaco.ActorReady); err != nil {
			return err
		}
	}

	load := loadAverage()
	start := time.Now()
	ids, err := postMessages(ctx, s, actors, cfg)
	if err != nil {
		return err
	}
	if err := waitFinished(ctx, store, cfg.n); err != nil {
		return err
	}
	elapsed := time.Since(start)
	lat := make([]time.Duration, 0, cfg.n)
	for _, id := range ids {
		started, ok := rt.StartedAt(id)
		enq, ok2 := store.enqueuedAt(id)
		if ok && ok2 {
			lat = append(lat, started.Sub(enq))
		}
	}
	r := &Result{Scenario: "dispatch", Name: "post to complete", DB: db, N: cfg.n, Concurrency: cfg.concurrency,
		Ours: figures(cfg.n, elapsed, lat), RSSMB: peakRSSMB(os.Getpid()), Load: load,
		Note: "per_s: first message POST → last COMPLETE; p50/p99: enqueue → container start; rss is the bench process (server in-process)"}
	out.add(r)

	// The scheduler alone: n messages queued while no scheduler runs, then
	// one starts (as after a restart) and drains them. The posting clients
	// no longer set the pace.
	stopSched()
	queued, err := postMessages(ctx, s, actors, cfg)
	if err != nil {
		return err
	}
	drainer, err := scheduler.NewLocal(store, rt, nil, cfgA, opts, log)
	if err != nil {
		return err
	}
	load = loadAverage()
	start = time.Now()
	stopSched = runScheduler(drainer)
	if err := waitFinished(ctx, store, cfg.n); err != nil {
		return err
	}
	elapsed = time.Since(start)
	lat = lat[:0]
	for _, id := range queued {
		if started, ok := rt.StartedAt(id); ok {
			lat = append(lat, started.Sub(start))
		}
	}
	out.add(&Result{Scenario: "dispatch", Name: "drain a queue", DB: db, N: cfg.n, Concurrency: cfg.concurrency,
		Ours: figures(cfg.n, elapsed, lat), RSSMB: peakRSSMB(os.Getpid()), Load: load,
		Note: "per_s: executions/s from the scheduler's start to the last COMPLETE of n queued messages; p50/p99: scheduler start → container start; rss is the bench process (server in-process)"})
	return nil
}

// postMessages posts cfg.n messages round-robin to actors from
// cfg.concurrency clients and returns their execution ids.
func postMessages(ctx context.Context, s *server, actors []string, cfg config) ([]string, error) {
	ids := make([]string, cfg.n)
	_, err := parallelDo(ctx, cfg.n, cfg.concurrency, func(ctx context.Context, i int) error {
		var err error
		ids[i], err = s.send(ctx, actors[i%len(actors)], "message "+strconv.Itoa(i))
		return err
	})
	return ids, err
}

// waitFinished waits for n more executions to finish.
func waitFinished(ctx context.Context, store *timedStore, n int) error {
	timeout := time.After(max(2*time.Minute, time.Duration(n)*5*time.Millisecond))
	for done := 0; done < n; done++ {
		select {
		case <-store.finished:
		case <-timeout:
			return fmt.Errorf("only %d of %d executions finished in time", done, n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// timedStore notes when each execution was committed and signals each
// finish, for the dispatch scenario's clocks.
type timedStore struct {
	abaco.Store
	mu       sync.Mutex
	enqueued map[string]time.Time
	finished chan struct{}
}

func (t *timedStore) ExecutionCreate(ctx context.Context, e *abaco.Execution) error {
	if err := t.Store.ExecutionCreate(ctx, e); err != nil {
		return err
	}
	t.noteEnqueued(e.ID)
	return nil
}

func (t *timedStore) ExecutionCreateClaimed(ctx context.Context, e *abaco.Execution, workerID string) (bool, error) {
	claimed, err := t.Store.ExecutionCreateClaimed(ctx, e, workerID)
	if err != nil {
		return false, err
	}
	t.noteEnqueued(e.ID)
	return claimed, nil
}

func (t *timedStore) noteEnqueued(id string) {
	now := time.Now()
	t.mu.Lock()
	t.enqueued[id] = now
	t.mu.Unlock()
}

func (t *timedStore) ExecutionFinish(ctx context.Context, p abaco.ExecutionFinishParams) (bool, error) {
	ok, _, err := t.ExecutionFinishNext(ctx, p, nil)
	return ok, err
}

func (t *timedStore) ExecutionFinishNext(ctx context.Context, p abaco.ExecutionFinishParams, next *abaco.ExecutionClaimParams) (bool, *abaco.Execution, error) {
	ok, e, err := t.Store.ExecutionFinishNext(ctx, p, next)
	if ok {
		select {
		case t.finished <- struct{}{}:
		default:
		}
	}
	return ok, e, err
}

func (t *timedStore) enqueuedAt(id string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.enqueued[id]
	return v, ok
}

type noDirectory struct{}

func (noDirectory) TenantList() any { return []any{} }
func (noDirectory) SiteList() any   { return []any{} }
