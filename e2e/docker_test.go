package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
)

// waitForExit waits until the named container is no longer running.
func waitForExit(t *testing.T, name string) {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer cli.Close()
	require.Eventually(t, func() bool {
		info, err := cli.ContainerInspect(context.Background(), name)
		return err == nil && info.State != nil && !info.State.Running
	}, 30*time.Second, 100*time.Millisecond)
}
