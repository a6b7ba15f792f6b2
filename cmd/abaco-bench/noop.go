package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco/runtimes"
)

// noopRuntime "runs" every container instantly: it exists only in this
// bench binary, so that the dispatch scenario measures the queue and the
// scheduler and not a container engine. It notes when each execution's
// container was started.
type noopRuntime struct {
	mu      sync.Mutex
	started map[string]time.Time // by execution id
}

var _ runtimes.Runtime = (*noopRuntime)(nil)

func newNoopRuntime() *noopRuntime { return &noopRuntime{started: map[string]time.Time{}} }

func (*noopRuntime) Name() string                                         { return "noop" }
func (*noopRuntime) Location() string                                     { return "noop://bench" }
func (*noopRuntime) PrepareImage(ctx context.Context, image string) error { return nil }

func (*noopRuntime) Create(ctx context.Context, spec runtimes.Spec) (runtimes.Handle, error) {
	return runtimes.Handle{ID: spec.Name, Name: spec.Name}, nil
}

func (r *noopRuntime) Start(ctx context.Context, h runtimes.Handle) error {
	now := time.Now()
	r.mu.Lock()
	r.started[strings.TrimPrefix(h.Name, "abaco-")] = now
	r.mu.Unlock()
	return nil
}

func (*noopRuntime) Find(ctx context.Context, name string) (runtimes.Handle, runtimes.State, error) {
	return runtimes.Handle{}, "", runtimes.ErrNotFound
}

func (*noopRuntime) Wait(ctx context.Context, h runtimes.Handle) (runtimes.Exit, error) {
	now := time.Now()
	return runtimes.Exit{ExitCode: 0, StartedAt: now, FinishedAt: now, State: json.RawMessage(`{"noop": true}`)}, nil
}

func (*noopRuntime) Logs(ctx context.Context, h runtimes.Handle, w io.Writer) error { return nil }
func (*noopRuntime) Stats(ctx context.Context, h runtimes.Handle) (runtimes.Stats, error) {
	return runtimes.Stats{}, nil
}
func (*noopRuntime) Stop(ctx context.Context, h runtimes.Handle, grace time.Duration) error {
	return nil
}
func (*noopRuntime) Remove(ctx context.Context, h runtimes.Handle) error { return nil }
func (*noopRuntime) List(ctx context.Context, labels map[string]string) ([]runtimes.Handle, error) {
	return nil, nil
}

// startedAt returns when the execution's container was started.
func (r *noopRuntime) startedAt(executionID string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.started[executionID]
	return t, ok
}
