package abaco_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// recordingScheduler records what the service tells the scheduler; the
// service's own rules are what these tests check.
type recordingScheduler struct {
	mu       sync.Mutex
	changed  []string
	enqueued []string
}

func (r *recordingScheduler) ActorChanged(_, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changed = append(r.changed, id)
}
func (r *recordingScheduler) ActorDeleted(string, string) {}
func (r *recordingScheduler) Enqueued(_, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.enqueued = append(r.enqueued, id)
}
func (r *recordingScheduler) Halt(string) {}
func (r *recordingScheduler) StopWorker(context.Context, string, string, string) error {
	return nil
}
func (r *recordingScheduler) AddWorkers(context.Context, *abaco.Actor, int) (int, int, error) {
	return 0, 0, nil
}
func (r *recordingScheduler) WaitFinished(context.Context, *abaco.Execution) error {
	return nil
}

func setup(t *testing.T) (*abaco.Service, *recordingScheduler) {
	t.Helper()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "abaco.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(t.Context()))
	sched := &recordingScheduler{}
	return abaco.NewService(st, sched, nil, abaco.DefaultConfig(), nil), sched
}

func ptr[T any](v T) *T { return &v }

var jdoe = abaco.Principal{Tenant: "dev", User: "jdoe"}

func TestCreateActorDefaults(t *testing.T) {
	t.Parallel()
	svc, sched := setup(t)
	a, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("abacosamples/wc")})
	require.NoError(t, err)
	require.True(t, abaco.IsID(a.ID))
	require.Equal(t, "jdoe", a.Owner)
	require.True(t, a.Stateless)
	require.Equal(t, "none", a.Type)
	require.Equal(t, "default", a.Queue)
	require.Equal(t, 1, a.Revision)
	require.Equal(t, abaco.ActorSubmitted, a.Status)
	require.Equal(t, []string{a.ID}, sched.changed)
}

func TestActorValidation(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t)
	admin := abaco.Principal{Tenant: "dev", User: "root", Roles: []string{abaco.RoleAdmin}}
	cases := []struct {
		name string
		who  abaco.Principal
		spec abaco.ActorSpec
		kind abaco.Kind
		msg  string
	}{
		{"no image", jdoe, abaco.ActorSpec{}, abaco.Invalid, "'image'"},
		{"blank image", jdoe, abaco.ActorSpec{Image: ptr("  ")}, abaco.Invalid, "'image'"},
		{"bad type", jdoe, abaco.ActorSpec{Image: ptr("x"), Type: ptr("xml")}, abaco.Invalid, "'type'"},
		{"privileged", jdoe, abaco.ActorSpec{Image: ptr("x"), Privileged: ptr(true)}, abaco.Permission, "make privileged actors"},
		{"max workers", jdoe, abaco.ActorSpec{Image: ptr("x"), MaxWorkers: ptr(3)}, abaco.Permission, "set max workers"},
		{"mem limit", jdoe, abaco.ActorSpec{Image: ptr("x"), MemLimit: ptr("3g")}, abaco.Permission, "set mem limit"},
		{"max cpus", jdoe, abaco.ActorSpec{Image: ptr("x"), MaxCPUs: ptr(int64(1e9))}, abaco.Permission, "set max CPUs"},
		{"bad mem limit", admin, abaco.ActorSpec{Image: ptr("x"), MemLimit: ptr("lots")}, abaco.Invalid, "mem_limit"},
		{"stateful workers", admin, abaco.ActorSpec{Image: ptr("x"), Stateless: ptr(false), MaxWorkers: ptr(2)}, abaco.Invalid, "stateful actors can only have 1 worker"},
		{"unknown queue", admin, abaco.ActorSpec{Image: ptr("x"), Queue: ptr("gpu")}, abaco.Invalid, "queue"},
		{"both uids", admin, abaco.ActorSpec{Image: ptr("x"), UseContainerUID: ptr(true), RunAsExecutor: ptr(true)}, abaco.Invalid, "Cannot set both"},
		{"bad env name", jdoe, abaco.ActorSpec{Image: ptr("x"), DefaultEnvironment: map[string]string{"A=B": "c"}}, abaco.Invalid, "default_environment"},
		{"negative log_ex", jdoe, abaco.ActorSpec{Image: ptr("x"), LogEx: ptr(-5)}, abaco.Invalid, "log_ex"},
	}
	for _, c := range cases {
		_, err := svc.CreateActor(t.Context(), c.who, c.spec)
		require.Error(t, err, c.name)
		require.Equal(t, c.kind, abaco.KindOf(err), "%s: %v", c.name, err)
		require.Contains(t, err.Error(), c.msg, c.name)
	}
	actors, err := svc.ListActors(t.Context(), jdoe)
	require.NoError(t, err)
	require.Empty(t, actors, "nothing half-written")
}

