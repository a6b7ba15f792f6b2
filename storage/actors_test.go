package storage

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestActorRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		full := createActor(t, s, "t1", "full")
		got, err := s.ActorGet(ctx, "t1", "full")
		require.NoError(t, err)
		require.Equal(t, full, got)

		// Nil pointers, nil collections and zero times come back as they went in;
		// an unset state comes back as {}.
		bare := &abaco.Actor{Tenant: "t1", ID: "bare", Owner: "bob", Image: "img",
			Revision: 1, Status: abaco.ActorSubmitted}
		require.NoError(t, s.ActorCreate(ctx, bare))
		got, err = s.ActorGet(ctx, "t1", "bare")
		require.NoError(t, err)
		bare.State = json.RawMessage("{}")
		require.Equal(t, bare, got)

		// Empty collections stay empty rather than becoming nil.
		empty := &abaco.Actor{Tenant: "t1", ID: "empty", Hints: []string{},
			DefaultEnvironment: map[string]string{}, Token: new(bool), State: json.RawMessage(`{}`)}
		require.NoError(t, s.ActorCreate(ctx, empty))
		got, err = s.ActorGet(ctx, "t1", "empty")
		require.NoError(t, err)
		require.Equal(t, empty, got)

		// Lists scan their rows by hand: the same actors come back.
		list, err := s.ActorList(ctx, "t1", "")
		require.NoError(t, err)
		require.ElementsMatch(t, []*abaco.Actor{full, bare, empty}, list)
	})
}

func TestActorCreateConflict(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		createActor(t, s, "t1", "a")
		err := s.ActorCreate(t.Context(), newActor("t1", "a"))
		require.Error(t, err)
		require.Equal(t, abaco.Conflict, abaco.KindOf(err))
		// The same id in another tenant is another actor.
		createActor(t, s, "t2", "a")
	})
}

func TestActorList(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		for i, id := range []string{"c", "a", "b", "d"} {
			a := newActor("t1", id)
			a.CreateTime = ms(1000 + int64(i))
			if id == "b" {
				a.Owner = "bob"
			}
			require.NoError(t, s.ActorCreate(ctx, a))
		}
		other := newActor("t2", "z")
		other.CreateTime = ms(1)
		require.NoError(t, s.ActorCreate(ctx, other))

		ids := func(as []*abaco.Actor) (out []string) {
			for _, a := range as {
				out = append(out, a.Tenant+"/"+a.ID)
			}
			return out
		}
		all, err := s.ActorList(ctx, "t1", "")
		require.NoError(t, err)
		require.Equal(t, []string{"t1/c", "t1/a", "t1/b", "t1/d"}, ids(all))

		alice, err := s.ActorList(ctx, "t1", "alice")
		require.NoError(t, err)
		require.Equal(t, []string{"t1/c", "t1/a", "t1/d"}, ids(alice))

		none, err := s.ActorList(ctx, "t3", "")
		require.NoError(t, err)
		require.Empty(t, none)

		every, err := s.ActorListAll(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"t1/c", "t1/a", "t1/b", "t1/d", "t2/z"}, ids(every))
	})
}

func TestActorTenantScoping(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		createActor(t, s, "t1", "a")
		_, err := s.ActorGet(ctx, "t2", "a")
		require.ErrorIs(t, err, abaco.ErrNotFound)

		require.ErrorIs(t, s.ActorUpdate(ctx, newActor("t2", "a")), abaco.ErrNotFound)
		require.ErrorIs(t, s.ActorSetState(ctx, "t2", "a", nil, ms(1)), abaco.ErrNotFound)
		require.ErrorIs(t, s.ActorDelete(ctx, "t2", "a"), abaco.ErrNotFound)
		ok, err := s.ActorSetStatus(ctx, abaco.ActorSetStatusParams{Tenant: "t2", ActorID: "a",
			Revision: 1, Status: abaco.ActorError})
		require.NoError(t, err)
		require.False(t, ok)

		_, err = s.ActorGet(ctx, "t1", "a")
		require.NoError(t, err)
	})
}

func TestActorUpdate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		orig := createActor(t, s, "t1", "a")
		upd := &abaco.Actor{Tenant: "t1", ID: "a", Owner: "mallory", Image: "new/image",
			Hints: []string{"h"}, Revision: 2, Status: abaco.ActorSubmitted,
			State: json.RawMessage(`{"b":true}`), CreateTime: ms(5), LastUpdateTime: ms(1700000009000)}
		require.NoError(t, s.ActorUpdate(ctx, upd))

		got, err := s.ActorGet(ctx, "t1", "a")
		require.NoError(t, err)
		want := *upd
		want.Owner, want.CreateTime = orig.Owner, orig.CreateTime // not mutable
		require.Equal(t, &want, got)
	})
}

