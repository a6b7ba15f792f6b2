package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestLogs(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		_, err := s.LogGet(ctx, "e1")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		l := &abaco.Log{ExecutionID: "e1", Tenant: "t1", ActorID: "a", Text: "line 1\nünïcode\n", ExpiresAt: ms(1000)}
		require.NoError(t, s.LogPut(ctx, l))
		got, err := s.LogGet(ctx, "e1")
		require.NoError(t, err)
		require.Equal(t, l, got)

		// Put replaces.
		l.Text = "replaced"
		require.NoError(t, s.LogPut(ctx, l))
		got, err = s.LogGet(ctx, "e1")
		require.NoError(t, err)
		require.Equal(t, "replaced", got.Text)

		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: "e2", Text: "expires later", ExpiresAt: ms(2000)}))
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: "e3", Text: "expires at the same time", ExpiresAt: ms(1000)}))
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: "forever", Text: "never expires"}))

		n, err := s.LogDeleteExpired(ctx, ms(999), 0)
		require.NoError(t, err)
		require.Zero(t, n)
		n, err = s.LogDeleteExpired(ctx, ms(1000), 1)
		require.NoError(t, err)
		require.Equal(t, 1, n, "limit")
		n, err = s.LogDeleteExpired(ctx, ms(1000), 0)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = s.LogGet(ctx, "e1")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		n, err = s.LogDeleteExpired(ctx, ms(1<<50), 10)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, err = s.LogGet(ctx, "forever")
		require.NoError(t, err)
		require.True(t, got.ExpiresAt.IsZero())
	})
}

func TestResultsFIFOAndExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		_, err := s.ResultPop(ctx, "e1", ms(0))
		require.ErrorIs(t, err, abaco.ErrNotFound)

		require.NoError(t, s.ResultPush(ctx, "e1", []byte("first"), ms(5000)))
		require.NoError(t, s.ResultPush(ctx, "e1", []byte("short-lived"), ms(1500)))
		require.NoError(t, s.ResultPush(ctx, "e2", []byte("other execution"), ms(5000)))
		require.NoError(t, s.ResultPush(ctx, "e1", []byte{0, 0xff, 0}, ms(5000)))
		require.NoError(t, s.ResultPush(ctx, "e1", nil, ms(5000)))

		pop := func() string {
			t.Helper()
			data, err := s.ResultPop(ctx, "e1", ms(2000))
			require.NoError(t, err)
			return string(data)
		}
		require.Equal(t, "first", pop())
		require.Equal(t, "\x00\xff\x00", pop(), "the expired result is skipped")
		require.Equal(t, "", pop())
		_, err = s.ResultPop(ctx, "e1", ms(2000))
		require.ErrorIs(t, err, abaco.ErrNotFound)

		// The expired one is still stored until a deletion pass.
		n, err := s.ResultDeleteExpired(ctx, ms(2000), 0)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = s.ResultDeleteExpired(ctx, ms(5000), 0)
		require.NoError(t, err)
		require.Equal(t, 1, n, "expires_at <= now is expired")
		_, err = s.ResultPop(ctx, "e2", ms(0))
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}

func TestResultsConcurrentPop(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		const total = 200
		for i := range total {
			require.NoError(t, s.ResultPush(ctx, "e1", fmt.Appendf(nil, "r%03d", i), ms(1<<50)))
		}
		var mu sync.Mutex
		popped := map[string]int{}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for g := range errs {
			wg.Go(func() {
				var last string
				for {
					data, err := s.ResultPop(ctx, "e1", ms(0))
					if errors.Is(err, abaco.ErrNotFound) {
						return
					}
					if err != nil {
						errs[g] = err
						return
					}
					if string(data) <= last {
						errs[g] = fmt.Errorf("popped %s after %s", data, last)
					}
					last = string(data)
					mu.Lock()
					popped[last]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, popped, total)
		for r, n := range popped {
			require.Equal(t, 1, n, "result %s", r)
		}
	})
}
