package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Wait blocks until the container is not running, then reports how it
// ended from the engine's own record.
func (r *Runtime) Wait(ctx context.Context, h runtimes.Handle) (runtimes.Exit, error) {
	waitc, errc := r.cli.ContainerWait(ctx, ref(h), container.WaitConditionNotRunning)
	select {
	case res := <-waitc:
		if res.Error != nil && res.Error.Message != "" {
			return runtimes.Exit{}, fail("wait", h, errors.New(res.Error.Message))
		}
	case err := <-errc:
		return runtimes.Exit{}, fail("wait", h, err)
	}
	info, err := r.cli.ContainerInspect(ctx, ref(h))
	if err != nil {
		return runtimes.Exit{}, fail("inspect", h, err)
	}
	// `docker rm -f` marks the container for removal before it kills it:
	// the run did not end, it was taken away.
	if info.State != nil && (info.State.Status == "removing" || info.State.Dead) {
		return runtimes.Exit{}, fail("wait", h, errors.New("the container was removed while it ran"))
	}
	state := info.State
	// With cgroups v2, containerd (until a late-2025 fix) may deliver a container's
	// OOM event after its exit event, and the engine sets OOMKilled only
	// when the OOM event arrives. A SIGKILLed exit (137) is looked at again
	// for a moment before it is taken as not killed for memory.
	for i := 0; state != nil && state.ExitCode == 137 && !state.OOMKilled && i < oomRechecks; i++ {
		select {
		case <-ctx.Done():
			return exit(state)
		case <-time.After(oomRecheckInterval):
		}
		again, err := r.cli.ContainerInspect(ctx, ref(h))
		if err != nil {
			break
		}
		state = again.State
	}
	return exit(state)
}

// How long an exit with code 137 waits for a late OOM event: 40 × 50 ms.
// 500 ms was not enough on a loaded machine (TestHPCConfinement saw the
// event later at load 8); the wait is paid only by exits with code 137
// that were not for memory (a halt's SIGKILL).
const (
	oomRechecks        = 40
	oomRecheckInterval = 50 * time.Millisecond
)

func exit(s *container.State) (runtimes.Exit, error) {
	if s == nil {
		return runtimes.Exit{}, errors.New("docker inspect: no state")
	}
	// final_state shows users exactly Docker's State object; a health check
	// belongs to services, not to one-shot runs, so it is left out.
	shown := *s
	shown.Health = nil
	doc, err := json.Marshal(shown)
	if err != nil {
		return runtimes.Exit{}, fmt.Errorf("encode container state: %w", err)
	}
	started, finished := parseTime(s.StartedAt), parseTime(s.FinishedAt)
	// The engine stamps StartedAt after the process is already running and
	// FinishedAt from the exit event, so a container that exits at once can
	// "finish" before it "started"; a run time is never negative.
	if finished.Before(started) {
		finished = started
	}
	return runtimes.Exit{
		ExitCode:   s.ExitCode,
		OOMKilled:  s.OOMKilled,
		StartedAt:  started,
		FinishedAt: finished,
		State:      doc,
	}, nil
}

// parseTime reads the engine's RFC 3339 times; a container that never ran
// reports year 1, which stays the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
