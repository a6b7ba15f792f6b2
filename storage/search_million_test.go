package storage

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/internal/testenv"
	"github.com/abaco-hpc/abaco/search"
)

// TestSearchMillionExecutions measures searches over a large PostgreSQL
// table; it is not part of the default run because loading takes minutes:
//
//	ABACO_SEARCH_MILLION=1000000 go test -count=1 -run TestSearchMillionExecutions -v -timeout 60m ./storage/
//
// It loads that many executions (default 1,000,000) spread over 100 actors
// of one tenant (alice owns 90, bob 10), with a log for one execution in
// ten, by COPY; then it times each query (median of 5 runs, count and page
// together) and logs a table. It fails only if a query fails or returns
// something impossible, never on timing.
func TestSearchMillionExecutions(t *testing.T) {
	env := os.Getenv("ABACO_SEARCH_MILLION")
	if env == "" {
		t.Skip("set ABACO_SEARCH_MILLION=<executions> to run")
	}
	n, err := strconv.Atoi(env)
	if err != nil || n < 1000 {
		n = 1_000_000
	}
	s := openStore(t, testenv.PostgresURL(t))
	require.NoError(t, s.Migrate(t.Context()))
	ctx := t.Context()

	const actors = 100
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < actors; i++ {
		a := newActor("dev", fmt.Sprintf("A%03d", i))
		a.Owner = "alice"
		if i >= 90 {
			a.Owner = "bob"
		}
		require.NoError(t, s.ActorCreate(ctx, a))
	}

	start := time.Now()
	tx, err := s.db.Begin()
	require.NoError(t, err)
	stmt, err := tx.Prepare(pq.CopyIn("executions", "id", "tenant", "actor_id", "executor", "username",
		"status", "worker_id", "message", "content_type", "env", "api_server", "message_received_time",
		"start_time", "finish_time", "runtime", "cpu", "io", "exit_code", "final_state"))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	type logRow struct{ id, actor, text string }
	var logRows []logRow
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("E%08d", i)
		actor := fmt.Sprintf("A%03d", i%actors)
		received := base + int64(i)*30_000 // one every 30 s: a million span about a year
		status, exit, errText, oom := abaco.ExecComplete, 0, "", false
		switch r := rng.IntN(100); {
		case r == 0:
			status, exit, errText, oom = abaco.ExecError, 137, "killed", true
		case r == 1:
			exit = 1
		}
		runtime := rng.IntN(600)
		started := time.UnixMilli(received + 500).UTC().Format(time.RFC3339Nano)
		finished := time.UnixMilli(received + 500 + int64(runtime)*1000).UTC().Format(time.RFC3339Nano)
		state := fmt.Sprintf(`{"Dead":false,"Error":%q,"ExitCode":%d,"FinishedAt":%q,"OOMKilled":%t,"StartedAt":%q,"Status":"exited"}`,
			errText, exit, finished, oom, started)
		_, err := stmt.Exec(id, "dev", actor, "alice", "alice", status, "W"+actor, []byte("message "+id),
			abaco.ContentString, "{}", "http://api", received, received+500, received+500+int64(runtime)*1000,
			runtime, runtime*1000, 716, exit, state)
		require.NoError(t, err)
		if i%10 == 0 {
			text := fmt.Sprintf("Number of words is: %d", rng.IntN(1000))
			if exit != 0 {
				text = "Traceback (most recent call last):\n  File \"count.py\"\nMemoryError: the process ran out of memory"
			}
			logRows = append(logRows, logRow{id, actor, text})
		}
	}
	_, err = stmt.Exec()
	require.NoError(t, err)
	require.NoError(t, stmt.Close())
	lstmt, err := tx.Prepare(pq.CopyIn("logs", "execution_id", "tenant", "actor_id", "text"))
	require.NoError(t, err)
	for _, l := range logRows {
		_, err := lstmt.Exec(l.id, "dev", l.actor, l.text)
		require.NoError(t, err)
	}
	_, err = lstmt.Exec()
	require.NoError(t, err)
	require.NoError(t, lstmt.Close())
	require.NoError(t, tx.Commit())
	_, err = s.db.Exec(`ANALYZE`)
	require.NoError(t, err)
	t.Logf("loaded %d executions and %d logs in %s (COPY, with the indexes and tsvectors of 0006)",
		n, len(logRows), time.Since(start).Round(time.Millisecond))

	cases := []struct {
		name, coll, actor, query string
	}{
		{"list one actor's executions (first page)", "executions", "A007", ""},
		{"one actor, status=ERROR", "executions", "A007", "status=ERROR"},
		{"one actor, start_time.between one week", "executions", "A007", "start_time.between=2025-03-01,2025-03-08"},
		{"one actor, status.in + start_time.gt, page 50", "executions", "A007", "status.in=['COMPLETE','ERROR']&start_time.gt=2025-06&skip=500"},
		{"tenant-wide, status=ERROR", "executions", "", "status=ERROR"},
		{"tenant-wide, start_time.gt last day", "executions", "", fmt.Sprintf("start_time.gt=%s", time.UnixMilli(base+int64(n)*30_000-86_400_000).UTC().Format("2006-01-02T15:04"))},
		{"tenant-wide, runtime.gte=590 (unindexed)", "executions", "", "runtime.gte=590"},
		{"tenant-wide, final_state.ExitCode=137 (JSON, unindexed)", "executions", "", "final_state.ExitCode=137"},
		{"tenant-wide, full text search=killed", "executions", "", "search=killed"},
		{"one actor, full text search=killed", "executions", "A007", "search=killed"},
		{"logs, full text search=MemoryError", "logs", "", "search=MemoryError"},
		{"logs, exactsearch=ran out of memory", "logs", "", "exactsearch=ran+out+of+memory"},
		{"logs, full text search=words (frequent)", "logs", "", "search=words"},
	}
	t.Logf("machine: %s/%s, %d CPUs, PostgreSQL %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), pgVersion(t, s))
	t.Logf("%-58s %10s %12s", "query (user alice, limit 10)", "median", "total_count")
	for _, c := range cases {
		v, err := url.ParseQuery(c.query)
		require.NoError(t, err)
		q, err := search.Parse(search.Collection(c.coll), v)
		require.NoError(t, err)
		p := abaco.SearchParams{Tenant: "dev", User: "alice", ActorID: c.actor, Query: q}
		var times []time.Duration
		var total int
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			var got int
			if c.coll == "logs" {
				var hits []abaco.LogHit
				hits, total, err = s.SearchLogs(ctx, p)
				got = len(hits)
			} else {
				var hits []abaco.ExecutionHit
				hits, total, err = s.SearchExecutions(ctx, p)
				got = len(hits)
				for _, h := range hits {
					require.Equal(t, "alice", h.ActorOwner)
				}
			}
			times = append(times, time.Since(t0))
			require.NoError(t, err, c.name)
			require.LessOrEqual(t, got, 10)
		}
		slices.Sort(times)
		t.Logf("%-58s %10s %12d", c.name, times[2].Round(10*time.Microsecond), total)
		if os.Getenv("ABACO_SEARCH_EXPLAIN") != "" {
			sq, err := s.newSearchSQL(s.searchTable(search.Collection(c.coll)), p, nil)
			require.NoError(t, err)
			count, countArgs := sq.count()
			page, pageArgs := sq.page(p.Query, total <= fewMatches)
			if p.Query.FullText() {
				page, pageArgs = sq.newestPage(p.Query)
			}
			for _, x := range []struct {
				sql  string
				args []any
			}{{count, countArgs}, {page, pageArgs}} {
				var plan []string
				require.NoError(t, s.db.Select(&plan, "EXPLAIN ANALYZE "+x.sql, x.args...))
				t.Logf("%s\n%s", x.sql, strings.Join(plan, "\n"))
			}
		}
	}
}

func pgVersion(t *testing.T, s *Store) string {
	var v string
	require.NoError(t, s.db.Get(&v, `SHOW server_version`))
	return v
}
