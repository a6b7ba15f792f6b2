package docker

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Find looks a container up by its exact name, in any state.
func (r *Runtime) Find(ctx context.Context, name string) (runtimes.Handle, runtimes.State, error) {
	h := runtimes.Handle{Name: name}
	// The engine's name filter is a regular expression matched anywhere in
	// the name, so anchor it.
	args := filters.NewArgs(filters.Arg("name", "^/?"+regexp.QuoteMeta(name)+"$"))
	list, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return h, "", fail("find", h, err)
	}
	for _, c := range list {
		if containerName(c) == name {
			return runtimes.Handle{ID: c.ID, Name: name}, state(c.State), nil
		}
	}
	return h, "", fmt.Errorf("docker find %s: %w", name, runtimes.ErrNotFound)
}

// List returns the containers, in any state, carrying all the labels.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]runtimes.Handle, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	list, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("docker list: %w", err)
	}
	hs := make([]runtimes.Handle, 0, len(list))
	for _, c := range list {
		hs = append(hs, runtimes.Handle{ID: c.ID, Name: containerName(c)})
	}
	return hs, nil
}

func containerName(c container.Summary) string {
	if len(c.Names) == 0 {
		return ""
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

// state folds Docker's seven states into the three the scheduler acts on: a
// paused or restarting container is still holding its run, a dead or
// removing one is over.
func state(s container.ContainerState) runtimes.State {
	switch s {
	case container.StateCreated:
		return runtimes.StateCreated
	case container.StateRunning, container.StatePaused, container.StateRestarting:
		return runtimes.StateRunning
	default:
		return runtimes.StateExited
	}
}
