package storage

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestPermissionsSetListLevels(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		set := func(tenant, user string, l abaco.Level) {
			require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: tenant, Kind: abaco.KindActor, Resource: "A1", User: user, Level: l}))
		}
		set("t1", "bob", abaco.LevelRead)
		set("t1", "bob", abaco.LevelExecute) // replaces
		set("t1", abaco.WorldUser, abaco.LevelRead)
		set("t2", "bob", abaco.LevelUpdate) // another tenant's resource of the same name

		m, err := s.PermissionList(ctx, "t1", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.Equal(t, map[string]abaco.Level{"bob": abaco.LevelExecute, abaco.WorldUser: abaco.LevelRead}, m)

		lv, err := s.PermissionLevels(ctx, "t1", abaco.KindActor, "A1", "bob")
		require.NoError(t, err)
		require.Equal(t, abaco.PermissionLevels{Own: abaco.LevelExecute, HasOwn: true, World: abaco.LevelRead}, lv)
		lv, err = s.PermissionLevels(ctx, "t1", abaco.KindAlias, "A1", "bob")
		require.NoError(t, err)
		require.Equal(t, abaco.PermissionLevels{}, lv, "alias rows are separate from actor rows")

		set("t1", "bob", abaco.LevelNone) // NONE removes the row
		m, err = s.PermissionList(ctx, "t1", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.Equal(t, map[string]abaco.Level{abaco.WorldUser: abaco.LevelRead}, m)

		require.NoError(t, s.PermissionDeleteResource(ctx, "t1", abaco.KindActor, "A1"))
		m, err = s.PermissionList(ctx, "t1", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.Empty(t, m)
		m, err = s.PermissionList(ctx, "t2", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.Len(t, m, 1)
	})
}

func TestActorListReadable(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		mk := func(id, owner string, at int64) {
			a := newActor("t1", id)
			a.Owner, a.CreateTime = owner, ms(at)
			require.NoError(t, s.ActorCreate(ctx, a))
		}
		mk("OWN", "bob", 1)
		mk("SHARED", "alice", 2)
		mk("WORLD", "alice", 3)
		mk("PRIVATE", "alice", 4)
		mk("OWNROWWINS", "alice", 5)
		// Owned ones come from another part of the query than shared
		// ones: the list still interleaves them by time (then id), and an
		// owned actor that is also public is listed once.
		mk("OWNLATE", "bob", 6)
		mk("OWNTIE", "bob", 2)
		other := newActor("t2", "OTHER")
		other.Owner = "bob"
		require.NoError(t, s.ActorCreate(ctx, other))
		grant := func(res, user string, l abaco.Level) {
			require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "t1", Kind: abaco.KindActor, Resource: res, User: user, Level: l}))
		}
		grant("SHARED", "bob", abaco.LevelRead)
		grant("WORLD", abaco.WorldUser, abaco.LevelRead)
		grant("OWNROWWINS", "bob", abaco.LevelExecute)
		grant("OWNROWWINS", abaco.WorldUser, abaco.LevelUpdate)
		grant("PRIVATE", "carol", abaco.LevelUpdate)
		grant("OWNLATE", abaco.WorldUser, abaco.LevelRead)

		as, err := s.ActorListReadable(ctx, "t1", "bob")
		require.NoError(t, err)
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		require.Equal(t, []string{"OWN", "OWNTIE", "SHARED", "WORLD", "OWNROWWINS", "OWNLATE"}, ids)
	})
}

func TestAliasesLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		al := &abaco.Alias{Tenant: "t1", Alias: "counter", ActorID: "A1", Owner: "bob", CreateTime: ms(10)}
		require.NoError(t, s.AliasCreate(ctx, al))
		err := s.AliasCreate(ctx, &abaco.Alias{Tenant: "t1", Alias: "counter", ActorID: "A2", Owner: "eve", CreateTime: ms(11)})
		require.Equal(t, abaco.Conflict, abaco.KindOf(err))
		require.NoError(t, s.AliasCreate(ctx, &abaco.Alias{Tenant: "t2", Alias: "counter", ActorID: "B1", Owner: "x", CreateTime: ms(12)}))

		got, err := s.AliasGet(ctx, "t1", "counter")
		require.NoError(t, err)
		require.Equal(t, al, got)
		perms, err := s.PermissionList(ctx, "t1", abaco.KindAlias, "counter")
		require.NoError(t, err)
		require.Equal(t, map[string]abaco.Level{"bob": abaco.LevelUpdate}, perms, "the creator's row is written with the alias")

		require.NoError(t, s.AliasSetActor(ctx, "t1", "counter", "A2"))
		names, err := s.AliasListForActor(ctx, "t1", "A2")
		require.NoError(t, err)
		require.Equal(t, []string{"counter"}, names)
		list, err := s.AliasList(ctx, "t1")
		require.NoError(t, err)
		require.Len(t, list, 1)

		require.NoError(t, s.NonceCreate(ctx, &abaco.Nonce{Tenant: "t1", ID: "t1_N", Alias: "counter", Owner: "bob", MaxUses: -1, RemainingUses: -1, CreateTime: ms(1)}))
		require.NoError(t, s.AliasDelete(ctx, "t1", "counter"))
		_, err = s.AliasGet(ctx, "t1", "counter")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, err = s.NonceGet(ctx, "t1", "t1_N")
		require.ErrorIs(t, err, abaco.ErrNotFound, "an alias takes its nonces with it")
		perms, err = s.PermissionList(ctx, "t1", abaco.KindAlias, "counter")
		require.NoError(t, err)
		require.Empty(t, perms)
		require.ErrorIs(t, s.AliasDelete(ctx, "t1", "counter"), abaco.ErrNotFound)
		_, err = s.AliasGet(ctx, "t2", "counter")
		require.NoError(t, err, "the other tenant's alias of the same name stays")
	})
}

