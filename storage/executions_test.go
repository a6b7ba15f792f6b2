package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestExecutionRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		e := newExecution(a, "e1")
		e.Message = []byte{0, 1, 'x', 0xff, 0, 0xfe}
		e.ContentType = abaco.ContentBinary
		e.Env = map[string]string{"_abaco_execution_id": "e1", "q": "a b&c", "empty": ""}
		e.Username = ""
		require.NoError(t, s.ExecutionCreate(ctx, e))

		got, err := s.ExecutionGet(ctx, "t1", "a", "e1")
		require.NoError(t, err)
		require.Equal(t, e, got)

		// Scoped by tenant and actor.
		_, err = s.ExecutionGet(ctx, "t2", "a", "e1")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		createActor(t, s, "t1", "b")
		_, err = s.ExecutionGet(ctx, "t1", "b", "e1")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		// Every field of a finished execution survives too.
		f := newExecution(a, "e2")
		f.Status, f.WorkerID, f.StartTime, f.FinishTime = abaco.ExecComplete, "w1", ms(1700000001000), ms(1700000002000)
		f.Runtime, f.CPU, f.IO, f.ExitCode = 1, 123456789012, 42, ptr(137)
		f.FinalState, f.HaltRequested, f.Message = json.RawMessage(`{"n":1}`), true, nil
		require.NoError(t, s.ExecutionCreate(ctx, f))
		got, err = s.ExecutionGet(ctx, "t1", "a", "e2")
		require.NoError(t, err)
		require.Empty(t, got.Message)
		got.Message = nil
		require.Equal(t, f, got)
	})
}

func TestExecutionCreateUnknownActor(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		a := newActor("t1", "ghost")
		err := s.ExecutionCreate(t.Context(), newExecution(a, "e1"))
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}

// The ingest benchmark's baseline stores the same row as ExecutionCreate.
func TestExecutionCreateAlone(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		e := newExecution(a, "e1")
		require.NoError(t, s.ExecutionCreateAlone(ctx, e))
		got, err := s.ExecutionGet(ctx, "t1", "a", "e1")
		require.NoError(t, err)
		require.Equal(t, e, got)
		err = s.ExecutionCreateAlone(ctx, newExecution(newActor("t1", "ghost"), "e2"))
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}

// A new execution offered a worker is stored claimed by it only if no
// older message of its actor waits unclaimed.
func TestExecutionCreateClaimed(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		e := newExecution(a, "e1")
		claimed, err := s.ExecutionCreateClaimed(ctx, e, "w1")
		require.NoError(t, err)
		require.True(t, claimed)
		require.Equal(t, "w1", e.WorkerID)
		got, err := s.ExecutionGet(ctx, "t1", "a", "e1")
		require.NoError(t, err)
		require.Equal(t, e, got)
		n, err := s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Zero(t, n)
		inFlight, err := s.ExecutionListClaimed(ctx)
		require.NoError(t, err)
		require.Len(t, inFlight, 1)
		require.Equal(t, "e1", inFlight[0].ID)

		// An older unclaimed message goes first: the new one waits behind it.
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, "e2")))
		e3 := newExecution(a, "e3")
		claimed, err = s.ExecutionCreateClaimed(ctx, e3, "w2")
		require.NoError(t, err)
		require.False(t, claimed)
		require.Empty(t, e3.WorkerID)
		got, err = s.ExecutionGet(ctx, "t1", "a", "e3")
		require.NoError(t, err)
		require.Empty(t, got.WorkerID)
		next, err := s.ExecutionClaimMany(ctx, []abaco.ExecutionClaimParams{{Tenant: "t1", ActorID: "a", WorkerID: "w2"}})
		require.NoError(t, err)
		require.Equal(t, "e2", next[0].ID)

		_, err = s.ExecutionCreateClaimed(ctx, newExecution(newActor("t1", "ghost"), "e4"), "w3")
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}

