package storage

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadGate(t *testing.T) {
	t.Parallel()
	g := make(readGate, 1)
	release, err := g.enter(t.Context())
	require.NoError(t, err)
	// Full: a second read waits, and gives up when its context ends.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = g.enter(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// A waiting read gets in once the place is given back.
	entered := make(chan func())
	go func() {
		r, err := g.enter(context.Background())
		if err != nil {
			t.Error(err)
		}
		entered <- r
	}()
	release()
	(<-entered)()
	// SQLite's gate has a place per core, PostgreSQL's two.
	require.Equal(t, runtime.GOMAXPROCS(0), cap(newReadGate(SQLite)))
	require.Equal(t, 2*runtime.GOMAXPROCS(0), cap(newReadGate(Postgres)))
}
