package storage

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

// TestConcurrentFinishNext: workers of several actors finish and carry on
// at once (on PostgreSQL their finishes are batched into shared statements):
// every execution runs exactly once, each worker takes its actor's queue
// in order, and every finish stores its outcome and log.
func TestConcurrentFinishNext(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		const actors, workers, perActor = 3, 4, 40
		var refs []*abaco.Actor
		for i := range actors {
			a := eventActor(t, s, fmt.Sprintf("A%d", i), "", "") // no link or webhook: the batched path
			createExecutions(t, s, a, a.ID+"-", perActor)
			refs = append(refs, a)
		}
		var mu sync.Mutex
		ran := map[string]string{} // execution id → worker
		var wg sync.WaitGroup
		for _, a := range refs {
			for w := range workers {
				worker := fmt.Sprintf("%s-w%d", a.ID, w)
				wg.Add(1)
				go func() {
					defer wg.Done()
					next := &abaco.ExecutionClaimParams{Tenant: "t1", ActorID: a.ID, WorkerID: worker}
					e, err := claimNext(ctx, s, *next)
					last := ""
					for err == nil && e != nil {
						require.Equal(t, worker, e.WorkerID)
						require.Greater(t, e.ID, last, "an actor's queue is taken in order")
						last = e.ID
						mu.Lock()
						if other, dup := ran[e.ID]; dup {
							t.Errorf("%s ran twice: %s and %s", e.ID, other, worker)
						}
						ran[e.ID] = worker
						mu.Unlock()
						code := 0
						var finished bool
						finished, e, err = s.ExecutionFinishNext(ctx, abaco.ExecutionFinishParams{
							ID: e.ID, Status: abaco.ExecComplete, StartTime: ms(1000), FinishTime: ms(2000),
							Runtime: 1, CPU: 5, IO: 6, ExitCode: &code, FinalState: json.RawMessage(`{"ExitCode":0}`),
							Log: &abaco.Log{ExecutionID: e.ID, Tenant: "t1", ActorID: a.ID, Text: "log of " + e.ID},
						}, next)
						require.True(t, finished)
					}
					if err != nil && err != abaco.ErrNotFound {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		require.Len(t, ran, actors*perActor)
		for id := range ran {
			var a string
			fmt.Sscanf(id, "%2s", &a)
			e, err := s.ExecutionGet(ctx, "t1", a, id)
			require.NoError(t, err)
			require.Equal(t, abaco.ExecComplete, e.Status)
			require.Equal(t, ms(2000), e.FinishTime)
			require.Equal(t, ran[id], e.WorkerID)
			l, err := s.LogGet(ctx, id)
			require.NoError(t, err)
			require.Equal(t, "log of "+id, l.Text)
		}
		if s.Dialect() == Postgres { // the batch stored each one's search document
			var missing int
			require.NoError(t, s.db.GetContext(ctx, &missing, `SELECT COUNT(*) FROM executions
				WHERE status = 'COMPLETE' AND search_doc IS NULL`))
			require.Zero(t, missing)
			_, total := runSearch(t, s, search.Executions, abaco.SearchParams{Tenant: "t1", User: "alice"}, "exactsearch=complete")
			require.Equal(t, len(ran), total, "all found by their stored documents")
		}
	})
}

// TestKeyedConnectionsNeverScan: the connections of the batch statements
// have sequential scans off (pool.go, openKeyed).
func TestKeyedConnectionsNeverScan(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		if s.Dialect() != Postgres {
			require.Nil(t, s.keyed)
			return
		}
		var setting string
		require.NoError(t, s.keyed.GetContext(t.Context(), &setting, `SHOW enable_seqscan`))
		require.Equal(t, "off", setting)
		require.NoError(t, s.db.GetContext(t.Context(), &setting, `SHOW enable_seqscan`))
		require.Equal(t, "on", setting, "other queries plan as usual")
	})
}

// TestFinishBatchOneBadRequest: a batch whose statement fails (a log with
// a NUL byte, which PostgreSQL text refuses) is made again request by
// request, so that only the bad request's caller fails.
func TestFinishBatchOneBadRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		if s.Dialect() != Postgres {
			require.Nil(t, s.finishes)
			return
		}
		ctx := t.Context()
		a := eventActor(t, s, "A", "", "") // no link or webhook: the batched path
		createExecutions(t, s, a, "e", 2)
		for _, w := range []string{"w0", "w1"} {
			_, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "A", WorkerID: w})
			require.NoError(t, err)
		}
		request := func(id, text string) *finishRequest {
			code := 0
			return &finishRequest{ctx: ctx, done: make(chan error, 1), p: abaco.ExecutionFinishParams{
				ID: id, Status: abaco.ExecComplete, StartTime: ms(1000), FinishTime: ms(2000), ExitCode: &code,
				Log: &abaco.Log{ExecutionID: id, Tenant: "t1", ActorID: "A", Text: text}}}
		}
		good, bad := request("e000", "fine"), request("e001", "nul \x00 byte")
		s.finishes.commit([]*finishRequest{good, bad})
		require.NoError(t, <-good.done)
		require.True(t, good.finished)
		require.Error(t, <-bad.done)
		e, err := s.ExecutionGet(ctx, "t1", "A", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecComplete, e.Status)
		e, err = s.ExecutionGet(ctx, "t1", "A", "e001")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecSubmitted, e.Status, "the bad request wrote nothing")
	})
}
