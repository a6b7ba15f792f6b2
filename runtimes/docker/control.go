package docker

import (
	"context"
	"math"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Start starts the container; the engine treats starting a running one as
// a no-op.
func (r *Runtime) Start(ctx context.Context, h runtimes.Handle) error {
	if err := r.cli.ContainerStart(ctx, ref(h), container.StartOptions{}); err != nil {
		return fail("start", h, err)
	}
	return nil
}

// Stop sends SIGTERM and kills the container after grace (rounded up to
// whole seconds, the engine's unit). Stopping a stopped container is fine.
func (r *Runtime) Stop(ctx context.Context, h runtimes.Handle, grace time.Duration) error {
	secs := int(math.Ceil(grace.Seconds()))
	if err := r.cli.ContainerStop(ctx, ref(h), container.StopOptions{Timeout: &secs}); err != nil {
		return fail("stop", h, err)
	}
	return nil
}

// Remove deletes the container, killing it if it runs, with its anonymous
// volumes (an image may declare some). A missing container is no error.
func (r *Runtime) Remove(ctx context.Context, h runtimes.Handle) error {
	err := r.cli.ContainerRemove(ctx, ref(h), container.RemoveOptions{Force: true, RemoveVolumes: true})
	// A conflict here means another removal is already under way.
	if err == nil || cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		return nil
	}
	return fail("remove", h, err)
}
