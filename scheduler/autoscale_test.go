package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func worker(id string, revision int, created, lastExec time.Duration) *abaco.Worker {
	w := &abaco.Worker{ID: id, Revision: revision, Status: abaco.WorkerReady, CreateTime: t0.Add(created)}
	if lastExec != 0 {
		w.LastExecutionTime = t0.Add(lastExec)
	}
	return w
}

func ids(ws []*abaco.Worker) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

func TestPlanScale(t *testing.T) {
	pol := ScalePolicy{IdleTimeout: 5 * time.Second, SyncIdleTimeout: 600 * time.Second}
	ready := abaco.ActorReady
	tests := []struct {
		name   string
		now    time.Duration // after t0
		pool   pool
		retire []string
		add    int
	}{
		{
			name: "stateless, empty inbox: workers idle past the timeout go, recent ones stay",
			now:  10 * time.Second,
			pool: pool{status: ready, stateless: true, revision: 1, idle: []*abaco.Worker{
				worker("old", 1, 0, 0), worker("used", 1, 0, 7*time.Second), worker("new", 1, 6*time.Second, 0),
			}},
			retire: []string{"old"},
		},
		{
			name: "stateless, idle long enough: the pool falls to zero",
			now:  time.Minute,
			pool: pool{status: ready, stateless: true, revision: 1, idle: []*abaco.Worker{
				worker("a", 1, 0, 0), worker("b", 1, 0, 10*time.Second),
			}},
			retire: []string{"b", "a"},
		},
		{
			name:   "the idle timeout is exclusive: exactly at it the worker goes",
			now:    5 * time.Second,
			pool:   pool{status: ready, stateless: true, revision: 1, idle: []*abaco.Worker{worker("a", 1, 0, 0)}},
			retire: []string{"a"},
		},
		{
			name: "stateless with queued messages keeps every worker",
			now:  time.Hour,
			pool: pool{status: ready, stateless: true, revision: 1, pending: 3, idle: []*abaco.Worker{
				worker("a", 1, 0, 0), worker("b", 1, 0, 0),
			}},
		},
		{
			name: "sync hint keeps the most recently active worker warm",
			now:  5 * time.Minute,
			pool: pool{status: ready, stateless: true, sync: true, revision: 1, idle: []*abaco.Worker{
				worker("older", 1, 0, time.Minute), worker("recent", 1, 0, 2*time.Minute),
			}},
			retire: []string{"older"},
		},
		{
			name: "sync hint: after the sync idle time the last worker goes too",
			now:  2*time.Minute + 600*time.Second,
			pool: pool{status: ready, stateless: true, sync: true, revision: 1, idle: []*abaco.Worker{
				worker("recent", 1, 0, 2*time.Minute),
			}},
			retire: []string{"recent"},
		},
		{
			name: "stateful with no worker gets exactly one",
			now:  time.Hour,
			pool: pool{status: ready, revision: 1},
			add:  1,
		},
		{
			name: "stateful keeps its one worker however long it idles",
			now:  24 * time.Hour,
			pool: pool{status: ready, revision: 1, idle: []*abaco.Worker{worker("only", 1, 0, 0)}},
		},
		{
			name: "stateful with two idle workers keeps the most recently active",
			now:  time.Hour,
			pool: pool{status: ready, revision: 1, idle: []*abaco.Worker{
				worker("a", 1, 0, time.Second), worker("b", 1, 0, 2*time.Second),
			}},
			retire: []string{"a"},
		},
		{
			name:   "stateful with a busy worker keeps no idle one",
			now:    time.Hour,
			pool:   pool{status: ready, revision: 1, busy: 1, idle: []*abaco.Worker{worker("a", 1, 0, 0)}},
			retire: []string{"a"},
		},
		{
			name:   "a new revision replaces idle workers of the old one",
			now:    time.Second,
			pool:   pool{status: ready, revision: 2, idle: []*abaco.Worker{worker("v1", 1, 0, 0)}},
			retire: []string{"v1"},
			add:    1,
		},
		{
			name: "stale workers go even while queued messages wait",
			now:  time.Second,
			pool: pool{status: ready, stateless: true, revision: 2, pending: 5, idle: []*abaco.Worker{
				worker("v1", 1, 0, 0), worker("v2", 2, 0, 0),
			}},
			retire: []string{"v1"},
		},
		{
			name: "an actor whose image is being prepared is left alone",
			now:  time.Hour,
			pool: pool{status: abaco.ActorSubmitted, revision: 1, idle: []*abaco.Worker{worker("a", 1, 0, 0)}},
		},
		{
			name:   "an actor in ERROR keeps no worker",
			now:    time.Second,
			pool:   pool{status: abaco.ActorError, revision: 1, idle: []*abaco.Worker{worker("a", 1, 0, 0)}},
			retire: []string{"a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := planScale(t0.Add(tc.now), tc.pool, pol)
			want := tc.retire
			if want == nil {
				want = []string{}
			}
			require.ElementsMatch(t, want, ids(got.retire))
			require.Equal(t, tc.add, got.add)
		})
	}
}
