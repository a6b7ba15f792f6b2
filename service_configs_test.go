package abaco_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/secretbox"
	"github.com/abaco-hpc/abaco/storage"
)

// TestConfigsForActor: the values an execution receives are the clear
// values of the configs naming the actor by id or by one of its aliases,
// in its tenant only; secrets are sealed in the store.
func TestConfigsForActor(t *testing.T) {
	for _, dialect := range []string{storage.SQLite, storage.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			database := filepath.Join(t.TempDir(), "abaco.db")
			if dialect == storage.Postgres {
				database = testenv.PostgresURL(t)
			}
			ctx := t.Context()
			st, err := storage.Open(ctx, database)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			require.NoError(t, st.Migrate(ctx))
			box, err := secretbox.Ensure(filepath.Join(t.TempDir(), "config.key"))
			require.NoError(t, err)
			svc := abaco.NewService(st, nil, nil, abaco.DefaultConfig(), nil)
			svc.SetSecretBox(box)

			now := time.UnixMilli(1000).UTC()
			a1, a2 := abaco.NewID(), abaco.NewID()
			for _, a := range []*abaco.Actor{
				{Tenant: "t1", ID: a1, Owner: "alice", Image: "i", Type: "none", Queue: "default", Status: abaco.ActorReady, CreateTime: now},
				{Tenant: "t1", ID: a2, Owner: "alice", Image: "i", Type: "none", Queue: "default", Status: abaco.ActorReady, CreateTime: now},
				{Tenant: "t2", ID: a1, Owner: "alice", Image: "i", Type: "none", Queue: "default", Status: abaco.ActorReady, CreateTime: now},
			} {
				require.NoError(t, st.ActorCreate(ctx, a))
			}
			require.NoError(t, st.AliasCreate(ctx, &abaco.Alias{Tenant: "t1", Alias: "wc", ActorID: a1, Owner: "alice", CreateTime: now}))
			alice := abaco.Principal{Tenant: "t1", User: "alice"}
			create := func(p abaco.Principal, name, value string, secret bool, actors string) {
				_, err := svc.CreateConfig(ctx, p, abaco.ConfigSpec{Name: &name, Value: &value, IsSecret: &secret, Actors: &actors})
				require.NoError(t, err)
			}
			create(alice, "by-id", "1", false, a1)
			create(alice, "by-alias", "2", false, a2+", wc")
			create(alice, "secret", "hunter2", true, "wc")
			create(alice, "elsewhere", "3", false, a2)
			create(abaco.Principal{Tenant: "t2", User: "alice"}, "other-tenant", "4", false, a1)

			aliases, err := st.AliasListForActor(ctx, "t1", a1)
			require.NoError(t, err)
			got, err := svc.ConfigsForActor(ctx, "t1", a1, aliases)
			require.NoError(t, err)
			require.Equal(t, map[string]string{"by-id": "1", "by-alias": "2", "secret": "hunter2"}, got)

			raw, err := st.ConfigGet(ctx, "t1", "secret")
			require.NoError(t, err)
			require.NotContains(t, raw.Value, "hunter2", "secrets are sealed at rest")
			shown, err := svc.GetConfig(ctx, alice, "secret")
			require.NoError(t, err)
			require.Equal(t, abaco.SecretPlaceholder, shown.Value)
		})
	}
}
