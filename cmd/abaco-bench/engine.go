package main

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/abaco-hpc/abaco/examples"
)

// engine is the bare Docker Engine API: the baselines of the container
// scenarios run the same image through it with nothing of ours around.
type engine struct{ cli *client.Client }

// newEngine connects to Docker and builds the example images, or reports
// the scenario skipped when no engine answers.
func newEngine(ctx context.Context) (*engine, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, skipped("Docker: %v", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pingCtx); err != nil {
		cli.Close()
		return nil, skipped("Docker is not answering: %v", err)
	}
	buildCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := examples.Build(buildCtx, "wc"); err != nil {
		cli.Close()
		return nil, err
	}
	return &engine{cli: cli}, nil
}

func (e *engine) close() { e.cli.Close() }

// run creates, starts, waits for and removes one container of image with
// MSG set, as the scheduler does minus everything else it does.
func (e *engine) run(ctx context.Context, image, msg string) error {
	c, err := e.cli.ContainerCreate(ctx, &container.Config{Image: image, Env: []string{"MSG=" + msg}}, &container.HostConfig{}, nil, nil, "")
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer e.cli.ContainerRemove(context.WithoutCancel(ctx), c.ID, container.RemoveOptions{Force: true})
	// Wait for the next exit before starting, so a quick exit is not missed.
	waitc, errc := e.cli.ContainerWait(ctx, c.ID, container.WaitConditionNextExit)
	if err := e.cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	select {
	case res := <-waitc:
		if res.StatusCode != 0 {
			return fmt.Errorf("container exited %d", res.StatusCode)
		}
	case err := <-errc:
		return fmt.Errorf("wait: %w", err)
	}
	return nil
}

// waitNoContainers waits until no container, running or not, has label
// (key=value).
func (e *engine) waitNoContainers(ctx context.Context, label string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		cs, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", label))})
		if err != nil {
			return fmt.Errorf("list containers labelled %s: %w", label, err)
		}
		if len(cs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containers labelled %s still there: %w", label, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// dockerRun runs `docker run --rm` of image with MSG set.
func dockerRun(ctx context.Context, image, msg string) error {
	out, err := exec.CommandContext(ctx, "docker", "run", "--rm", "-e", "MSG="+msg, image).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker run: %v: %s", err, out)
	}
	return nil
}
