package docker_test

import (
	"testing"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/runtimes"
)

func rtHandle(name string) runtimes.Handle { return runtimes.Handle{Name: name} }

func TestSupplementaryGroups(t *testing.T) {
	rt, ctx, spec := setup(t)
	spec.User = "20001:20001"
	spec.Groups = []string{"30001", "30002"}
	exit, logs := run(t, ctx, rt, spec)
	require.Equal(t, 0, exit.ExitCode, logs)
	require.Contains(t, logs, "uid=20001 gid=20001\ngroups=20001,30001,30002\n")
}

// Only privileged actors get the engine's socket, as in the reference.
func TestDockerSocketOnlyWhenPrivileged(t *testing.T) {
	rt, ctx, spec := setup(t)
	spec.Env = map[string]string{"CAT": "/var/run/docker.sock"}
	_, logs := run(t, ctx, rt, spec)
	require.Contains(t, logs, "cat /var/run/docker.sock: open /var/run/docker.sock: no such file or directory\n")

	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	info, err := cli.ContainerInspect(ctx, spec.Name)
	require.NoError(t, err)
	require.Empty(t, info.Mounts)
	require.NoError(t, rt.Remove(ctx, rtHandle(spec.Name)))

	// Created, not started: this test machine's engine cannot start
	// privileged containers; what matters is what the engine was told.
	spec.Privileged = true
	_, err = rt.Create(ctx, spec)
	require.NoError(t, err)
	info, err = cli.ContainerInspect(ctx, spec.Name)
	require.NoError(t, err)
	require.True(t, info.HostConfig.Privileged)
	require.Len(t, info.HostConfig.Mounts, 1)
	require.Equal(t, "/var/run/docker.sock", info.HostConfig.Mounts[0].Target)
	require.Equal(t, "/var/run/docker.sock", info.HostConfig.Mounts[0].Source)
}