func TestUpdateActorRevisionAndStatefulness(t *testing.T) {
	t.Parallel()
	svc, sched := setup(t)
	a, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("img:1"), Name: ptr("kept"), Stateless: ptr(false)})
	require.NoError(t, err)

	same, err := svc.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:1"), Stateless: ptr(false), Description: ptr("d")})
	require.NoError(t, err)
	require.Equal(t, 1, same.Revision, "same image: same revision")
	require.Equal(t, "kept", *same.Name, "name is kept on update")

	newer, err := svc.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:2"), Stateless: ptr(false)})
	require.NoError(t, err)
	require.Equal(t, 2, newer.Revision)
	require.Equal(t, abaco.ActorSubmitted, newer.Status)
	require.Equal(t, "", newer.Description, "PUT is a full replacement")

	forced, err := svc.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:2"), Stateless: ptr(false), Force: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, 3, forced.Revision)
	require.Len(t, sched.changed, 3, "create and two new revisions")

	_, err = svc.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:2")})
	require.Equal(t, abaco.Invalid, abaco.KindOf(err), "stateful cannot become stateless")
}

func TestOwnershipAndTenants(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t)
	a, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("x")})
	require.NoError(t, err)

	_, err = svc.GetActor(t.Context(), abaco.Principal{Tenant: "dev", User: "other"}, a.ID)
	require.Equal(t, abaco.Permission, abaco.KindOf(err))
	_, err = svc.GetActor(t.Context(), abaco.Principal{Tenant: "elsewhere", User: "jdoe"}, a.ID)
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "other tenants' actors do not exist")
	_, err = svc.GetActor(t.Context(), abaco.Principal{Tenant: "dev", User: "root", Roles: []string{abaco.RoleAdmin}}, a.ID)
	require.NoError(t, err)
}

func TestSendMessage(t *testing.T) {
	t.Parallel()
	svc, sched := setup(t)
	a, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("x")})
	require.NoError(t, err)
	e, err := svc.SendMessage(t.Context(), jdoe, a.ID, abaco.Message{
		Body: []byte("hi"), ContentType: abaco.ContentString, Params: map[string]string{"color": "blue", "x-nonce": "secret"},
	}, false)
	require.NoError(t, err)
	require.Equal(t, []string{a.ID}, sched.enqueued)
	require.Equal(t, "blue", e.Env["color"])
	require.NotContains(t, e.Env, "x-nonce", "credentials never reach the container")
	require.Equal(t, "jdoe", e.Env["_abaco_username"])
	require.Equal(t, abaco.ContentString, e.Env["_abaco_Content_Type"])
	require.Equal(t, e.ID, e.Env["_abaco_execution_id"])

	n, err := func() (int, error) { _, n, err := svc.PendingMessages(t.Context(), jdoe, a.ID); return n, err }()
	require.NoError(t, err)
	require.Equal(t, 1, n)

	for _, bad := range []string{"_abaco_username", "MSG", "_abaco_actor_id", "_actor_configs"} {
		_, err := svc.SendMessage(t.Context(), jdoe, a.ID, abaco.Message{Body: []byte("x"), ContentType: abaco.ContentString, Params: map[string]string{bad: "forged"}}, false)
		require.Equal(t, abaco.Invalid, abaco.KindOf(err), bad)
	}
	nonce := jdoe
	nonce.ViaNonce = true
	e, err = svc.SendMessage(t.Context(), nonce, a.ID, abaco.Message{Body: []byte("x"), ContentType: abaco.ContentString}, false)
	require.NoError(t, err)
	require.NotContains(t, e.Env, "_abaco_username", "nonce sends carry no username")

	_, err = svc.SendMessage(t.Context(), jdoe, a.ID, abaco.Message{Body: make([]byte, abaco.DefaultConfig().MaxMessageBytes+1), ContentType: abaco.ContentBinary}, false)
	require.Equal(t, abaco.TooLarge, abaco.KindOf(err))
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := abaco.NewID()
		require.True(t, abaco.IsID(id), id)
		require.False(t, seen[id], "ids are unique")
		seen[id] = true
	}
	for _, alias := range []string{"", "my-alias", "wc.v2", "aliases"} {
		require.False(t, abaco.IsID(alias), alias)
	}
}