// Concurrent creates share commits: each learns its own row's outcome.
func TestExecutionCreateClaimedConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		busy := createActor(t, s, "t1", "busy")
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(busy, "waiting")))
		const n = 64
		actors := make([]*abaco.Actor, n)
		for i := range actors {
			actors[i] = createActor(t, s, "t1", fmt.Sprintf("a%02d", i))
		}
		claimed := make([]bool, 3*n)
		var wg sync.WaitGroup
		for i := range 3 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				switch i % 3 {
				case 0: // an idle actor: claimed
					claimed[i], err = s.ExecutionCreateClaimed(ctx, newExecution(actors[i/3], fmt.Sprintf("idle%03d", i)), fmt.Sprintf("w%03d", i))
				case 1: // behind a waiting message: not claimed
					claimed[i], err = s.ExecutionCreateClaimed(ctx, newExecution(busy, fmt.Sprintf("busy%03d", i)), fmt.Sprintf("w%03d", i))
				default: // no offer
					err = s.ExecutionCreate(ctx, newExecution(busy, fmt.Sprintf("plain%03d", i)))
				}
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		inFlight, err := s.ExecutionListClaimed(ctx)
		require.NoError(t, err)
		stored := map[string]string{}
		for _, e := range inFlight {
			stored[e.ID] = e.WorkerID
		}
		for i := range 3 * n {
			require.Equal(t, i%3 == 0, claimed[i], "request %d", i)
			if i%3 == 0 {
				require.Equal(t, fmt.Sprintf("w%03d", i), stored[fmt.Sprintf("idle%03d", i)])
			}
		}
		require.Len(t, stored, n)
	})
}

func TestExecutionClaimFIFO(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		other := createActor(t, s, "t1", "other")
		// Interleave another actor's messages; ids sort opposite to arrival.
		for _, id := range []string{"z", "y", "x"} {
			require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, id)))
			require.NoError(t, s.ExecutionCreate(ctx, newExecution(other, "o"+id)))
		}
		p := abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"}
		for _, want := range []string{"z", "y", "x"} {
			e, err := claimNext(ctx, s, p)
			require.NoError(t, err)
			require.Equal(t, want, e.ID)
			require.Equal(t, "w1", e.WorkerID)
			require.Equal(t, abaco.ExecSubmitted, e.Status)
			require.Equal(t, []byte("hello "+want), e.Message)
		}
		_, err := claimNext(ctx, s, p)
		require.ErrorIs(t, err, abaco.ErrNotFound)

		n, err := s.ExecutionCountPending(ctx, "t1", "other")
		require.NoError(t, err)
		require.Equal(t, 3, n)
	})
}

func TestExecutionClaimConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		ids := createExecutions(t, s, a, "e", 200)

		var mu sync.Mutex
		claimed := map[string]int{}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for g := range errs {
			wg.Go(func() {
				// Three workers per claim, as a dispatch pass asks.
				ps := make([]abaco.ExecutionClaimParams, 3)
				for i := range ps {
					ps[i] = abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: fmt.Sprintf("w%d-%d", g, i)}
				}
				for {
					got, err := s.ExecutionClaimMany(ctx, ps)
					if err != nil {
						errs[g] = err
						return
					}
					mu.Lock()
					n := 0
					for i, e := range got {
						if e != nil {
							n++
							claimed[e.ID]++
							if e.WorkerID != ps[i].WorkerID {
								errs[g] = fmt.Errorf("%s went to %s, not %s", e.ID, e.WorkerID, ps[i].WorkerID)
							}
						}
					}
					mu.Unlock()
					if n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, claimed, len(ids))
		for _, id := range ids {
			require.Equal(t, 1, claimed[id], "execution %s", id)
		}
		n, err := s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

func TestExecutionUnclaim(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		createExecutions(t, s, a, "e", 2)
		p := abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"}
		e, err := claimNext(ctx, s, p)
		require.NoError(t, err)

		// Another worker's unclaim is a no-op.
		require.NoError(t, s.ExecutionUnclaim(ctx, e.ID, "w2"))
		n, err := s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, 1, n)

		require.NoError(t, s.ExecutionUnclaim(ctx, e.ID, "w1"))
		got, err := s.ExecutionGet(ctx, "t1", "a", e.ID)
		require.NoError(t, err)
		require.Empty(t, got.WorkerID)
		// Back at the head of the queue.
		again, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w2"})
		require.NoError(t, err)
		require.Equal(t, e.ID, again.ID)

		// A RUNNING execution cannot be unclaimed.
		ok, err := setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: e.ID, WorkerID: "w2", StartTime: ms(1)})
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, s.ExecutionUnclaim(ctx, e.ID, "w2"))
		got, err = s.ExecutionGet(ctx, "t1", "a", e.ID)
		require.NoError(t, err)
		require.Equal(t, "w2", got.WorkerID)
		require.Equal(t, abaco.ExecRunning, got.Status)
	})
}

