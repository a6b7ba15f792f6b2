package docker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/examples"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/runtimes"
	"github.com/abaco-hpc/abaco/runtimes/docker"
)

var (
	probeOnce sync.Once
	probeErr  error
)

// setup returns a runtime, a context bounding the test, and a spec for the
// probe image with a fresh name; the container is removed when t ends.
func setup(t *testing.T) (*docker.Runtime, context.Context, runtimes.Spec) {
	t.Helper()
	testenv.RequireDocker(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	probeOnce.Do(func() { probeErr = examples.Build(ctx, "test") })
	require.NoError(t, probeErr)

	rt, err := docker.New(docker.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	require.NoError(t, rt.Ping(ctx))

	spec := runtimes.Spec{
		Name:   "abaco-test-" + randomHex(),
		Image:  examples.Image("test"),
		Labels: map[string]string{"org.abaco-hpc.test": t.Name()},
	}
	t.Cleanup(func() { rt.Remove(context.Background(), runtimes.Handle{Name: spec.Name}) })
	return rt, ctx, spec
}

// run creates, starts and waits for spec, returning its exit and logs.
func run(t *testing.T, ctx context.Context, rt *docker.Runtime, spec runtimes.Spec) (runtimes.Exit, string) {
	t.Helper()
	h, err := rt.Create(ctx, spec)
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx, h))
	var logs bytes.Buffer
	require.NoError(t, rt.Logs(ctx, h, &logs))
	exit, err := rt.Wait(ctx, h)
	require.NoError(t, err)
	return exit, logs.String()
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func TestCreateIsIdempotentByName(t *testing.T) {
	rt, ctx, spec := setup(t)
	first, err := rt.Create(ctx, spec)
	require.NoError(t, err)
	again, err := rt.Create(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, again)

	require.NoError(t, rt.Remove(ctx, first))
	require.NoError(t, rt.Remove(ctx, first), "removing twice")
	_, _, err = rt.Find(ctx, spec.Name)
	require.ErrorIs(t, err, runtimes.ErrNotFound)
}

func TestRunAsUserWithEnvMountAndExitCode(t *testing.T) {
	rt, ctx, spec := setup(t)
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755)) // the container user is not root
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the host\n"), 0o644))

	spec.User = "65534:65534"
	spec.Mounts = []runtimes.Mount{{HostPath: dir, ContainerPath: "/data", ReadOnly: true}}
	spec.Env = map[string]string{
		"MSG":          "hi there",
		"_abaco_x":     "context",
		"FOO":          "bar",
		"ECHO_VARS":    "FOO",
		"CAT":          "/data/hello.txt,/proc/self/status",
		"WRITE":        "/data/new.txt",
		"OUTPUT_BYTES": "200000",
		"STDERR":       "last words on stderr",
		"EXIT":         "3",
	}
	exit, logs := run(t, ctx, rt, spec)

	require.Equal(t, 3, exit.ExitCode)
	require.False(t, exit.OOMKilled)
	require.False(t, exit.StartedAt.IsZero())
	require.False(t, exit.FinishedAt.Before(exit.StartedAt), "%s", exit.State)
	var state map[string]any
	require.NoError(t, json.Unmarshal(exit.State, &state))
	for _, k := range []string{"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode", "Error", "StartedAt", "FinishedAt"} {
		require.Contains(t, state, k)
	}
	require.Equal(t, "exited", state["Status"])
	require.EqualValues(t, 3, state["ExitCode"])

	require.Contains(t, logs, "Contents of MSG: hi there\n")
	require.Contains(t, logs, "FOO=bar\nMSG=hi there\n_abaco_x=context\n")
	require.Contains(t, logs, "uid=65534 gid=65534\n")
	require.Contains(t, logs, "hello from the host\n")
	require.Contains(t, logs, "NoNewPrivs:\t1\n")
	require.Contains(t, logs, "write /data/new.txt: open /data/new.txt: read-only file system\n")
	require.Equal(t, 2000, strings.Count(logs, strings.Repeat("x", 100)+"\n"))
	// Written just before exit; stdout and stderr may interleave.
	require.Contains(t, logs, "last words on stderr\n")
	require.NoFileExists(t, filepath.Join(dir, "new.txt"))
}

