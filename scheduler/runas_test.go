package scheduler

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
)

func TestApplyRunAs(t *testing.T) {
	t.Parallel()
	s := &Local{opts: Options{DefaultUser: "65534:65534"}}
	alice := runAs{
		account: &abaco.Account{Username: "alice", UID: 20001, GID: 20001, Groups: []int{30001}},
		mounts: []abaco.Mount{
			{HostPath: "/work/alice", ContainerPath: "/work", Mode: abaco.MountRW},
			{HostPath: "/data/hpc", ContainerPath: "/data", Mode: abaco.MountRO},
		},
	}
	socket := runtimes.Mount{HostPath: "/run/E1/results.sock", ContainerPath: "/_abaco_results.sock", ReadOnly: true}
	wantMounts := []runtimes.Mount{socket,
		{HostPath: "/work/alice", ContainerPath: "/work"},
		{HostPath: "/data/hpc", ContainerPath: "/data", ReadOnly: true},
	}
	for _, tc := range []struct {
		name   string
		actor  abaco.Actor
		ra     runAs
		user   string
		groups []string
		mounts []runtimes.Mount
	}{
		{"no directory: the default user", abaco.Actor{}, runAs{}, "65534:65534", nil, []runtimes.Mount{socket}},
		{"the account with its groups and mounts", abaco.Actor{}, alice, "20001:20001", []string{"30001"}, wantMounts},
		{"run_as_executor: the resolved account", abaco.Actor{RunAsExecutor: true}, alice, "20001:20001", []string{"30001"}, wantMounts},
		{"use_container_uid: the image's user", abaco.Actor{UseContainerUID: true}, alice, "", nil, wantMounts},
		{"privileged: the image's user", abaco.Actor{Privileged: true}, alice, "", nil, wantMounts},
	} {
		spec := runtimes.Spec{Mounts: []runtimes.Mount{socket}}
		s.applyRunAs(&spec, &tc.actor, tc.ra)
		require.Equal(t, tc.user, spec.User, tc.name)
		require.Equal(t, tc.groups, spec.Groups, tc.name)
		require.Equal(t, tc.mounts, spec.Mounts, tc.name)
	}
}
