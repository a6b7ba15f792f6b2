package apptainer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/examples"
	"github.com/abaco-hpc/abaco/runtimes"
)

// TestRealApptainer runs the probe image with the real apptainer wherever
// it is installed (docs/hpc.md says how); elsewhere it is skipped, since
// Apptainer is not part of the standard test machine. The image comes from
// the local Docker engine, so no registry is needed.
func TestRealApptainer(t *testing.T) {
	cli, err := Available("")
	if err != nil {
		t.Skip("apptainer is not installed: ", err)
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("the probe image is built with Docker, which is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, examples.Build(ctx, "test"))

	root, err := os.MkdirTemp("", "apptainer-real-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	require.NoError(t, os.Chmod(root, 0o755))
	sif := filepath.Join(root, "test.sif")
	out, err := exec.CommandContext(ctx, cli, "build", sif, "docker-daemon://"+examples.Image("test")+":latest").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.Chmod(sif, 0o644))

	r, err := New(Options{Command: cli, StateDir: filepath.Join(root, "state")})
	require.NoError(t, err)
	work := filepath.Join(root, "work")
	require.NoError(t, os.Mkdir(work, 0o700))
	spec := runtimes.Spec{
		Name: "abaco-real", Image: sif,
		Env:    map[string]string{"MSG": "hello apptainer", "WRITE": "/work/out.txt", "CAT": "/proc/self/status", "EXIT": "3"},
		Mounts: []runtimes.Mount{{HostPath: work, ContainerPath: "/work"}},
	}
	user := os.Getuid()
	if user == 0 {
		spec.User, user = "20001:20001", 20001
		require.NoError(t, os.Chown(work, 20001, 20001))
	}
	require.NoError(t, r.PrepareImage(ctx, sif))
	h, err := r.Create(ctx, spec)
	require.NoError(t, err)
	t.Cleanup(func() { r.Remove(context.Background(), h) })
	require.NoError(t, r.Start(ctx, h))
	var logs bytes.Buffer
	require.NoError(t, r.Logs(ctx, h, &logs))
	exit, err := r.Wait(ctx, h)
	require.NoError(t, err)
	require.Equal(t, 3, exit.ExitCode, logs.String())
	require.Contains(t, logs.String(), "Contents of MSG: hello apptainer\n")
	require.Contains(t, logs.String(), "write /work/out.txt: ok\n")
	require.Contains(t, logs.String(), "CapEff:\t0000000000000000\n")
	info, err := os.Stat(filepath.Join(work, "out.txt"))
	require.NoError(t, err)
	require.EqualValues(t, user, fileUID(info))
}
