package httpapi

import (
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// appendJSON must write what encoding/json writes for a view, and
// okActors what ok writes for a list of them.
func TestActorViewAppendJSONIsMarshal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 17))
	base := "http://127.0.0.1:8000"
	states := []json.RawMessage{nil, json.RawMessage(`{}`), json.RawMessage(` { "a" : [1, 2] } `),
		json.RawMessage(`{"s":"<\u2028>"}`), json.RawMessage("\"\u2028\""), json.RawMessage(`[1e21,-0.5,true,null]`),
		json.RawMessage(`{"a":"\u007f"}`)}
	var views []actorView
	for i := range 2000 {
		x := randomActor(rng, i)
		x.ID = pick(rng, x.ID, "A\u2028", "A\xff", "A\"\\\t\x01", "A\u007f")
		if rng.IntN(3) == 0 {
			x.State = pick(rng, states...)
		}
		if rng.IntN(4) == 0 {
			x.DefaultEnvironment = map[string]string{"k\n": "v\xfe", "<": ">", "é": "\u2029", "a": "b"}
		}
		ra := pick(rng, runAsView{}, runAsView{uid: ptr(1001), gid: ptr(2002), mounts: []abaco.Mount{
			{HostPath: "/w/<u>", ContainerPath: "/work", Mode: "rw"}, {HostPath: "/é", ContainerPath: "/x", Mode: "ro"}}})
		v := newActorView(base, rng.IntN(2) == 0, x, ra)
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := v.appendJSON(nil)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		views = append(views, v)
	}
	for _, list := range [][]actorView{nil, {}, views[:1], views} {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		ok(want, "Actors retrieved <successfully>.", list)
		okActors(got, "Actors retrieved <successfully>.", list)
		require.Equal(t, want.Code, got.Code)
		require.Equal(t, want.Header(), got.Header())
		require.Equal(t, want.Body.String(), got.Body.String())
	}
}

// A state that is not valid JSON fails as encoding/json fails.
func TestOkActorsInvalidState(t *testing.T) {
	t.Parallel()
	v := newActorView("http://x", false, &abaco.Actor{ID: "A", State: json.RawMessage(`{bad`)}, runAsView{})
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	ok(want, "m", []actorView{v})
	okActors(got, "m", []actorView{v})
	require.Equal(t, want.Code, got.Code)
	require.Equal(t, want.Body.String(), got.Body.String())
}

// okActorViews with one view overwritten for each actor, as okActorList
// calls it, writes what ok writes for the list, also when a state is not
// valid JSON and encoding/json reports it.
func TestOkActorViewsOneAtATime(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 7))
	var xs []*abaco.Actor
	for i := range 50 {
		xs = append(xs, randomActor(rng, i))
	}
	for _, bad := range []bool{false, true} {
		if bad {
			xs[7].State = json.RawMessage(`{bad`)
		}
		var views []actorView
		for _, x := range xs {
			views = append(views, newActorView("http://x", false, x, runAsView{}))
		}
		var v actorView
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		ok(want, "m", views)
		okActorViews(got, "m", len(xs), func(i int) *actorView {
			v = newActorView("http://x", false, xs[i], runAsView{})
			return &v
		})
		require.Equal(t, want.Code, got.Code)
		require.Equal(t, want.Body.String(), got.Body.String())
	}
}
