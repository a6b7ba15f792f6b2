package docker

import (
	"context"
	"fmt"
	"sort"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Create creates the container, or returns the existing one of that name so
// that a retried or recovered start never runs the work twice.
func (r *Runtime) Create(ctx context.Context, spec runtimes.Spec) (runtimes.Handle, error) {
	h := runtimes.Handle{Name: spec.Name}
	resp, err := r.cli.ContainerCreate(ctx, config(spec), hostConfig(spec, r.socketPath()), nil, nil, spec.Name)
	if cerrdefs.IsConflict(err) {
		found, _, ferr := r.Find(ctx, spec.Name)
		if ferr != nil {
			return h, fmt.Errorf("docker create %s: name in use but not found again: %w", spec.Name, ferr)
		}
		return found, nil
	}
	if err != nil {
		return h, fail("create", h, err)
	}
	h.ID = resp.ID
	return h, nil
}

func config(spec runtimes.Spec) *container.Config {
	env := make([]string, 0, len(spec.Env))
	for k, v := range spec.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env) // stable order makes inspect output comparable
	return &container.Config{
		Image:  spec.Image,
		Env:    env,
		User:   spec.User,
		Labels: spec.Labels,
	}
}

// hostConfig is the container's confinement. socket is the engine's unix
// socket, given only to privileged actors (as the reference does), which
// may drive Docker themselves; "" when the engine is not a local socket.
func hostConfig(spec runtimes.Spec, socket string) *container.HostConfig {
	hc := &container.HostConfig{
		Privileged: spec.Privileged,
		GroupAdd:   spec.Groups,
		Resources: container.Resources{
			Memory:   spec.MemoryBytes,
			NanoCPUs: spec.NanoCPUs,
		},
	}
	if spec.PidsLimit > 0 {
		hc.Resources.PidsLimit = &spec.PidsLimit
	}
	if spec.Network != "" {
		hc.NetworkMode = container.NetworkMode(spec.Network)
	}
	if !spec.Privileged {
		// An actor runs the researcher's code as the researcher: it must not
		// gain privileges through setuid binaries or keep root's capabilities.
		hc.SecurityOpt = []string{"no-new-privileges"}
		hc.CapDrop = []string{"ALL"}
	}
	mounts := spec.Mounts
	if spec.Privileged && socket != "" {
		mounts = append(mounts, runtimes.Mount{HostPath: socket, ContainerPath: "/var/run/docker.sock"})
	}
	for _, m := range mounts {
		// Mounts, unlike Binds, fail when the host path is missing instead
		// of silently creating a root-owned directory there.
		hc.Mounts = append(hc.Mounts, mount.Mount{
			Type:     mount.TypeBind,
			Source:   m.HostPath,
			Target:   m.ContainerPath,
			ReadOnly: m.ReadOnly,
		})
	}
	return hc
}
