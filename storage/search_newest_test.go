package storage

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

// insertLogs stores logs L<first>…L<first+n-1> of actor in that order, in
// batches, straight into the table (logs need no execution row).
func insertLogs(t *testing.T, s *Store, tenant, actor string, first, n int, text string) {
	t.Helper()
	for lo := first; lo < first+n; lo += 200 {
		var rows []string
		var args []any
		for i := lo; i < min(first+n, lo+200); i++ {
			rows = append(rows, "(?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("L%05d", i), tenant, actor, text)
		}
		_, err := s.db.ExecContext(t.Context(), s.db.Rebind(`INSERT INTO logs (execution_id, tenant, actor_id, text) VALUES `+
			strings.Join(rows, ", ")), args...)
		require.NoError(t, err)
	}
}

// TestSearchFullTextNewestFirst: past rankLimit matches, full-text results
// come newest first, with the exact total, on every page; other users'
// and other tenants' logs never count.
func TestSearchFullTextNewestFirst(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		createActor(t, s, "dev", "A1")   // alice's
		createActor(t, s, "other", "A1") // the same id in another tenant
		bob := newActor("dev", "B1")     // bob's, shared with alice below
		bob.Owner = "bob"
		require.NoError(t, s.ActorCreate(ctx, bob))
		hidden := newActor("dev", "B2") // bob's, not shared
		hidden.Owner = "bob"
		require.NoError(t, s.ActorCreate(ctx, hidden))
		require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: bob.ID, User: "alice", Level: abaco.LevelRead}))

		insertLogs(t, s, "dev", "A1", 0, 700, "number of words is 3")
		insertLogs(t, s, "other", "A1", 700, 300, "number of words is 3")
		insertLogs(t, s, "dev", "B2", 1000, 300, "number of words is 3")
		insertLogs(t, s, "dev", "B1", 1300, 400, "words words words")
		insertLogs(t, s, "dev", "A1", 1700, 5, "nothing to see")
		const visible = 700 + 400

		ids, total := runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words")
		require.Equal(t, visible, total)
		require.Equal(t, []string{"L01699", "L01698", "L01697", "L01696", "L01695", "L01694", "L01693", "L01692", "L01691", "L01690"}, ids)
		// Pages follow on: the first of A1's after the last of B1's.
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words&limit=3&skip=399")
		require.Equal(t, visible, total)
		require.Equal(t, []string{"L01300", "L00699", "L00698"}, ids)
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words+number&limit=1000&skip=1000")
		require.Equal(t, visible, total)
		require.Len(t, ids, visible-1000)
		require.Equal(t, "L00000", ids[len(ids)-1])
		// Past the end: no rows, the total still exact.
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words&skip=5000")
		require.Empty(t, ids)
		require.Equal(t, visible, total)
		// Combined with a filter and a phrase: few enough to be ranked, and
		// all alike, so in the default order.
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words&actor_id=A1&exactsearch=words+is&limit=2")
		require.Equal(t, 700, total)
		require.Equal(t, []string{"L00000", "L00001"}, ids)
		// bob sees his two actors (and not A1), ranked: the logs that say
		// "words" three times first.
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{User: "bob"}, "search=words&limit=2&skip=399")
		require.Equal(t, 700, total)
		require.Equal(t, []string{"L01699", "L01000"}, ids)
		// One execution's log.
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{ActorID: "A1", ExecutionID: "L00005"}, "search=words")
		require.Equal(t, 1, total)
		require.Equal(t, []string{"L00005"}, ids)
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{ActorID: "B2", ExecutionID: "L01005"}, "search=words")
		require.Equal(t, 0, total)
		require.Empty(t, ids)
		// The other tenant's alice sees its own 300.
		_, total = runSearch(t, s, search.Logs, abaco.SearchParams{Tenant: "other"}, "search=words")
		require.Equal(t, 300, total)
	})
}