func TestActorSetStatus(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		createActor(t, s, "t1", "a") // revision 1
		p := abaco.ActorSetStatusParams{Tenant: "t1", ActorID: "a", Revision: 2,
			Status: abaco.ActorError, StatusMessage: "pull failed", Now: ms(1700000005000)}
		ok, err := s.ActorSetStatus(ctx, p)
		require.NoError(t, err)
		require.False(t, ok, "stale revision must not change the status")
		got, err := s.ActorGet(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, abaco.ActorReady, got.Status)

		p.Revision = 1
		ok, err = s.ActorSetStatus(ctx, p)
		require.NoError(t, err)
		require.True(t, ok)
		got, err = s.ActorGet(ctx, "t1", "a")
		require.NoError(t, err)
		require.Equal(t, abaco.ActorError, got.Status)
		require.Equal(t, "pull failed", got.StatusMessage)
		require.Equal(t, p.Now, got.LastUpdateTime)
	})
}

func TestActorSetState(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		createActor(t, s, "t1", "a")
		state := json.RawMessage(`{"count":42,"s":"é\u0000"}`)
		require.NoError(t, s.ActorSetState(ctx, "t1", "a", state, ms(1700000007000)))
		got, err := s.ActorGet(ctx, "t1", "a")
		require.NoError(t, err)
		require.JSONEq(t, string(state), string(got.State))
		require.Equal(t, ms(1700000007000), got.LastUpdateTime)
	})
}

func TestActorDeleteCascades(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		keep := createActor(t, s, "t1", "keep")
		for _, act := range []*abaco.Actor{a, keep} {
			ids := createExecutions(t, s, act, act.ID+"-e", 2)
			require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: ids[0], Tenant: act.Tenant, ActorID: act.ID, Text: "log"}))
			require.NoError(t, s.ResultPush(ctx, ids[0], []byte("r"), ms(1<<50)))
			require.NoError(t, s.WorkerUpsert(ctx, &abaco.Worker{Tenant: act.Tenant, ActorID: act.ID, ID: "w", Status: abaco.WorkerReady}))
		}

		require.NoError(t, s.ActorDelete(ctx, "t1", "a"))
		require.ErrorIs(t, s.ActorDelete(ctx, "t1", "a"), abaco.ErrNotFound)
		_, err := s.ActorGet(ctx, "t1", "a")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, err = s.ExecutionGet(ctx, "t1", "a", "a-e000")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, err = s.LogGet(ctx, "a-e000")
		require.ErrorIs(t, err, abaco.ErrNotFound)
		_, err = s.ResultPop(ctx, "a-e000", ms(0))
		require.ErrorIs(t, err, abaco.ErrNotFound)
		ws, err := s.WorkerList(ctx, "t1", "a")
		require.NoError(t, err)
		require.Empty(t, ws)

		// The other actor keeps everything.
		_, err = s.ExecutionGet(ctx, "t1", "keep", "keep-e000")
		require.NoError(t, err)
		_, err = s.LogGet(ctx, "keep-e000")
		require.NoError(t, err)
		_, err = s.ResultPop(ctx, "keep-e000", ms(0))
		require.NoError(t, err)
		ws, err = s.WorkerList(ctx, "t1", keep.ID)
		require.NoError(t, err)
		require.Len(t, ws, 1)
	})
}

func TestActorGetMany(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a := createActor(t, s, "t1", "a")
		b := createActor(t, s, "t2", "a") // same id, another tenant
		refs := []abaco.ActorRef{{Tenant: "t1", ActorID: "a"}, {Tenant: "t2", ActorID: "a"}, {Tenant: "t1", ActorID: "gone"}}
		for i := range actorsPerQuery { // past one statement's worth
			refs = append(refs, abaco.ActorRef{Tenant: "t3", ActorID: fmt.Sprintf("missing%d", i)})
		}
		got, err := s.ActorGetMany(ctx, refs)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, a.Owner, got[abaco.ActorRef{Tenant: "t1", ActorID: "a"}].Owner)
		require.Equal(t, "t2", got[abaco.ActorRef{Tenant: "t2", ActorID: "a"}].Tenant)
		require.Equal(t, b.Image, got[abaco.ActorRef{Tenant: "t2", ActorID: "a"}].Image)
		got, err = s.ActorGetMany(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
