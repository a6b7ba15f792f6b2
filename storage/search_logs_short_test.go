package storage

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/search"
)

// TestSearchLogsShortAndLong: on PostgreSQL, log searches read short and
// long logs apart, through migration 0013's partial indexes
// (logsSearched); they must answer exactly what a search of the table
// itself answers (the same logs, in the same order, and the same totals),
// on logs of every length around the 256-byte bound, written in turn by
// many actors as executions finish, some rewritten from short to long and
// back, for callers who own, are shared or read nothing.
func TestSearchLogsShortAndLong(t *testing.T) {
	t.Parallel()
	s := openStore(t, testenv.PostgresURL(t))
	ctx := t.Context()
	require.NoError(t, s.Migrate(ctx))

	var actors []string
	for i := range 12 {
		a := newActor("dev", fmt.Sprintf("A%02d", i))
		a.Owner = []string{"alice", "bob", "carol"}[i%3]
		require.NoError(t, s.ActorCreate(ctx, a))
		actors = append(actors, a.ID)
	}
	require.NoError(t, s.ActorCreate(ctx, newActor("other", "A00"))) // alice's, another tenant
	actors = append(actors, "A00@other")
	// bob shares A01 with alice, and carol A02 with everyone.
	require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: "A01", User: "alice", Level: abaco.LevelRead}))
	require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: "A02", User: "ABACO_WORLD", Level: abaco.LevelRead}))

	// Log texts: sentences of a small vocabulary (a few words in most
	// logs, some rare), of 1 byte to 3 KB, many close to the bound, some
	// with two-byte letters (the bound is in bytes).
	rng := rand.New(rand.NewPCG(7, 13))
	vocab := []string{"words", "words", "words", "counted", "number", "error", "memory", "alpha", "beta",
		"gamma", "delta", "rare", "épée", "naïve", "run-time", "a/b/c", "42", "7"}
	text := func() string {
		size := []int{1, 40, 200, 250, 255, 256, 257, 260, 300, 1000, 3000}[rng.IntN(11)]
		var b strings.Builder
		for b.Len() < size {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		t := b.String()
		for len(t) > size { // cut to size, on a letter's boundary
			t = t[:len(t)-1]
		}
		return strings.ToValidUTF8(strings.TrimSpace(t), "")
	}
	for i := range 3000 {
		a := actors[i%len(actors)]
		tenant := "dev"
		if id, ok := strings.CutSuffix(a, "@other"); ok {
			a, tenant = id, "other"
		}
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: fmt.Sprintf("L%05d", i), Tenant: tenant, ActorID: a, Text: text()}))
	}
	// Some logs are written again: short ones long, long ones short.
	for i := 0; i < 3000; i += 7 {
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: fmt.Sprintf("L%05d", i), Tenant: "dev",
			ActorID: actors[i%12], Text: text()}))
	}
	_, err := s.db.ExecContext(ctx, `ANALYZE logs`)
	require.NoError(t, err)

	var short, long int
	require.NoError(t, s.db.GetContext(ctx, &short, `SELECT COUNT(*) FROM logs WHERE octet_length(text) <= 256`))
	require.NoError(t, s.db.GetContext(ctx, &long, `SELECT COUNT(*) FROM logs WHERE octet_length(text) > 256`))
	require.Greater(t, short, 1000)
	require.Greater(t, long, 1000)

	queries := []string{
		"search=words", "search=words&limit=100&skip=37", "search=words&skip=1500&limit=50",
		"search=words&limit=0", "search=words&skip=100000", "search=words+number&limit=1000",
		"search=rare", "search=rare&limit=20&skip=5", "search=%C3%A9p%C3%A9e", "search=alpha+beta",
		"exactsearch=alpha+beta", "search=words&exactsearch=gamma+delta&limit=30",
		"search=run-time", "search=a/b/c", "search=42", "search=nothingsaysthis",
		"search=words&actor_id=A01", "search=memory&actor_id=A03&limit=50",
		"search=words&logs.like=err.r%20memory", "search=counted&execution_id=L00100",
		"logs.like=%5Egamma", "actor_id=A02&limit=50&skip=3", "",
	}
	type answer struct {
		ids   []string
		total int
	}
	both := func(p abaco.SearchParams, q string) (answer, answer) {
		s.logsInTable = false
		ids, total := runSearch(t, s, search.Logs, p, q)
		parts := answer{ids, total}
		s.logsInTable = true
		ids, total = runSearch(t, s, search.Logs, p, q)
		s.logsInTable = false
		return parts, answer{ids, total}
	}
	found := 0
	for _, p := range []abaco.SearchParams{{User: "alice"}, {User: "bob"}, {User: "carol"}, {User: "dave"},
		{User: "alice", ActorID: "A00"}, {User: "alice", Tenant: "other"}} {
		for _, q := range queries {
			got, want := both(p, q)
			require.Equal(t, want, got, "%+v %s", p, q)
			found += want.total
		}
	}
	require.Greater(t, found, 10000)

	// An actor's logs go with it, short and long.
	require.NoError(t, s.ActorDelete(ctx, "dev", "A03"))
	var left int
	require.NoError(t, s.db.GetContext(ctx, &left, `SELECT COUNT(*) FROM logs WHERE actor_id = 'A03'`))
	require.Zero(t, left)
	got, want := both(abaco.SearchParams{User: "alice"}, "search=words")
	require.Equal(t, want, got)
}