func TestExecutionSetRunning(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		createExecutions(t, s, a, "e", 2)
		start := ms(1700000003000)

		// Unclaimed: no worker may start it.
		ok, err := setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w1", StartTime: start})
		require.NoError(t, err)
		require.False(t, ok)

		_, err = claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"})
		require.NoError(t, err)
		ok, err = setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w2", StartTime: start})
		require.NoError(t, err)
		require.False(t, ok, "another worker's claim")
		ok, err = setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w1", StartTime: start})
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w1", StartTime: start})
		require.NoError(t, err)
		require.False(t, ok, "already running")

		got, err := s.ExecutionGet(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecRunning, got.Status)
		require.Equal(t, start, got.StartTime)

		claimed, err := s.ExecutionListClaimed(ctx)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		require.Equal(t, "e000", claimed[0].ID)
	})
}

func TestExecutionFinish(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		createExecutions(t, s, a, "e", 2)
		for range 2 {
			_, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"})
			require.NoError(t, err)
		}
		ok, err := setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w1", StartTime: ms(1000)})
		require.NoError(t, err)
		require.True(t, ok)

		p := abaco.ExecutionFinishParams{ID: "e000", Status: abaco.ExecComplete, StartTime: ms(999),
			FinishTime: ms(5000), Runtime: 4, CPU: 77, IO: 88, ExitCode: ptr(0),
			FinalState: json.RawMessage(`{"done":true}`),
			Log:        &abaco.Log{ExecutionID: "e000", Tenant: "t1", ActorID: "a", Text: "first", ExpiresAt: ms(9000)}}
		ok, err = s.ExecutionFinish(ctx, p)
		require.NoError(t, err)
		require.True(t, ok)

		got, err := s.ExecutionGet(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecComplete, got.Status)
		require.Equal(t, ms(1000), got.StartTime, "the RUNNING start time is kept")
		require.Equal(t, ms(5000), got.FinishTime)
		require.Equal(t, 4, got.Runtime)
		require.Equal(t, int64(77), got.CPU)
		require.Equal(t, int64(88), got.IO)
		require.Equal(t, ptr(0), got.ExitCode)
		require.JSONEq(t, `{"done":true}`, string(got.FinalState))
		l, err := s.LogGet(ctx, "e000")
		require.NoError(t, err)
		require.Equal(t, p.Log, l)

		// A second finish changes nothing, its log included.
		p2 := p
		p2.Status, p2.Log = abaco.ExecError, &abaco.Log{ExecutionID: "e000", Tenant: "t1", ActorID: "a", Text: "second"}
		ok, err = s.ExecutionFinish(ctx, p2)
		require.NoError(t, err)
		require.False(t, ok)
		got, err = s.ExecutionGet(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecComplete, got.Status)
		l, err = s.LogGet(ctx, "e000")
		require.NoError(t, err)
		require.Equal(t, "first", l.Text)

		// Finishing a claimed execution that never ran sets its start time;
		// without a log, no log is stored.
		ok, err = s.ExecutionFinish(ctx, abaco.ExecutionFinishParams{ID: "e001", Status: abaco.ExecError,
			StartTime: ms(2000), FinishTime: ms(2001)})
		require.NoError(t, err)
		require.True(t, ok)
		got, err = s.ExecutionGet(ctx, "t1", "a", "e001")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecError, got.Status)
		require.Equal(t, ms(2000), got.StartTime)
		require.Nil(t, got.ExitCode)
		require.Nil(t, got.FinalState)
		_, err = s.LogGet(ctx, "e001")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		claimed, err := s.ExecutionListClaimed(ctx)
		require.NoError(t, err)
		require.Empty(t, claimed)

		ok, err = s.ExecutionFinish(ctx, abaco.ExecutionFinishParams{ID: "nope", Status: abaco.ExecError})
		require.NoError(t, err)
		require.False(t, ok)
	})
}