// TestSearchFullTextManyActors: a user who may read more actors of other
// owners than the SQLite index is scoped to gets the same answers by the
// other path; one who owns as many is scoped by owner.
func TestSearchFullTextManyActors(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		for i := range maxScopeActors + 5 {
			a := newActor("dev", fmt.Sprintf("C%03d", i))
			a.Owner = "carol"
			require.NoError(t, s.ActorCreate(ctx, a))
			require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: a.ID, User: "dave", Level: abaco.LevelRead}))
		}
		insertLogs(t, s, "dev", "C000", 0, 600, "words")
		insertLogs(t, s, "dev", "C204", 600, 600, "words")
		insertLogs(t, s, "dev", "X", 1200, 10, "words") // no such actor
		for _, user := range []string{"carol", "dave"} {
			ids, total := runSearch(t, s, search.Logs, abaco.SearchParams{User: user}, "search=words&limit=2")
			require.Equal(t, 1200, total, user)
			require.Equal(t, []string{"L01199", "L01198"}, ids, user)
		}
		_, total := runSearch(t, s, search.Logs, abaco.SearchParams{User: "alice"}, "search=words")
		require.Equal(t, 0, total)
	})
}

// TestSearchFullTextScopeTokens: a log search finds the logs of the actors
// the caller owns, is shared or that are shared with everyone, whatever
// the logs say: text that spells another user's or actor's scope token in
// the SQLite index (storage/search.go) counts for nothing.
func TestSearchFullTextScopeTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		createActor(t, s, "dev", "A1") // alice's
		for _, id := range []string{"B1", "B2", "B3"} {
			a := newActor("dev", id)
			a.Owner = "bob"
			require.NoError(t, s.ActorCreate(ctx, a))
		}
		require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: "B1", User: "alice", Level: abaco.LevelRead}))
		require.NoError(t, s.PermissionSet(ctx, abaco.PermissionRow{Tenant: "dev", Kind: abaco.KindActor, Resource: "B3", User: abaco.WorldUser, Level: abaco.LevelRead}))
		forged := "words " + logOwnerToken("dev", "alice") + " " + logScopeToken("dev", "A1")
		insertLogs(t, s, "dev", "A1", 0, 3, "words")
		insertLogs(t, s, "dev", "B1", 3, 4, "words")
		insertLogs(t, s, "dev", "B2", 7, 5, forged)
		insertLogs(t, s, "dev", "B3", 12, 6, "words")
		ids, total := runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words&limit=100")
		require.Equal(t, 3+4+6, total)
		require.Len(t, ids, 3+4+6)
		require.NotContains(t, ids, "L00007")
		_, total = runSearch(t, s, search.Logs, abaco.SearchParams{User: "bob"}, "search=words")
		require.Equal(t, 4+5+6, total)
		// The tokens are not words of the text.
		_, total = runSearch(t, s, search.Logs, abaco.SearchParams{User: "bob"}, "search="+logOwnerToken("dev", "bob"))
		require.Equal(t, 0, total)
		ids, total = runSearch(t, s, search.Logs, abaco.SearchParams{User: "bob"}, "search="+logOwnerToken("dev", "alice"))
		require.Equal(t, 5, total)
		require.Len(t, ids, 5)
		// A log replaced, and an actor deleted, leave the index.
		require.NoError(t, s.LogPut(ctx, &abaco.Log{ExecutionID: "L00003", Tenant: "dev", ActorID: "B1", Text: "replaced text"}))
		require.NoError(t, s.ActorDelete(ctx, "dev", "B3"))
		_, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words")
		require.Equal(t, 3+3, total)
		_, total = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=replaced")
		require.Equal(t, 1, total)
	})
}

// TestSearchFullTextNewestExecutions: the rule holds for every collection.
func TestSearchFullTextNewestExecutions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		a := createActor(t, s, "dev", "A1")
		for lo := 0; lo < rankLimit+20; lo += 200 {
			var rows []string
			var args []any
			for i := lo; i < min(rankLimit+20, lo+200); i++ {
				rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, fmt.Sprintf("E%05d", i), a.Tenant, a.ID, "alice", "alice", abaco.ExecComplete,
					[]byte("m"), abaco.ContentString, "{}", "http://api", `{"Status":"exited"}`)
			}
			_, err := s.db.ExecContext(t.Context(), s.db.Rebind(`INSERT INTO executions (id, tenant, actor_id, executor, username,
				status, message, content_type, env, api_server, final_state) VALUES `+strings.Join(rows, ", ")), args...)
			require.NoError(t, err)
		}
		ids, total := runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=exited&limit=3&skip=1")
		require.Equal(t, rankLimit+20, total)
		require.Equal(t, []string{"E01018", "E01017", "E01016"}, ids)
	})
}
