package abaco_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// directScheduler also starts messages without a dispatch pass: it offers
// the worker in offer, and records what the service told it.
type directScheduler struct {
	recordingScheduler
	offer      string
	offeredTo  []string // the status of the actor each Reserve saw
	started    []*abaco.Execution
	unreserved []string // worker ids, with " failed" when the store failed
}

func (d *directScheduler) Reserve(a *abaco.Actor) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.offeredTo = append(d.offeredTo, a.Status)
	return d.offer
}

func (d *directScheduler) StartClaimed(e *abaco.Execution) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.started = append(d.started, e)
}

func (d *directScheduler) Unreserve(workerID string, failed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if failed {
		workerID += " failed"
	}
	d.unreserved = append(d.unreserved, workerID)
}

// A message goes straight to a worker the scheduler reserves when no older
// message waits; otherwise it queues and the scheduler is woken.
func TestSendMessageDirect(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "abaco.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(ctx))
	sched := &directScheduler{}
	svc := abaco.NewService(st, sched, nil, abaco.DefaultConfig(), nil)
	a, err := svc.CreateActor(ctx, jdoe, abaco.ActorSpec{Image: ptr("x")})
	require.NoError(t, err)
	_, err = st.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: a.Tenant, ActorID: a.ID, Revision: a.Revision, Status: abaco.ActorReady, Now: time.Now()})
	require.NoError(t, err)
	send := func() (*abaco.Execution, error) {
		return svc.SendMessage(ctx, jdoe, a.ID, abaco.Message{Body: []byte("hi"), ContentType: abaco.ContentString}, false)
	}

	// No worker to spare: queued, scheduler woken.
	first, err := send()
	require.NoError(t, err)
	require.Equal(t, []string{abaco.ActorReady}, sched.offeredTo, "the actor as stored is offered")
	require.Equal(t, []string{a.ID}, sched.enqueued)
	require.Empty(t, first.WorkerID)

	// A worker to spare, but an older message waits: it goes first.
	sched.offer = "w1"
	second, err := send()
	require.NoError(t, err)
	require.Equal(t, []string{"w1"}, sched.unreserved)
	require.Equal(t, []string{a.ID, a.ID}, sched.enqueued)
	require.Empty(t, second.WorkerID)
	require.Empty(t, sched.started)

	// The queue empty: stored claimed, started, no wake-up.
	_, err = st.ExecutionDeletePending(ctx, a.Tenant, a.ID)
	require.NoError(t, err)
	third, err := send()
	require.NoError(t, err)
	require.Equal(t, "w1", third.WorkerID)
	require.Equal(t, []*abaco.Execution{third}, sched.started)
	require.Len(t, sched.enqueued, 2)
	stored, err := st.ExecutionGet(ctx, a.Tenant, a.ID, third.ID)
	require.NoError(t, err)
	require.Equal(t, "w1", stored.WorkerID)
	require.Equal(t, abaco.ExecSubmitted, stored.Status)

	// The store fails (the actor deleted behind this server's back): the
	// worker is given back as in doubt, and the sender gets a 404.
	require.NoError(t, st.ActorDelete(ctx, a.Tenant, a.ID))
	_, err = send()
	require.Equal(t, abaco.NotExist, abaco.KindOf(err))
	require.Equal(t, []string{"w1", "w1 failed"}, sched.unreserved)
}
