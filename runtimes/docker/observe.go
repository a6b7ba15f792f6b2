package docker

import (
	"context"
	"encoding/json"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Logs copies stdout and stderr, from the start, into w and follows them
// until the container stops (or ctx ends).
func (r *Runtime) Logs(ctx context.Context, h runtimes.Handle, w io.Writer) error {
	rc, err := r.cli.ContainerLogs(ctx, ref(h), container.LogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     true,
	})
	if err != nil {
		return fail("logs", h, err)
	}
	defer rc.Close()
	// Without a TTY the engine multiplexes both streams into one; an
	// execution has a single log, so both go to w.
	if _, err := stdcopy.StdCopy(w, w, rc); err != nil {
		return fail("logs", h, err)
	}
	return nil
}

// Stats takes one sample, without the second the engine otherwise spends
// measuring a CPU percentage nobody here uses.
func (r *Runtime) Stats(ctx context.Context, h runtimes.Handle) (runtimes.Stats, error) {
	resp, err := r.cli.ContainerStatsOneShot(ctx, ref(h))
	if err != nil {
		return runtimes.Stats{}, fail("stats", h, err)
	}
	defer resp.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return runtimes.Stats{}, fail("stats", h, err)
	}
	out := runtimes.Stats{CPUNanos: int64(s.CPUStats.CPUUsage.TotalUsage)}
	for _, n := range s.Networks {
		out.NetRxBytes += int64(n.RxBytes)
	}
	return out, nil
}
