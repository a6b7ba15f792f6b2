package examples_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/examples"
	"github.com/abaco-hpc/abaco/internal/testenv"
)

func TestNamesMatchDirectories(t *testing.T) {
	dockerfiles, err := filepath.Glob("*/Dockerfile")
	require.NoError(t, err)
	var dirs []string
	for _, f := range dockerfiles {
		dirs = append(dirs, filepath.Dir(f))
	}
	require.ElementsMatch(t, dirs, examples.Names())
}

func TestWordCountSendsResult(t *testing.T) {
	ctx, cli := setup(t)
	dir := t.TempDir()
	results := listen(t, filepath.Join(dir, "results.sock"))

	logs, code := run(t, ctx, cli, examples.Image("wc"),
		[]string{"MSG=Actor, please count these words."},
		mount.Mount{Type: mount.TypeBind, Source: results.LocalAddr().String(), Target: "/_abaco_results.sock", ReadOnly: true})

	require.Equal(t, 0, code)
	require.Equal(t, "Number of words is: 5\n", logs)
	require.Equal(t, []string{"5"}, receive(t, results))
}

func TestProbeReadsBinaryMessage(t *testing.T) {
	ctx, cli := setup(t)
	dir := t.TempDir()
	results := listen(t, filepath.Join(dir, "results.sock"))

	// The host side as the worker does it: a FIFO holding the whole message,
	// with a descriptor kept open until the container is done.
	fifo := filepath.Join(dir, "binary")
	require.NoError(t, syscall.Mkfifo(fifo, 0o666))
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	msg := make([]byte, 50_000) // fits the default 64 KiB pipe
	rand.Read(msg)
	_, err = f.Write(msg)
	require.NoError(t, err)

	logs, code := run(t, ctx, cli, examples.Image("test"),
		[]string{"_abaco_Content_Type=application/octet-stream", "RESULTS=2"},
		mount.Mount{Type: mount.TypeBind, Source: results.LocalAddr().String(), Target: "/_abaco_results.sock", ReadOnly: true},
		mount.Mount{Type: mount.TypeBind, Source: fifo, Target: "/_abaco_binary_data", ReadOnly: true})

	require.Equal(t, 0, code, logs)
	sum := sha256.Sum256(msg)
	digest := hex.EncodeToString(sum[:])
	require.Contains(t, logs, fmt.Sprintf("binary bytes: %d sha256: %s\n", len(msg), digest))
	require.Equal(t, []string{digest, "result-1", "result-2"}, receive(t, results))
}

func setup(t *testing.T) (context.Context, *client.Client) {
	t.Helper()
	testenv.RequireDocker(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	require.NoError(t, examples.Build(ctx, examples.Names()...))
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close() })
	return ctx, cli
}

// run runs image to completion and returns its combined output and exit code.
func run(t *testing.T, ctx context.Context, cli *client.Client, image string, env []string, mounts ...mount.Mount) (string, int) {
	t.Helper()
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: image, Env: env}, &container.HostConfig{Mounts: mounts}, nil, nil, "")
	require.NoError(t, err)
	t.Cleanup(func() {
		cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
	})
	require.NoError(t, cli.ContainerStart(ctx, c.ID, container.StartOptions{}))
	waitc, errc := cli.ContainerWait(ctx, c.ID, container.WaitConditionNotRunning)
	var code int
	select {
	case res := <-waitc:
		code = int(res.StatusCode)
	case err := <-errc:
		require.NoError(t, err)
	}
	rc, err := cli.ContainerLogs(ctx, c.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	require.NoError(t, err)
	defer rc.Close()
	var logs bytes.Buffer
	_, err = stdcopy.StdCopy(&logs, &logs, rc)
	require.NoError(t, err)
	return logs.String(), code
}

// listen binds a results socket the way the worker does: datagrams, open
// to whatever user the container runs as.
func listen(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, os.Chmod(path, 0o777))
	return conn
}

// receive drains the datagrams queued on conn.
func receive(t *testing.T, conn *net.UnixConn) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 131072)
	for {
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := conn.Read(buf)
		if err != nil {
			require.True(t, os.IsTimeout(err), err)
			return got
		}
		got = append(got, string(buf[:n]))
	}
}