func TestExecutionRequestHalt(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		createExecutions(t, s, a, "e", 1)

		status, err := s.ExecutionRequestHalt(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecSubmitted, status)
		got, err := s.ExecutionGet(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.False(t, got.HaltRequested, "only a RUNNING execution is halted")

		_, err = claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"})
		require.NoError(t, err)
		ok, err := setRunning(ctx, s, abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w1", StartTime: ms(1)})
		require.NoError(t, err)
		require.True(t, ok)
		status, err = s.ExecutionRequestHalt(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.Equal(t, abaco.ExecRunning, status)
		got, err = s.ExecutionGet(ctx, "t1", "a", "e000")
		require.NoError(t, err)
		require.True(t, got.HaltRequested)

		_, err = s.ExecutionRequestHalt(ctx, "t2", "a", "e000")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, err = s.ExecutionRequestHalt(ctx, "t1", "a", "missing")
		require.ErrorIs(t, err, abaco.ErrNotFound)
	})
}

func TestExecutionPending(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		b := createActor(t, s, "t2", "b")
		createActor(t, s, "t1", "idle")
		createExecutions(t, s, a, "a", 5)
		createExecutions(t, s, b, "b", 1)

		queues, err := s.ExecutionQueues(ctx)
		require.NoError(t, err)
		require.Len(t, queues, 2, "the idle actor has no queue")
		require.Equal(t, []string{"t1", "a"}, []string{queues[0].Actor.Tenant, queues[0].Actor.ID})
		require.Equal(t, 5, queues[0].Pending)
		require.Equal(t, []string{"t2", "b"}, []string{queues[1].Actor.Tenant, queues[1].Actor.ID})
		require.Equal(t, 1, queues[1].Pending)

		claim := abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w1"}
		_, err = claimNext(ctx, s, claim)
		require.NoError(t, err)
		n, err := s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, 4, n)

		n, err = s.ExecutionDeletePending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, 4, n)
		n, err = s.ExecutionCountPending(ctx, "t1", "a")
		require.NoError(t, err)
		require.Zero(t, n)
		// The claimed one is untouched.
		got, err := s.ExecutionGet(ctx, "t1", "a", "a000")
		require.NoError(t, err)
		require.Equal(t, "w1", got.WorkerID)

		queues, err = s.ExecutionQueues(ctx)
		require.NoError(t, err)
		require.Len(t, queues, 1)
		require.Equal(t, "b", queues[0].Actor.ID)
	})
}

func TestExecutionSummary(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		other := createActor(t, s, "t1", "other")
		createExecutions(t, s, other, "o", 1)

		empty, err := s.ExecutionSummary(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, &abaco.ExecutionSummary{Executions: []*abaco.Execution{}}, empty)
		owner, empty, err := s.ExecutionSummaryOfActor(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, a.Owner, owner)
		require.Equal(t, &abaco.ExecutionSummary{Executions: []*abaco.Execution{}}, empty, "an actor without executions")
		_, _, err = s.ExecutionSummaryOfActor(ctx, "t1", "missing")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, _, err = s.ExecutionSummaryOfActor(ctx, "t2", "a")
		require.ErrorIs(t, err, abaco.ErrNotFound, "another tenant's")

		createExecutions(t, s, a, "e", 3)
		for i, id := range []string{"e000", "e001"} {
			_, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: "w"})
			require.NoError(t, err)
			ok, err := s.ExecutionFinish(ctx, abaco.ExecutionFinishParams{ID: id, Status: abaco.ExecComplete,
				StartTime: ms(int64(100 * (i + 1))), FinishTime: ms(int64(100*(i+1) + 50)),
				Runtime: 10 * (i + 1), CPU: 3000000000 * int64(i+1), IO: int64(i + 1)})
			require.NoError(t, err)
			require.True(t, ok)
		}

		sum, err := s.ExecutionSummary(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, 3, sum.TotalExecutions)
		require.Equal(t, int64(9000000000), sum.TotalCPU)
		require.Equal(t, int64(3), sum.TotalIO)
		require.Equal(t, int64(30), sum.TotalRuntime)
		received := ms(1700000000000)
		require.Equal(t, []*abaco.Execution{
			{ID: "e000", Status: abaco.ExecComplete, MessageReceivedTime: received, StartTime: ms(100), FinishTime: ms(150)},
			{ID: "e001", Status: abaco.ExecComplete, MessageReceivedTime: received, StartTime: ms(200), FinishTime: ms(250)},
			{ID: "e002", Status: abaco.ExecSubmitted, MessageReceivedTime: received},
		}, sum.Executions)
		owner, withOwner, err := s.ExecutionSummaryOfActor(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, a.Owner, owner)
		require.Equal(t, sum, withOwner)
	})
}

