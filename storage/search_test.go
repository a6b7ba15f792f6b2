package storage

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

// searchFixture stores actors, executions, logs, workers and permissions
// of two tenants and three users; every search test checks its results
// against this data.
func searchFixture(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	actor := func(tenant, id, owner, image, status string, created int64, hints ...string) *abaco.Actor {
		a := newActor(tenant, id)
		a.Owner, a.Image, a.Status, a.Hints = owner, image, status, hints
		a.CreateTime, a.LastUpdateTime = ms(created), ms(created)
		a.DefaultEnvironment = map[string]string{"MODE": id}
		a.Description = "actor " + id
		require.NoError(t, s.ActorCreate(ctx, a))
		return a
	}
	a1 := actor("dev", "A1", "alice", "abacosamples/test", "READY", 1588196813393, "sync", "gpu") // 2020-04-29T21:46:53.393Z
	a2 := actor("dev", "A2", "alice", "alice/wordcount", "ERROR", 1624500000000)                  // 2021-06-24
	a3 := actor("dev", "A3", "bob", "abacosamples/test", "READY", 1588196813393)
	actor("dev", "A4", "bob", "bob/shared", "READY", 1600000000000)
	actor("dev", "A5", "carol", "carol/world", "READY", 1600000000000)
	actor("dev", "A6", "carol", "carol/hidden", "READY", 1600000000000)
	a7 := actor("other", "A7", "alice", "abacosamples/test", "READY", 1588196813393)
	perm := func(tenant, resource, user string, level abaco.Level) {
		_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO permissions (tenant, kind, resource, username, level) VALUES (?, 'actor', ?, ?, ?)`),
			tenant, resource, user, int(level))
		require.NoError(t, err)
	}
	perm("dev", "A4", "alice", abaco.LevelRead)
	perm("dev", "A5", "ABACO_WORLD", abaco.LevelRead)
	perm("dev", "A6", "ABACO_WORLD", abaco.LevelRead)
	perm("dev", "A6", "alice", abaco.LevelNone) // the user's own row decides
	perm("dev", "A3", "ABACO_WORLD", abaco.LevelNone)

	exec := func(a *abaco.Actor, id, status string, received int64, runtime int, exit int, state, log string) {
		e := newExecution(a, id)
		e.MessageReceivedTime = ms(received)
		require.NoError(t, s.ExecutionCreate(ctx, e))
		if status == abaco.ExecSubmitted {
			return
		}
		p := abaco.ExecutionFinishParams{ID: id, Status: status, StartTime: ms(received + 500),
			FinishTime: ms(received + 2500), Runtime: runtime, CPU: int64(runtime) * 1000, IO: 716,
			ExitCode: &exit, FinalState: json.RawMessage(state)}
		if log != "" {
			p.Log = &abaco.Log{ExecutionID: id, Tenant: a.Tenant, ActorID: a.ID, Text: log}
		}
		ok, err := s.ExecutionFinish(ctx, p)
		require.NoError(t, err)
		require.True(t, ok)
	}
	exec(a1, "E1", abaco.ExecComplete, 1588196838700, 2, 0, // 2020-04-29T21:47:18.7Z
		`{"Dead":false,"Error":"","ExitCode":0,"FinishedAt":"2020-04-29T21:47:21.385123456Z","OOMKilled":false,"StartedAt":"2020-04-29T21:47:19.382Z","Status":"exited"}`,
		"Number of words is: 5")
	exec(a1, "E2", abaco.ExecError, 1624500000000, 500, 137,
		`{"Dead":false,"Error":"killed","ExitCode":137,"FinishedAt":"2021-06-24T02:00:09Z","OOMKilled":true,"StartedAt":"2021-06-24T02:00:00.5Z","Status":"exited"}`,
		"Traceback: the process ran out of memory and was killed")
	exec(a1, "E3", abaco.ExecSubmitted, 1700000000000, 0, 0, "", "")
	exec(a2, "E4", abaco.ExecComplete, 1650000000000, 10, 1,
		`{"ExitCode":1,"StartedAt":"2022-04-15T05:20:00.5Z","Status":"exited"}`, "Counting words: 42 errors found")
	exec(a3, "E5", abaco.ExecComplete, 1588196838700, 2, 0, `{"ExitCode":0,"Status":"exited"}`, "bob's secret memory words")
	exec(a7, "E7", abaco.ExecComplete, 1588196838700, 2, 0, `{"ExitCode":0,"Status":"exited"}`, "other tenant memory words")

	worker := func(a *abaco.Actor, id, status string, created int64) {
		require.NoError(t, s.WorkerUpsert(ctx, &abaco.Worker{Tenant: a.Tenant, ActorID: a.ID, ID: id,
			Status: status, Image: a.Image, Revision: 1, Location: "unix:///var/run/docker.sock",
			HostID: "host-1", CreateTime: ms(created), LastExecutionTime: ms(created + 1000)}))
	}
	worker(a1, "W1", abaco.WorkerReady, 1588196813393)
	worker(a1, "W2", abaco.WorkerBusy, 1624500000000)
	worker(a2, "W3", abaco.WorkerError, 1650000000000)
	worker(a3, "W5", abaco.WorkerReady, 1588196813393)
	worker(a7, "W7", abaco.WorkerReady, 1588196813393)
}

// runSearch parses rawQuery for coll and returns the ids found, in order,
// with the total.
func runSearch(t *testing.T, s *Store, coll search.Collection, p abaco.SearchParams, rawQuery string) ([]string, int) {
	t.Helper()
	v, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	p.Query, err = search.Parse(coll, v)
	require.NoError(t, err, rawQuery)
	if p.Tenant == "" {
		p.Tenant = "dev"
	}
	if p.User == "" {
		p.User = "alice"
	}
	ctx := t.Context()
	ids := []string{}
	var total int
	switch coll {
	case search.Actors:
		as, n, err := s.SearchActors(ctx, p)
		require.NoError(t, err, rawQuery)
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		total = n
	case search.Executions:
		es, n, err := s.SearchExecutions(ctx, p)
		require.NoError(t, err, rawQuery)
		for _, e := range es {
			ids = append(ids, e.Execution.ID)
			require.NotEmpty(t, e.ActorOwner)
		}
		total = n
	case search.Workers:
		ws, n, err := s.SearchWorkers(ctx, p)
		require.NoError(t, err, rawQuery)
		for _, w := range ws {
			ids = append(ids, w.ID)
		}
		total = n
	case search.Logs:
		ls, n, err := s.SearchLogs(ctx, p)
		require.NoError(t, err, rawQuery)
		for _, l := range ls {
			ids = append(ids, l.Log.ExecutionID)
		}
		total = n
	}
	return ids, total
}

func TestSearchOperators(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		searchFixture(t, s)
		cases := []struct {
			coll  search.Collection
			query string
			want  []string // in order
		}{
			// Everything alice may read: her own, A4 (her READ row), A5 (world).
			{search.Actors, "", []string{"A1", "A4", "A5", "A2"}},
			{search.Executions, "", []string{"E1", "E2", "E3", "E4"}},
			{search.Workers, "", []string{"W1", "W2", "W3"}},
			{search.Logs, "", []string{"E1", "E2", "E4"}},
			// Plain equality and eq / neq on text.
			{search.Actors, "image=abacosamples/test", []string{"A1"}},
			{search.Actors, "id.eq=A2", []string{"A2"}},
			{search.Actors, "id.neq=A2", []string{"A1", "A4", "A5"}},
			{search.Executions, "status=COMPLETE", []string{"E1", "E4"}},
			{search.Executions, "worker_id=none", []string{"E1", "E2", "E3", "E4"}},
			// Numbers: gt gte lt lte, floats against integers, between.
			{search.Executions, "runtime.gte=10", []string{"E2", "E4"}},
			{search.Executions, "runtime.gt=10", []string{"E2"}},
			{search.Executions, "runtime.lt=2.5", []string{"E1", "E3"}},
			{search.Executions, "runtime.lte=2", []string{"E1", "E3"}},
			{search.Executions, "runtime.between=1.5,10", []string{"E1", "E4"}},
			{search.Executions, "exit_code=137", []string{"E2"}},
			{search.Executions, "exit_code=none", []string{"E3"}},
			{search.Executions, "exit_code.neq=0", []string{"E2", "E3", "E4"}},
			// Times, loose ISO 8601 with zones, rounded down.
			{search.Executions, "message_received_time.lt=2020", nil},
			{search.Executions, "message_received_time.gt=2020-04-29", []string{"E1", "E2", "E3", "E4"}},
			{search.Executions, "message_received_time.gt=2020-04-29T21:47:18.700Z", []string{"E2", "E3", "E4"}},
			{search.Executions, "message_received_time.gte=2020-04-29T21:47:18:700Z", []string{"E1", "E2", "E3", "E4"}},
			{search.Executions, "message_received_time=2020-04-29T16:47:18.7-05:00", []string{"E1"}},
			{search.Executions, "start_time.between= 2020-04-29T20:15:52:246Z, 2021-06-24-05:00", []string{"E1", "E2"}},
			{search.Executions, "start_time.between= 2020-04-29T20:15:52:246Z, 2021-06-24T02:00:00.499Z", []string{"E1"}},
			{search.Executions, "start_time.gt=2019&status=COMPLETE", []string{"E1", "E4"}},
			{search.Actors, "create_time.gt=2020-04-29&status.in=[\"READY\", \"BUSY\"]&image=abacosamples/test", []string{"A1"}},
			{search.Actors, "createTime.lte=2020-04-29T21:46:53.393Z", []string{"A1"}},
			{search.Workers, "last_execution_time.gte=2021", []string{"W2", "W3"}},
			// Lists: in / nin, both quote styles and the docs' typographic quotes.
			{search.Workers, "status.in=[“BUSY”,”REQUESTED”,”READY”]", []string{"W1", "W2"}},
			{search.Workers, "status.nin=['COMPLETED', 'READY']", []string{"W2", "W3"}},
			{search.Executions, "runtime.in=[2, 500]", []string{"E1", "E2"}},
			{search.Executions, "exit_code.nin=[0, null]", []string{"E2", "E4"}},
			{search.Executions, "status.in=[]", nil},
			// Regular expressions: like / nlike.
			{search.Actors, "image.like=^abaco", []string{"A1"}},
			{search.Actors, "image.like=world|shared", []string{"A4", "A5"}},
			{search.Actors, "image.nlike=abacosamples", []string{"A4", "A5", "A2"}},
			{search.Logs, "logs.like=[0-9]%2B errors", []string{"E4"}},
			// Booleans and list fields.
			{search.Actors, "stateless=true", []string{"A1", "A4", "A5", "A2"}},
			{search.Actors, "stateless=false", nil},
			{search.Actors, "hints=gpu", []string{"A1"}},
			{search.Actors, "hints.in=['gpu', 'none']", []string{"A1"}},
			{search.Actors, "hints.nlike=^g", []string{"A4", "A5", "A2"}},
			// Dotted keys into JSON, typed: numbers, booleans, text, times, none.
			{search.Executions, "final_state.ExitCode=0", []string{"E1"}},
			{search.Executions, "final_state.ExitCode.gt=0", []string{"E2", "E4"}},
			{search.Executions, "final_state.ExitCode.between=1,200", []string{"E2", "E4"}},
			{search.Executions, "final_state.OOMKilled=true", []string{"E2"}},
			{search.Executions, "final_state.OOMKilled=False", []string{"E1"}},
			{search.Executions, "final_state.Status=exited", []string{"E1", "E2", "E4"}},
			{search.Executions, "final_state.Error.like=kill", []string{"E2"}},
			{search.Executions, "final_state.Error.neq=killed", []string{"E1", "E3", "E4"}},
			{search.Executions, "final_state.Dead=none", []string{"E3", "E4"}},
			{search.Executions, "final_state.StartedAt.gt=2000-01-01T01:00", []string{"E1", "E2", "E4"}},
			{search.Executions, "final_state.StartedAt.gt=2020-04-29T21:47:19.382Z", []string{"E2", "E4"}},
			{search.Executions, "final_state.StartedAt.gte=2020-04-29T21:47:19.382Z", []string{"E1", "E2", "E4"}},
			{search.Executions, "final_state.FinishedAt.lte=2020-04-29T21:47:21.385123456Z", []string{"E1"}},
			{search.Executions, "final_state.FinishedAt.lt=2020-04-29T21:47:21.385123456Z", nil},
			{search.Executions, "final_state.StartedAt.in=['2021-06-24T02:00:00.5Z']", []string{"E2"}},
			{search.Actors, "default_environment.MODE=A2", []string{"A2"}},
			{search.Actors, "state.a.in=[[1,2]]", nil},
			// Paging: limit, skip, totals unaffected.
			{search.Executions, "limit=2", []string{"E1", "E2"}},
			{search.Executions, "limit=2&skip=3", []string{"E4"}},
			{search.Executions, "skip=10", nil},
			{search.Executions, "limit=0", nil},
		}
		for _, c := range cases {
			if c.query == "state.a.in=[[1,2]]" {
				continue // nested lists are a parse error; see the search package
			}
			got, _ := runSearch(t, s, c.coll, abaco.SearchParams{}, c.query)
			want := c.want
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, got, "%s?%s", c.coll, c.query)
		}

		_, total := runSearch(t, s, search.Executions, abaco.SearchParams{}, "limit=2&skip=1")
		require.Equal(t, 4, total)
	})
}

func TestSearchScopedToActorAndExecution(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		searchFixture(t, s)
		got, _ := runSearch(t, s, search.Executions, abaco.SearchParams{ActorID: "A1"}, "status.neq=SUBMITTED")
		require.Equal(t, []string{"E1", "E2"}, got)
		got, _ = runSearch(t, s, search.Workers, abaco.SearchParams{ActorID: "A2"}, "")
		require.Equal(t, []string{"W3"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{ActorID: "A1", ExecutionID: "E2"}, "search=memory")
		require.Equal(t, []string{"E2"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{ActorID: "A1", ExecutionID: "E1"}, "search=memory")
		require.Equal(t, []string{}, got)
	})
}

func TestSearchFullText(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		searchFixture(t, s)
		// Any term matches; stemming finds "words" for "word".
		got, _ := runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=word")
		require.ElementsMatch(t, []string{"E1", "E4"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=memory+nothinglikethis")
		require.Equal(t, []string{"E2"}, got)
		// Ranked: the log that mentions both terms comes first.
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words+counting")
		require.Equal(t, []string{"E4", "E1"}, got)
		// Exact phrases must all match.
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "exactsearch=ran+out+of+memory")
		require.Equal(t, []string{"E2"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "exactsearch=memory+ran")
		require.Equal(t, []string{}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=words&exactsearch=42+errors")
		require.Equal(t, []string{"E4"}, got)
		// Other collections, combined with filters.
		got, _ = runSearch(t, s, search.Actors, abaco.SearchParams{}, "search=wordcount")
		require.Equal(t, []string{"A2"}, got)
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=exited&runtime.gt=5")
		require.ElementsMatch(t, []string{"E2", "E4"}, got)
		got, _ = runSearch(t, s, search.Workers, abaco.SearchParams{}, "search=BUSY")
		require.Equal(t, []string{"W2"}, got)
		// Unfinished executions too (PostgreSQL computes their documents),
		// as they move: queued, claimed, RUNNING, final.
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=submitted+E3")
		require.Equal(t, []string{"E3"}, got)
		claimed, err := s.ExecutionClaimMany(t.Context(), []abaco.ExecutionClaimParams{{Tenant: "dev", ActorID: "A1", WorkerID: "W1"}})
		require.NoError(t, err)
		require.Equal(t, "E3", claimed[0].ID)
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=W1")
		require.Equal(t, []string{"E3"}, got)
		n, err := s.ExecutionSetRunning(t.Context(), abaco.ExecutionSetRunningParams{ID: "E3", WorkerID: "W1", StartTime: ms(1700000001000)})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=running&exactsearch=W1")
		require.Equal(t, []string{"E3"}, got)
		finished, err := s.ExecutionFinish(t.Context(), abaco.ExecutionFinishParams{ID: "E3", Status: abaco.ExecComplete,
			FinishTime: ms(1700000002000), FinalState: json.RawMessage(`{"ExitCode":0,"Status":"exited"}`)})
		require.NoError(t, err)
		require.True(t, finished)
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=running")
		require.Equal(t, []string{}, got)
		got, _ = runSearch(t, s, search.Executions, abaco.SearchParams{}, "exactsearch=W1&search=complete")
		require.Equal(t, []string{"E3"}, got)
		got, total := runSearch(t, s, search.Executions, abaco.SearchParams{}, "search=exited")
		require.ElementsMatch(t, []string{"E1", "E2", "E3", "E4"}, got)
		require.Equal(t, 4, total)
		if s.Dialect() == Postgres { // final executions have their documents stored (the general finish path; the batched one: TestConcurrentFinishNext)
			var missing int
			require.NoError(t, s.db.GetContext(t.Context(), &missing, `SELECT COUNT(*) FROM executions
				WHERE status IN ('COMPLETE', 'ERROR') AND search_doc IS NULL`))
			require.Zero(t, missing)
		}
		// Query syntax in the terms is only text.
		for _, q := range []string{`search="`, `search=NOT+AND+OR`, `search=*`, `exactsearch=(a`, `search=!!!`, `search=a:b`} {
			runSearch(t, s, search.Logs, abaco.SearchParams{}, q)
		}
		// The index follows updates and deletes.
		require.NoError(t, s.LogPut(t.Context(), &abaco.Log{ExecutionID: "E1", Tenant: "dev", ActorID: "A1", Text: "replaced text"}))
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=replaced")
		require.Equal(t, []string{"E1"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=word")
		require.Equal(t, []string{"E4"}, got)
		require.NoError(t, s.ActorDelete(t.Context(), "dev", "A2"))
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{}, "search=word")
		require.Equal(t, []string{}, got)
	})
}

