package abaco_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

func (c *fixedClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// twoServers is two services sharing one database, as two servers do,
// each with its own clock.
func twoServers(t *testing.T) (here, there *abaco.Service, clock *fixedClock) {
	t.Helper()
	store, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "abaco.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(t.Context()))
	clock = &fixedClock{t: time.Date(2026, 11, 26, 17, 26, 11, 0, time.UTC)}
	here = abaco.NewService(store, quietScheduler{}, clock, abaco.DefaultConfig(), nil)
	there = abaco.NewService(store, quietScheduler{}, clock, abaco.DefaultConfig(), nil)
	return here, there, clock
}

func send(t *testing.T, svc *abaco.Service, p abaco.Principal, actor string) (*abaco.Execution, error) {
	t.Helper()
	return svc.SendMessage(t.Context(), p, actor, abaco.Message{Body: []byte("hi"), ContentType: abaco.ContentString}, false)
}

// A server's own writes take effect on its next send, whatever it cached.
func TestSendSeesOwnWrites(t *testing.T) {
	t.Parallel()
	svc, _, _ := twoServers(t)
	bob := abaco.Principal{Tenant: "dev", User: "bob"}
	a, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("img:1")})
	require.NoError(t, err)

	_, err = send(t, svc, bob, a.ID)
	require.Equal(t, abaco.Permission, abaco.KindOf(err), "no grant yet")
	_, err = svc.SetPermission(t.Context(), jdoe, abaco.KindActor, a.ID, abaco.PermissionGrant{User: "bob", Level: "EXECUTE"})
	require.NoError(t, err)
	_, err = send(t, svc, bob, a.ID)
	require.NoError(t, err, "granted")
	_, err = svc.SetPermission(t.Context(), jdoe, abaco.KindActor, a.ID, abaco.PermissionGrant{User: "bob", Level: "NONE"})
	require.NoError(t, err)
	_, err = send(t, svc, bob, a.ID)
	require.Equal(t, abaco.Permission, abaco.KindOf(err), "revoked")

	e, err := send(t, svc, jdoe, a.ID)
	require.NoError(t, err)
	require.Equal(t, "1", e.Env["_abaco_actor_revision"])
	_, err = svc.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:2")})
	require.NoError(t, err)
	e, err = send(t, svc, jdoe, a.ID)
	require.NoError(t, err)
	require.Equal(t, "2", e.Env["_abaco_actor_revision"], "the new revision")

	b, err := svc.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("img:1")})
	require.NoError(t, err)
	_, err = svc.CreateAlias(t.Context(), jdoe, abaco.AliasSpec{Alias: ptr("inbox"), ActorID: ptr(a.ID)})
	require.NoError(t, err)
	e, err = send(t, svc, jdoe, "inbox")
	require.NoError(t, err)
	require.Equal(t, a.ID, e.ActorID)
	_, err = svc.UpdateAlias(t.Context(), jdoe, "inbox", abaco.AliasSpec{ActorID: ptr(b.ID)})
	require.NoError(t, err)
	e, err = send(t, svc, jdoe, "inbox")
	require.NoError(t, err)
	require.Equal(t, b.ID, e.ActorID, "the alias's new actor")
	require.NoError(t, svc.DeleteAlias(t.Context(), jdoe, "inbox"))
	_, err = send(t, svc, jdoe, "inbox")
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "alias deleted")

	require.NoError(t, svc.DeleteActor(t.Context(), jdoe, a.ID))
	_, err = send(t, svc, jdoe, a.ID)
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "actor deleted")
}

// Another server's writes are seen within the cache's bound, and an actor
// it deleted is never sent to.
func TestSendSeesOtherServersWrites(t *testing.T) {
	t.Parallel()
	here, there, clock := twoServers(t)
	bob := abaco.Principal{Tenant: "dev", User: "bob"}
	a, err := there.CreateActor(t.Context(), jdoe, abaco.ActorSpec{Image: ptr("img:1")})
	require.NoError(t, err)
	_, err = there.SetPermission(t.Context(), jdoe, abaco.KindActor, a.ID, abaco.PermissionGrant{User: "bob", Level: "EXECUTE"})
	require.NoError(t, err)
	_, err = send(t, here, bob, a.ID)
	require.NoError(t, err)
	e, err := send(t, here, jdoe, a.ID)
	require.NoError(t, err)
	require.Equal(t, "1", e.Env["_abaco_actor_revision"])

	_, err = there.SetPermission(t.Context(), jdoe, abaco.KindActor, a.ID, abaco.PermissionGrant{User: "bob", Level: "READ"})
	require.NoError(t, err)
	_, err = there.UpdateActor(t.Context(), jdoe, a.ID, abaco.ActorSpec{Image: ptr("img:2")})
	require.NoError(t, err)
	clock.add(time.Second)
	_, err = send(t, here, bob, a.ID)
	require.Equal(t, abaco.Permission, abaco.KindOf(err), "the revocation is seen within a second")
	e, err = send(t, here, jdoe, a.ID)
	require.NoError(t, err)
	require.Equal(t, "2", e.Env["_abaco_actor_revision"], "and the new revision")

	require.NoError(t, there.DeleteActor(t.Context(), jdoe, a.ID))
	_, err = send(t, here, jdoe, a.ID)
	require.Equal(t, abaco.NotExist, abaco.KindOf(err), "deleted elsewhere: refused at once, not queued")
}

// An execution's configs: this server's config and alias writes show at
// once, whatever was remembered; another server's within recentTTL.
func TestExecutionConfigsSeeWrites(t *testing.T) {
	t.Parallel()
	here, there, clock := twoServers(t)
	ctx := t.Context()
	a, err := here.CreateActor(ctx, jdoe, abaco.ActorSpec{Image: ptr("img:1")})
	require.NoError(t, err)
	configs := func(svc *abaco.Service) map[string]string {
		got, err := svc.ExecutionConfigs(ctx, a.Tenant, a.ID)
		require.NoError(t, err)
		return got
	}
	require.Empty(t, configs(here))
	require.Empty(t, configs(there))

	name, value, secret, actors := "limit", "10", false, a.ID
	_, err = here.CreateConfig(ctx, jdoe, abaco.ConfigSpec{Name: &name, Value: &value, IsSecret: &secret, Actors: &actors})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"limit": "10"}, configs(here), "own write: at once")
	require.Empty(t, configs(there), "the other server remembers what it read")
	clock.add(time.Second)
	require.Equal(t, map[string]string{"limit": "10"}, configs(there), "within a second")

	// A config attached through an alias made here applies at once too.
	alias, by := "wc", "wc"
	_, err = here.CreateAlias(ctx, jdoe, abaco.AliasSpec{Alias: &alias, ActorID: &a.ID})
	require.NoError(t, err)
	name2, value2 := "via-alias", "yes"
	_, err = there.CreateConfig(ctx, jdoe, abaco.ConfigSpec{Name: &name2, Value: &value2, IsSecret: &secret, Actors: &by})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"limit": "10", "via-alias": "yes"}, configs(there))
	got := configs(here)
	got["limit"] = "changed by the caller"
	require.Equal(t, "10", configs(here)["limit"], "callers get their own copy")
}
