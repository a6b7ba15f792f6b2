package docker

import (
	"context"
	"fmt"
	"io"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/abaco-hpc/abaco/runtimes"
)

// PrepareImage makes sure name is present, pulling it if it is not.
func (r *Runtime) PrepareImage(ctx context.Context, name string) error {
	_, err := r.cli.ImageInspect(ctx, name)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect image %q: %w", name, err)
	}
	if err := r.pull(ctx, name); err != nil {
		return &missingImageError{image: name, cause: err}
	}
	return nil
}

func (r *Runtime) pull(ctx context.Context, name string) error {
	rc, err := r.cli.ImagePull(ctx, name, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	// A pull that starts may still fail halfway; the engine reports that
	// inside the progress stream, which must be read to the end.
	return jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
}

// missingImageError is both runtimes.ErrNotFound, so the scheduler can tell
// "no such image" from an engine failure, and its cause, in words a
// researcher registering an actor understands.
type missingImageError struct {
	image string
	cause error
}

func (e *missingImageError) Error() string {
	return fmt.Sprintf("image %q is not present on this host and could not be pulled: %v", e.image, e.cause)
}

func (e *missingImageError) Unwrap() []error { return []error{runtimes.ErrNotFound, e.cause} }