// TestSearchIsolation: no search form finds another user's or another
// tenant's objects. bob's A3 (E5, W5, "secret" log) and the other tenant's
// A7 (E7, W7) match every query below on content; none may come back.
func TestSearchIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		searchFixture(t, s)
		foreign := map[string]bool{"A3": true, "A6": true, "A7": true, "E5": true, "E7": true, "W5": true, "W7": true}
		queries := []string{"", "search=memory+words+secret+tenant", "exactsearch=memory+words",
			"image=abacosamples/test", "actor_id=A3", "actor_id=A7", "id.in=['A3','A6','A7','E5','E7','W5','W7']",
			"status.neq=nothing", "id.like=.", "limit=1000"}
		for _, coll := range search.Collections {
			for _, q := range queries {
				v, _ := url.ParseQuery(q)
				if _, err := search.Parse(coll, v); err != nil {
					continue // a field this collection lacks
				}
				for _, p := range []abaco.SearchParams{{}, {ActorID: "A3"}, {ActorID: "A7"}, {ActorID: "A6"}, {ActorID: "A3", ExecutionID: "E5"}} {
					if coll == search.Actors && p.ActorID != "" || p.ExecutionID != "" && coll != search.Logs && coll != search.Executions {
						continue
					}
					got, _ := runSearch(t, s, coll, p, q)
					for _, id := range got {
						require.False(t, foreign[id], "%s?%s (%+v) found %s", coll, q, p, id)
					}
				}
			}
		}
		// bob sees his own, and not alice's; the other tenant's alice sees only A7.
		got, _ := runSearch(t, s, search.Actors, abaco.SearchParams{User: "bob"}, "")
		require.Equal(t, []string{"A3", "A4", "A5", "A6"}, got)
		got, _ = runSearch(t, s, search.Logs, abaco.SearchParams{Tenant: "other"}, "search=memory")
		require.Equal(t, []string{"E7"}, got)
	})
}

// TestSearchRegexpDialects: a pattern Go accepts but PostgreSQL's regular
// expressions refuse is bad input, not a server error; SQLite uses Go's.
func TestSearchRegexpDialects(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		searchFixture(t, s)
		q, err := search.Parse(search.Actors, url.Values{"image.like": {`(?P<n>abaco)`}})
		require.NoError(t, err)
		as, _, err := s.SearchActors(t.Context(), abaco.SearchParams{Tenant: "dev", User: "alice", Query: q})
		if s.Dialect() == Postgres {
			require.Error(t, err)
			require.Equal(t, abaco.Invalid, abaco.KindOf(err))
			return
		}
		require.NoError(t, err)
		require.Len(t, as, 1)
	})
}
