package apptainer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/runtimes"
)

// standIn is an executable that answers `pull` and `run` as apptainer would
// on its command line, for the lifecycle tests on hosts without Apptainer
// (the real thing runs in TestRealApptainer): it shows what it was given
// and who it runs as, sleeps for APPTAINERENV_SLEEP and exits with
// APPTAINERENV_EXIT.
const standIn = `#!/bin/sh
case "$1" in
pull)
	case "$3" in *missing*) echo "FATAL: no such image $3" >&2; exit 255;; esac
	echo sif > "$2"; exit 0;;
run)
	# Installed first, so a SIGTERM after the first line is always seen.
	trap 'kill $sleeper 2>/dev/null; echo terminated; exit 143' TERM
	shift
	echo "args: $*"
	echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
	env | grep '^APPTAINERENV_' | sort
	if [ -n "$APPTAINERENV_SLEEP" ]; then
		sleep "$APPTAINERENV_SLEEP" &
		sleeper=$!
		wait $sleeper
	fi
	echo done >&2
	exit "${APPTAINERENV_EXIT:-0}";;
esac
exit 1
`

// setupStandIn returns a runtime over the stand-in CLI in a directory any
// user can reach, as a site's data dir is.
func setupStandIn(t *testing.T) (*Runtime, string) {
	t.Helper()
	root, err := os.MkdirTemp("", "apptainer-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	require.NoError(t, os.Chmod(root, 0o755))
	cli := filepath.Join(root, "apptainer")
	require.NoError(t, os.WriteFile(cli, []byte(standIn), 0o755))
	r, err := New(Options{Command: cli, StateDir: filepath.Join(root, "state")})
	require.NoError(t, err)
	return r, root
}

func TestLifecycleWithStandIn(t *testing.T) {
	t.Parallel()
	r, _ := setupStandIn(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	require.NoError(t, r.PrepareImage(ctx, "abacosamples/test"))
	require.FileExists(t, r.cachedSIF("docker://abacosamples/test"))
	err := r.PrepareImage(ctx, "abacosamples/missing")
	require.ErrorIs(t, err, runtimes.ErrNotFound)
	require.ErrorContains(t, err, "FATAL: no such image docker://abacosamples/missing")

	spec := runtimes.Spec{Name: "abaco-E1", Image: "abacosamples/test", Env: map[string]string{"EXIT": "3", "MSG": "hi"},
		Labels: map[string]string{"org.abaco.host": "h1"}}
	h, err := r.Create(ctx, spec)
	require.NoError(t, err)
	again, err := r.Create(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, h, again, "create is idempotent by name")
	_, st, err := r.Find(ctx, spec.Name)
	require.NoError(t, err)
	require.Equal(t, runtimes.StateCreated, st)

	require.NoError(t, r.Start(ctx, h))
	require.NoError(t, r.Start(ctx, h), "starting a started container")
	var logs bytes.Buffer
	require.NoError(t, r.Logs(ctx, h, &logs))
	exit, err := r.Wait(ctx, h)
	require.NoError(t, err)
	require.Equal(t, 3, exit.ExitCode)
	require.False(t, exit.FinishedAt.Before(exit.StartedAt))
	require.Contains(t, string(exit.State), `"ExitCode":3`)
	require.Contains(t, logs.String(), "args: --containall --cleanenv --no-home --pwd / "+r.cachedSIF("docker://abacosamples/test")+"\n")
	require.Contains(t, logs.String(), "APPTAINERENV_EXIT=3\nAPPTAINERENV_MSG=hi\n")
	require.Contains(t, logs.String(), "done\n")

	listed, err := r.List(ctx, map[string]string{"org.abaco.host": "h1"})
	require.NoError(t, err)
	require.Equal(t, []runtimes.Handle{h}, listed)
	listed, err = r.List(ctx, map[string]string{"org.abaco.host": "h2"})
	require.NoError(t, err)
	require.Empty(t, listed)

	require.NoError(t, r.Remove(ctx, h))
	require.NoError(t, r.Remove(ctx, h), "removing twice")
	_, _, err = r.Find(ctx, spec.Name)
	require.ErrorIs(t, err, runtimes.ErrNotFound)
}

func TestRunsAsTheAccountAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root can start processes as another user")
	}
	r, _ := setupStandIn(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	spec := runtimes.Spec{Name: "abaco-E2", Image: "/images/x.sif", User: "20001:20002", Groups: []string{"30001"},
		Env: map[string]string{"SLEEP": "300"}}
	h, err := r.Create(ctx, spec)
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx, h))

	// A new Runtime over the same state dir, as after a server restart.
	again, err := New(Options{Command: r.cmd, StateDir: r.state})
	require.NoError(t, err)
	found, st, err := again.Find(ctx, spec.Name)
	require.NoError(t, err)
	require.Equal(t, runtimes.StateRunning, st)
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(r.state, "containers", spec.Name, outputFile))
		return strings.Contains(string(b), "uid=20001 gid=20002 groups=20002 30001\n")
	}, 30*time.Second, 50*time.Millisecond)

	require.NoError(t, again.Stop(ctx, found, 5*time.Second))
	exit, err := again.Wait(ctx, found)
	require.NoError(t, err)
	require.Equal(t, 143, exit.ExitCode)
	var logs bytes.Buffer
	require.NoError(t, again.Logs(ctx, found, &logs))
	require.Contains(t, logs.String(), "terminated\n")
	require.NoError(t, again.Remove(ctx, found))
}
