package apptainer

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/runtimes"
)

func newTestRuntime(t *testing.T, euid int) *Runtime {
	t.Helper()
	r, err := New(Options{StateDir: t.TempDir()})
	require.NoError(t, err)
	r.euid, r.uid, r.gid = euid, euid, euid
	return r
}

var baseArgs = []string{"run", "--containall", "--cleanenv", "--no-home", "--pwd", "/"}

var baseEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/state/c", "LANG=C.UTF-8"}

func TestCommandLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec runtimes.Spec
		args []string
		env  []string
		cred *syscall.Credential
	}{{
		name: "an actor with the defaults: run as the owner's account",
		spec: runtimes.Spec{Image: "abacosamples/test", User: "20001:20001", Groups: []string{"30001", "30002"}},
		args: append(append([]string(nil), baseArgs...), "docker://abacosamples/test"),
		env:  baseEnv,
		cred: &syscall.Credential{Uid: 20001, Gid: 20001, Groups: []uint32{30001, 30002}},
	}, {
		name: "the context environment, the results socket, the binary FIFO and /work",
		spec: runtimes.Spec{
			Image: "docker://abacosamples/wc:1.0",
			User:  "20001:20001",
			Env: map[string]string{
				"MSG": "it's a \"message\", with $(no) `shell`\nand lines", "_abaco_actor_id": "A1",
				"_abaco_Content-Type": "str", "_abaco_Content_Type": "str",
			},
			Mounts: []runtimes.Mount{
				{HostPath: "/data/run/E1/results.sock", ContainerPath: "/_abaco_results.sock", ReadOnly: true},
				{HostPath: "/work/alice", ContainerPath: "/work"},
				{HostPath: "/data/run/E1/binary", ContainerPath: "/_abaco_binary_data", ReadOnly: true},
			},
		},
		args: append(append([]string(nil), baseArgs...),
			"--bind", "/data/run/E1/results.sock:/_abaco_results.sock:ro",
			"--bind", "/work/alice:/work:rw",
			"--bind", "/data/run/E1/binary:/_abaco_binary_data:ro",
			"docker://abacosamples/wc:1.0"),
		env: append(append([]string(nil), baseEnv...),
			"APPTAINERENV_MSG=it's a \"message\", with $(no) `shell`\nand lines",
			"APPTAINERENV__abaco_Content_Type=str",
			"APPTAINERENV__abaco_actor_id=A1"),
		cred: &syscall.Credential{Uid: 20001, Gid: 20001, Groups: []uint32{}},
	}, {
		name: "mem_limit, max_cpus and the pids limit; a .sif image",
		spec: runtimes.Spec{Image: "/images/tool.sif", User: "20001:20001", MemoryBytes: 512 << 20, NanoCPUs: 1_500_000_000, PidsLimit: 64},
		args: append(append([]string(nil), baseArgs...), "--memory", "536870912", "--cpus", "1.5", "--pids-limit", "64", "/images/tool.sif"),
		env:  baseEnv,
		cred: &syscall.Credential{Uid: 20001, Gid: 20001, Groups: []uint32{}},
	}, {
		name: "use_container_uid: the image's user is the server's own",
		spec: runtimes.Spec{Image: "oras://registry.example/x:1"},
		args: append(append([]string(nil), baseArgs...), "oras://registry.example/x:1"),
		env:  baseEnv,
	}} {
		r := newTestRuntime(t, 0)
		inv, err := r.command(tc.spec, imageRef(tc.spec.Image), "/state/c")
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.args, inv.Args, tc.name)
		require.Equal(t, tc.env, inv.Env, tc.name)
		require.Equal(t, tc.cred, inv.Credential, tc.name)
	}
}

func TestCommandRefusals(t *testing.T) {
	t.Parallel()
	r := newTestRuntime(t, 0)
	for _, bad := range []runtimes.Spec{
		{Image: "x", Mounts: []runtimes.Mount{{HostPath: "/a:b", ContainerPath: "/work"}}},
		{Image: "x", Mounts: []runtimes.Mount{{HostPath: "/a,b", ContainerPath: "/work"}}},
		{Image: "x", Mounts: []runtimes.Mount{{HostPath: "relative", ContainerPath: "/work"}}},
		{Image: "x", User: "alice"},
		{Image: "x", User: "1:1", Groups: []string{"staff"}},
	} {
		_, err := r.command(bad, "x", "/s")
		require.Error(t, err, "%+v", bad)
	}

	// A server that is not root can only run containers as itself.
	user := newTestRuntime(t, 1000)
	inv, err := user.command(runtimes.Spec{Image: "x", User: "1000:1000"}, "x", "/s")
	require.NoError(t, err)
	require.Nil(t, inv.Credential)
	_, err = user.command(runtimes.Spec{Image: "x", User: "20001:20001"}, "x", "/s")
	require.EqualError(t, err, "cannot run as 20001:20001: the server runs as uid 1000, and only root can start processes as other users")
}

func TestImageRefs(t *testing.T) {
	t.Parallel()
	require.Equal(t, "docker://abacosamples/wc", imageRef("abacosamples/wc"))
	require.Equal(t, "docker://ghcr.io/x/y:1", imageRef("ghcr.io/x/y:1"))
	require.Equal(t, "docker://x", imageRef("docker://x"))
	require.Equal(t, "library://x/y", imageRef("library://x/y"))
	require.Equal(t, "/images/x.sif", imageRef("/images/x.sif"))
	require.Equal(t, "docker://x.sif", imageRef("x.sif"), "a relative .sif is no file of ours")
}