// claimNext claims one execution through ExecutionClaimMany, as the
// dispatcher does; ErrNotFound when the queue is empty.
func claimNext(ctx context.Context, s *Store, p abaco.ExecutionClaimParams) (*abaco.Execution, error) {
	got, err := s.ExecutionClaimMany(ctx, []abaco.ExecutionClaimParams{p})
	if err != nil {
		return nil, err
	}
	if got[0] == nil {
		return nil, abaco.ErrNotFound
	}
	return got[0], nil
}

func TestExecutionClaimMany(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		b := createActor(t, s, "t1", "b")
		for _, id := range []string{"a3", "a2", "a1"} {
			require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, id)))
		}
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(b, "b1")))

		queues, err := s.ExecutionQueues(ctx)
		require.NoError(t, err)
		require.Len(t, queues, 2)
		require.Equal(t, "a", queues[0].Actor.ID)
		require.Equal(t, 3, queues[0].Pending)
		require.Equal(t, "b", queues[1].Actor.ID)
		require.Equal(t, 1, queues[1].Pending)

		claim := func(actor, worker string) abaco.ExecutionClaimParams {
			return abaco.ExecutionClaimParams{Tenant: "t1", ActorID: actor, WorkerID: worker}
		}
		got, err := s.ExecutionClaimMany(ctx, []abaco.ExecutionClaimParams{
			claim("a", "wa1"), claim("b", "wb1"), claim("a", "wa2"), claim("b", "wb2"),
		})
		require.NoError(t, err)
		require.Len(t, got, 4)
		// Each actor's oldest, in arrival order, to its workers in the order given.
		require.Equal(t, "a3", got[0].ID)
		require.Equal(t, "wa1", got[0].WorkerID)
		require.Equal(t, "b1", got[1].ID)
		require.Equal(t, "wb1", got[1].WorkerID)
		require.Equal(t, "a2", got[2].ID)
		require.Equal(t, "wa2", got[2].WorkerID)
		require.Nil(t, got[3], "b's queue ran out")
		for _, e := range got[:3] {
			stored, err := s.ExecutionGet(ctx, "t1", e.ActorID, e.ID)
			require.NoError(t, err)
			require.Equal(t, e.WorkerID, stored.WorkerID)
			require.Equal(t, abaco.ExecSubmitted, stored.Status)
		}

		queues, err = s.ExecutionQueues(ctx)
		require.NoError(t, err)
		require.Len(t, queues, 1)
		require.Equal(t, 1, queues[0].Pending)
	})
}

func TestExecutionFinishNext(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		quiet := eventActor(t, s, "Q", "", "")
		linked := eventActor(t, s, "L", "", "http://127.0.0.1:1/hook")
		for _, a := range []*abaco.Actor{quiet, linked} {
			for _, id := range []string{"1", "2"} {
				require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, a.ID+id)))
			}
			first, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: a.ID, WorkerID: "w"})
			require.NoError(t, err)
			require.Equal(t, a.ID+"1", first.ID)

			next := &abaco.ExecutionClaimParams{Tenant: "t1", ActorID: a.ID, WorkerID: "w"}
			finish := func(id string) abaco.ExecutionFinishParams {
				code := 0
				return abaco.ExecutionFinishParams{ID: id, Status: abaco.ExecComplete, StartTime: ms(1000),
					FinishTime: ms(2000), ExitCode: &code, FinalState: json.RawMessage(`{"ExitCode": 0}`),
					Log: &abaco.Log{ExecutionID: id, Tenant: "t1", ActorID: a.ID, Text: "log of " + id}}
			}
			done, got, err := s.ExecutionFinishNext(ctx, finish(a.ID+"1"), next)
			require.NoError(t, err)
			require.True(t, done)
			require.NotNil(t, got, "actor %s: the next message goes to the same worker", a.ID)
			require.Equal(t, a.ID+"2", got.ID)
			require.Equal(t, "w", got.WorkerID)
			stored, err := s.ExecutionGet(ctx, "t1", a.ID, a.ID+"2")
			require.NoError(t, err)
			require.Equal(t, stored, got, "the claimed execution as stored, every field")
			l, err := s.LogGet(ctx, a.ID+"1")
			require.NoError(t, err)
			require.Equal(t, "log of "+a.ID+"1", l.Text)

			// Finishing again changes nothing and claims nothing.
			require.NoError(t, s.ExecutionCreate(ctx, newExecution(a, a.ID+"3")))
			done, got, err = s.ExecutionFinishNext(ctx, finish(a.ID+"1"), next)
			require.NoError(t, err)
			require.False(t, done)
			require.Nil(t, got)
			n, err := s.ExecutionCountPending(ctx, "t1", a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, n)

			done, got, err = s.ExecutionFinishNext(ctx, finish(a.ID+"2"), next)
			require.NoError(t, err)
			require.True(t, done)
			require.Equal(t, a.ID+"3", got.ID)
			done, got, err = s.ExecutionFinishNext(ctx, finish(a.ID+"3"), next)
			require.NoError(t, err)
			require.True(t, done)
			require.Nil(t, got, "the queue is empty")
		}
		events, err := s.EventList(ctx, "t1", "L")
		require.NoError(t, err)
		require.Len(t, events, 3, "one EXECUTION_COMPLETE per finish of the actor with a webhook")
		events, err = s.EventList(ctx, "t1", "Q")
		require.NoError(t, err)
		require.Empty(t, events)
	})
}