func TestConfinementAndLimits(t *testing.T) {
	rt, ctx, spec := setup(t)
	spec.Env = map[string]string{"CAT": "/proc/self/status"}
	spec.MemoryBytes = 64 << 20
	spec.PidsLimit = 50
	spec.NanoCPUs = 500_000_000
	spec.Network = "none"
	exit, logs := run(t, ctx, rt, spec)
	require.Equal(t, 0, exit.ExitCode, logs)
	// Run as root, yet with no capabilities and no way to gain privileges.
	require.Contains(t, logs, "uid=0 gid=0\n")
	require.Contains(t, logs, "CapEff:\t0000000000000000\n")
	require.Contains(t, logs, "NoNewPrivs:\t1\n")

	// Limits are the kernel's business; check that the engine got them.
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	info, err := cli.ContainerInspect(ctx, spec.Name)
	require.NoError(t, err)
	hc := info.HostConfig
	require.Equal(t, spec.MemoryBytes, hc.Memory)
	require.Equal(t, spec.NanoCPUs, hc.NanoCPUs)
	require.Equal(t, spec.PidsLimit, *hc.PidsLimit)
	require.Equal(t, "none", string(hc.NetworkMode))
	require.False(t, hc.Privileged)
}

func TestStopEndsSleepingContainer(t *testing.T) {
	rt, ctx, spec := setup(t)
	spec.Env = map[string]string{"SLEEP": "300"}
	h, err := rt.Create(ctx, spec)
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx, h))
	require.NoError(t, rt.Start(ctx, h), "starting a running container")

	stats, err := rt.Stats(ctx, h)
	require.NoError(t, err)
	require.Positive(t, stats.CPUNanos)

	start := time.Now()
	require.NoError(t, rt.Stop(ctx, h, time.Second))
	exit, err := rt.Wait(ctx, h)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 15*time.Second)
	require.NotEqual(t, 0, exit.ExitCode)
	require.NoError(t, rt.Stop(ctx, h, time.Second), "stopping a stopped container")
}

func TestFindAfterRestart(t *testing.T) {
	rt, ctx, spec := setup(t)
	label := map[string]string{"org.abaco-hpc.test-run": randomHex()}

	created, exited, running := spec, spec, spec
	created.Name += "-created"
	exited.Name += "-exited"
	running.Name += "-running"
	running.Env = map[string]string{"SLEEP": "300"}
	for _, s := range []runtimes.Spec{created, exited, running} {
		s.Labels = label
		h, err := rt.Create(ctx, s)
		require.NoError(t, err)
		t.Cleanup(func() { rt.Remove(context.Background(), h) })
		if s.Name != created.Name {
			require.NoError(t, rt.Start(ctx, h))
		}
		if s.Name == exited.Name {
			_, err := rt.Wait(ctx, h)
			require.NoError(t, err)
		}
	}

	// A second Runtime, as after a server restart, knows only the names.
	again, err := docker.New(docker.Options{})
	require.NoError(t, err)
	defer again.Close()
	for name, want := range map[string]runtimes.State{
		created.Name: runtimes.StateCreated,
		exited.Name:  runtimes.StateExited,
		running.Name: runtimes.StateRunning,
	} {
		h, state, err := again.Find(ctx, name)
		require.NoError(t, err, name)
		require.Equal(t, want, state, name)
		require.Equal(t, name, h.Name)
		require.NotEmpty(t, h.ID)
	}
	_, _, err = again.Find(ctx, spec.Name) // a prefix of the others: no match
	require.ErrorIs(t, err, runtimes.ErrNotFound)

	listed, err := again.List(ctx, label)
	require.NoError(t, err)
	require.Len(t, listed, 3)
}

func TestPrepareImage(t *testing.T) {
	rt, ctx, spec := setup(t)
	require.NoError(t, rt.PrepareImage(ctx, spec.Image))

	// No registry is reachable here, so the pull fails; the timeout keeps
	// the test bounded where one is reachable but slow.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	missing := "abacosamples/nope-" + randomHex()
	err := rt.PrepareImage(ctx, missing)
	require.ErrorIs(t, err, runtimes.ErrNotFound)
	require.ErrorContains(t, err, `image "`+missing+`" is not present on this host and could not be pulled: `)

	_, err = rt.Create(ctx, runtimes.Spec{Name: spec.Name, Image: missing})
	require.ErrorIs(t, err, runtimes.ErrNotFound)
}

// BenchmarkRunCycle measures the bare runtime cost of one execution:
// create, start, wait and remove a container that exits at once.
func BenchmarkRunCycle(b *testing.B) {
	testenv.RequireDocker(b)
	ctx := context.Background()
	require.NoError(b, examples.Build(ctx, "test"))
	rt, err := docker.New(docker.Options{})
	require.NoError(b, err)
	defer rt.Close()
	for b.Loop() {
		h, err := rt.Create(ctx, runtimes.Spec{Name: "abaco-bench-" + randomHex(), Image: examples.Image("test")})
		require.NoError(b, err)
		require.NoError(b, rt.Start(ctx, h))
		_, err = rt.Wait(ctx, h)
		require.NoError(b, err)
		require.NoError(b, rt.Remove(ctx, h))
	}
}
