// Package runtimes defines how the scheduler runs one container, modelled on
// Nomad's task drivers: create returns a handle that can be found again by
// name after a restart, waiting and log streaming take a context, and nothing
// here knows about actors or executions.
package runtimes

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned when no container or image has the given name.
var ErrNotFound = errors.New("not found")

// Mount is a bind mount from the host into the container.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
}

// Spec describes one container to run.
type Spec struct {
	// Name is unique per run (the scheduler uses "abaco-<execution id>").
	// Creating a container whose name exists returns the existing one, so a
	// retried or recovered start never runs the work twice.
	Name  string
	Image string
	Env   map[string]string
	User  string // "uid:gid"; empty means the image's default user
	// Groups are supplementary group ids given to the container's process.
	Groups      []string
	Mounts      []Mount
	Privileged  bool
	MemoryBytes int64  // 0: no limit
	NanoCPUs    int64  // 0: no limit
	PidsLimit   int64  // 0: no limit
	Network     string // empty: the runtime's default network
	Labels      map[string]string
}

// Handle identifies a created container.
type Handle struct {
	ID   string
	Name string
}

// State is a container's coarse state.
type State string

// Container states as Find reports them.
const (
	StateCreated State = "created"
	StateRunning State = "running"
	StateExited  State = "exited"
)

// Exit is how a container ended.
type Exit struct {
	ExitCode   int
	OOMKilled  bool
	StartedAt  time.Time
	FinishedAt time.Time
	// State is the runtime's own final-state document, shown to users as
	// the execution's final_state.
	State json.RawMessage
}

// Stats is a cumulative resource sample of a running container.
type Stats struct {
	CPUNanos   int64 // CPU time used so far
	NetRxBytes int64 // bytes received on the network so far
}

// Runtime runs containers on one host.
type Runtime interface {
	// Name is the runtime's short name, e.g. "docker".
	Name() string
	// Location says where containers run, e.g. the Docker endpoint.
	Location() string
	// PrepareImage makes sure image is available locally, pulling it if it
	// is absent and a registry can be reached. The error says why not.
	PrepareImage(ctx context.Context, image string) error
	// Create creates (but does not start) the container, or returns the
	// existing one of the same name.
	Create(ctx context.Context, spec Spec) (Handle, error)
	// Start starts a created container; starting a running one is no error.
	Start(ctx context.Context, h Handle) error
	// Find looks a container up by name; ErrNotFound if there is none.
	Find(ctx context.Context, name string) (Handle, State, error)
	// Wait blocks until the container is not running and reports its exit.
	Wait(ctx context.Context, h Handle) (Exit, error)
	// Logs copies the container's combined stdout and stderr, from the
	// start, to w and follows them until the container stops.
	Logs(ctx context.Context, h Handle, w io.Writer) error
	// Stats takes one cumulative resource sample.
	Stats(ctx context.Context, h Handle) (Stats, error)
	// Stop stops the container, killing it after grace.
	Stop(ctx context.Context, h Handle, grace time.Duration) error
	// Remove deletes the container; removing a missing one is no error.
	Remove(ctx context.Context, h Handle) error
	// List returns the containers carrying all the given labels.
	List(ctx context.Context, labels map[string]string) ([]Handle, error)
}