func TestNonceRedeemCountsAndStops(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		require.NoError(t, s.ActorCreate(ctx, newActor("t1", "A1")))
		n := &abaco.Nonce{Tenant: "t1", ID: "t1_N1", ActorID: "A1", Owner: "bob", Roles: []string{"abaco_privileged"},
			Level: abaco.LevelRead, MaxUses: 2, RemainingUses: 2, Description: "d", APIServer: "http://x", CreateTime: ms(5)}
		require.NoError(t, s.NonceCreate(ctx, n))
		got, err := s.NonceGet(ctx, "t1", "t1_N1")
		require.NoError(t, err)
		require.Equal(t, n, got)
		_, err = s.NonceGet(ctx, "t2", "t1_N1")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		for i := 0; i < 2; i++ {
			okay, err := s.NonceRedeem(ctx, "t1", "t1_N1", ms(100+int64(i)))
			require.NoError(t, err)
			require.True(t, okay)
		}
		okay, err := s.NonceRedeem(ctx, "t1", "t1_N1", ms(200))
		require.NoError(t, err)
		require.False(t, okay, "the third use of a 2-use nonce is refused")
		got, err = s.NonceGet(ctx, "t1", "t1_N1")
		require.NoError(t, err)
		require.Equal(t, 2, got.CurrentUses)
		require.Equal(t, 0, got.RemainingUses)
		require.Equal(t, ms(101), got.LastUseTime)

		require.NoError(t, s.NonceCreate(ctx, &abaco.Nonce{Tenant: "t1", ID: "t1_U", ActorID: "A1", Owner: "bob", MaxUses: -1, RemainingUses: -1, CreateTime: ms(5)}))
		for i := 0; i < 3; i++ {
			okay, err := s.NonceRedeem(ctx, "t1", "t1_U", ms(300))
			require.NoError(t, err)
			require.True(t, okay)
		}
		got, err = s.NonceGet(ctx, "t1", "t1_U")
		require.NoError(t, err)
		require.Equal(t, 3, got.CurrentUses)
		require.Equal(t, -1, got.RemainingUses)

		list, err := s.NonceList(ctx, "t1", "A1", "")
		require.NoError(t, err)
		require.Len(t, list, 2)
		// Deleting the actor deletes its nonces and permission rows in the
		// same transaction.
		perms, err := s.PermissionList(ctx, "t1", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.NotEmpty(t, perms, "the owner's row is written with the actor")
		require.NoError(t, s.ActorDelete(ctx, "t1", "A1"))
		perms, err = s.PermissionList(ctx, "t1", abaco.KindActor, "A1")
		require.NoError(t, err)
		require.Empty(t, perms)
		list, err = s.NonceList(ctx, "t1", "A1", "")
		require.NoError(t, err)
		require.Empty(t, list)
		require.ErrorIs(t, s.NonceDelete(ctx, "t1", "t1_U"), abaco.ErrNotFound)
	})
}

// TestNonceRedeemConcurrent spends a 10-use nonce from 40 goroutines at
// once: exactly 10 succeed.
func TestNonceRedeemConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		require.NoError(t, s.NonceCreate(ctx, &abaco.Nonce{Tenant: "t1", ID: "t1_C", ActorID: "A1", Owner: "bob", MaxUses: 10, RemainingUses: 10, CreateTime: ms(1)}))
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				okay, err := s.NonceRedeem(ctx, "t1", "t1_C", ms(2))
				if err == nil && okay {
					wins.Add(1)
				}
				require.NoError(t, err)
			}()
		}
		close(start)
		wg.Wait()
		require.EqualValues(t, 10, wins.Load())
		n, err := s.NonceGet(ctx, "t1", "t1_C")
		require.NoError(t, err)
		require.Equal(t, 10, n.CurrentUses)
		require.Equal(t, 0, n.RemainingUses)
	})
}

func TestConfigsLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		c := &abaco.ActorConfig{Tenant: "t1", Name: "db", Value: "sealed", IsSecret: true, Actors: "A1, counter", Owner: "bob", CreateTime: ms(3)}
		require.NoError(t, s.ConfigCreate(ctx, c))
		err := s.ConfigCreate(ctx, &abaco.ActorConfig{Tenant: "t1", Name: "db", Owner: "eve", CreateTime: ms(4)})
		require.Equal(t, abaco.Conflict, abaco.KindOf(err))
		got, err := s.ConfigGet(ctx, "t1", "db")
		require.NoError(t, err)
		require.Equal(t, c, got)
		_, err = s.ConfigGet(ctx, "t2", "db")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		perms, err := s.PermissionList(ctx, "t1", abaco.KindConfig, "db")
		require.NoError(t, err)
		require.Equal(t, map[string]abaco.Level{"bob": abaco.LevelUpdate}, perms)

		c.Value, c.IsSecret, c.Actors = "plain", false, "A2"
		require.NoError(t, s.ConfigUpdate(ctx, c))
		list, err := s.ConfigList(ctx, "t1")
		require.NoError(t, err)
		require.Equal(t, []*abaco.ActorConfig{c}, list)

		require.NoError(t, s.ConfigDelete(ctx, "t1", "db"))
		require.ErrorIs(t, s.ConfigDelete(ctx, "t1", "db"), abaco.ErrNotFound)
		perms, err = s.PermissionList(ctx, "t1", abaco.KindConfig, "db")
		require.NoError(t, err)
		require.Empty(t, perms)
	})
}
