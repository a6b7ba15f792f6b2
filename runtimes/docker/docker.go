// Package docker runs containers through the Docker Engine API, for the
// local backend on a laptop or a single server.
package docker

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/abaco-hpc/abaco/runtimes"
)

var _ runtimes.Runtime = (*Runtime)(nil)

// Options configure a Runtime.
type Options struct {
	// Host is the engine endpoint, e.g. "unix:///var/run/docker.sock";
	// empty means DOCKER_HOST or the default socket.
	Host string
}

// Runtime runs containers on one Docker engine. It keeps no state of its
// own: every handle can be found again by a new Runtime after a restart.
type Runtime struct {
	cli *client.Client
}

// New returns a Runtime for the engine opts name. It does not contact the
// engine; Ping does.
func New(opts Options) (*Runtime, error) {
	// Negotiation lets the same binary talk to old engines (20.10 speaks
	// API 1.41) and new ones.
	copts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if opts.Host != "" {
		copts = append(copts, client.WithHost(opts.Host))
	}
	cli, err := client.NewClientWithOpts(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &Runtime{cli: cli}, nil
}

// Name returns "docker".
func (r *Runtime) Name() string { return "docker" }

// Location returns the engine endpoint.
func (r *Runtime) Location() string { return r.cli.DaemonHost() }

// Ping checks that the engine answers.
func (r *Runtime) Ping(ctx context.Context) error {
	if _, err := r.cli.Ping(ctx); err != nil {
		return fmt.Errorf("docker engine at %s: %w", r.Location(), err)
	}
	// Settle the API version now, before the scheduler's goroutines share
	// the client: left to the first calls, concurrent ones each write it,
	// unguarded (a data race the race detector reports).
	r.cli.NegotiateAPIVersion(ctx)
	return nil
}

// socketPath is the engine's unix socket path, or "" for a TCP endpoint.
func (r *Runtime) socketPath() string {
	p, ok := strings.CutPrefix(r.cli.DaemonHost(), "unix://")
	if !ok {
		return ""
	}
	return p
}

// Close releases the client's idle connections.
func (r *Runtime) Close() error { return r.cli.Close() }

// ref is how the engine is told which container: the ID when known, since
// a name may have been reused after a removal.
func ref(h runtimes.Handle) string {
	if h.ID != "" {
		return h.ID
	}
	return h.Name
}

// fail adds context to err and marks the engine's not-found errors with
// runtimes.ErrNotFound, so callers need not know Docker's error types.
func fail(op string, h runtimes.Handle, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker %s %s: %w: %w", op, h.Name, runtimes.ErrNotFound, err)
	}
	return fmt.Errorf("docker %s %s: %w", op, h.Name, err)
}
