// Package noop is a container runtime that runs nothing: every container
// starts and exits at once with code 0. It is for the dispatch benchmark
// (which measures the queue and the scheduler, not a container engine) and
// for tests of the scheduler's loop; `abaco serve` never uses it.
package noop

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Runtime "runs" every container instantly and notes when each
// execution's container was started.
type Runtime struct {
	mu      sync.Mutex
	started map[string]time.Time // by execution id
}

var _ runtimes.Runtime = (*Runtime)(nil)

// New returns a runtime with no container started yet.
func New() *Runtime { return &Runtime{started: map[string]time.Time{}} }

func (*Runtime) Name() string                                         { return "noop" }
func (*Runtime) Location() string                                     { return "noop://bench" }
func (*Runtime) PrepareImage(ctx context.Context, image string) error { return nil }

func (*Runtime) Create(ctx context.Context, spec runtimes.Spec) (runtimes.Handle, error) {
	return runtimes.Handle{ID: spec.Name, Name: spec.Name}, nil
}

func (r *Runtime) Start(ctx context.Context, h runtimes.Handle) error {
	now := time.Now()
	r.mu.Lock()
	r.started[strings.TrimPrefix(h.Name, "abaco-")] = now
	r.mu.Unlock()
	return nil
}

func (*Runtime) Find(ctx context.Context, name string) (runtimes.Handle, runtimes.State, error) {
	return runtimes.Handle{}, "", runtimes.ErrNotFound
}

func (*Runtime) Wait(ctx context.Context, h runtimes.Handle) (runtimes.Exit, error) {
	now := time.Now()
	return runtimes.Exit{ExitCode: 0, StartedAt: now, FinishedAt: now, State: json.RawMessage(`{"noop": true}`)}, nil
}

func (*Runtime) Logs(ctx context.Context, h runtimes.Handle, w io.Writer) error { return nil }
func (*Runtime) Stats(ctx context.Context, h runtimes.Handle) (runtimes.Stats, error) {
	return runtimes.Stats{}, nil
}
func (*Runtime) Stop(ctx context.Context, h runtimes.Handle, grace time.Duration) error {
	return nil
}
func (*Runtime) Remove(ctx context.Context, h runtimes.Handle) error { return nil }
func (*Runtime) List(ctx context.Context, labels map[string]string) ([]runtimes.Handle, error) {
	return nil, nil
}

// StartedAt returns when the execution's container was started.
func (r *Runtime) StartedAt(executionID string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.started[executionID]
	return t, ok
}