// On PostgreSQL a message inserted through one store (server) wakes the
// queue watchers of the others; on SQLite there is nothing to watch.
func TestWatchQueue(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		watch, err := s.WatchQueue(ctx)
		require.NoError(t, err)
		if s.Dialect() == SQLite {
			require.Nil(t, watch)
			return
		}
		require.NotNil(t, watch)
		// Its own messages do not wake it: its service wakes its scheduler.
		own := createActor(t, s, "t1", "own")
		require.NoError(t, s.ExecutionCreate(ctx, newExecution(own, "mine")))
		time.Sleep(500 * time.Millisecond)
		select {
		case <-watch:
			t.Fatal("woken by its own message")
		default:
		}
		other := openStore(t, s.dsn)
		a := createActor(t, other, "t1", "a")
		require.NoError(t, other.ExecutionCreate(ctx, newExecution(a, "e1")))
		select {
		case <-watch:
		case <-time.After(30 * time.Second):
			t.Fatal("no wake-up for a message inserted by another store")
		}
	})
}

// setRunning moves one execution to RUNNING and reports whether it moved.
func setRunning(ctx context.Context, s *Store, p abaco.ExecutionSetRunningParams) (bool, error) {
	n, err := s.ExecutionSetRunning(ctx, p)
	return n == 1, err
}

func TestExecutionSetRunningMany(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		createExecutions(t, s, a, "e", 4)
		for _, w := range []string{"w0", "w1", "w2"} {
			_, err := claimNext(ctx, s, abaco.ExecutionClaimParams{Tenant: "t1", ActorID: "a", WorkerID: w})
			require.NoError(t, err)
		}
		n, err := s.ExecutionSetRunning(ctx,
			abaco.ExecutionSetRunningParams{ID: "e000", WorkerID: "w0", StartTime: ms(1000)},
			abaco.ExecutionSetRunningParams{ID: "e001", WorkerID: "w9", StartTime: ms(1001)}, // not its claim
			abaco.ExecutionSetRunningParams{ID: "e002", WorkerID: "w2", StartTime: ms(1002)},
			abaco.ExecutionSetRunningParams{ID: "e003", WorkerID: "w3", StartTime: ms(1003)}, // unclaimed
		)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		for id, want := range map[string]struct {
			status string
			start  time.Time
		}{"e000": {abaco.ExecRunning, ms(1000)}, "e001": {abaco.ExecSubmitted, time.Time{}},
			"e002": {abaco.ExecRunning, ms(1002)}, "e003": {abaco.ExecSubmitted, time.Time{}}} {
			got, err := s.ExecutionGet(ctx, "t1", "a", id)
			require.NoError(t, err)
			require.Equal(t, want.status, got.Status, id)
			require.Equal(t, want.start, got.StartTime, id)
		}
		n, err = s.ExecutionSetRunning(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}
