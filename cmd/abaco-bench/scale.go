package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver, to load the database in bulk

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// Scale layout: n executions over n/executionsPerActor actors, owned by
// scaleUsers users, so a user's actor list and an actor's execution list
// are both about 100 long.
const (
	executionsPerActor = 100
	scaleUsers         = 100
	// Requests measured per part: enough that p99 is the 20th worst, not
	// one unlucky request of a few hundred. The full-text search, at about
	// ten a second on SQLite, measures fewer.
	scaleRequests         = 2000
	scaleFullTextRequests = 400
)

// runScale loads n executions (with their logs) and n/100 actors straight
// into the server's database, then measures API reads at cfg.concurrency:
// list actors, list an actor's executions, get an execution, get its logs,
// and the searches of the search issue when /actors/search answers
// (otherwise one "not available" line each, to fill in once it does).
func runScale(ctx context.Context, cfg config, db string, out *output) error {
	var s *server
	var err error
	if cfg.keep != "" {
		s, err = startKeptServer(ctx, cfg.binary, db, filepath.Join(cfg.keep, db), cfg.concurrency, "--no-dispatch")
	} else {
		s, err = startServer(ctx, cfg.binary, db, cfg.concurrency, "--no-dispatch")
	}
	if err != nil {
		return err
	}
	defer s.stop()
	nActors := max(2, cfg.n/executionsPerActor)
	actorIDs, err := keptLoad(s, cfg.n)
	if err != nil {
		return err
	}
	if actorIDs == nil {
		if actorIDs, err = loadScale(ctx, s, nActors, cfg.n, out); err != nil {
			return err
		}
	}

	tokens := make([]string, scaleUsers)
	for i := range tokens {
		if tokens[i], err = s.mint("user" + strconv.Itoa(i)); err != nil {
			return err
		}
	}
	// Request i reads actor k (owned by user k%100) and its execution j.
	actorOf := func(i int) (string, string) {
		k := 1 + (i*7919)%(nActors-1)
		return actorIDs[k], tokens[k%scaleUsers]
	}
	execOf := func(i int) string {
		k := 1 + (i*7919)%(nActors-1)
		// Executions of actor k are e(k-1), e(k-1)+(nActors-1), …
		return "e" + strconv.Itoa(k-1+((i/7)%executionsPerActor)*(nActors-1))
	}
	type part struct {
		name     string
		path     func(i int) (string, string)
		requests int // 0: scaleRequests
	}
	parts := []part{
		{"list actors", func(i int) (string, string) { _, tok := actorOf(i); return "/v3/actors", tok }, 0},
		{"list executions", func(i int) (string, string) { a, tok := actorOf(i); return "/v3/actors/" + a + "/executions", tok }, 0},
		{"get actor", func(i int) (string, string) { a, tok := actorOf(i); return "/v3/actors/" + a, tok }, 0},
		{"get execution", func(i int) (string, string) {
			a, tok := actorOf(i)
			return "/v3/actors/" + a + "/executions/" + execOf(i), tok
		}, 0},
		{"get logs", func(i int) (string, string) {
			a, tok := actorOf(i)
			return "/v3/actors/" + a + "/executions/" + execOf(i) + "/logs", tok
		}, 0},
	}
	searchOK := s.answers(ctx, "/v3/actors/search/executions?status=COMPLETE", tokens[1])
	searches := []part{
		{"search 2 fields", func(i int) (string, string) {
			a, tok := actorOf(i)
			return "/v3/actors/search/executions?status=COMPLETE&actor_id=" + a, tok
		}, 0},
		{"search full text", func(i int) (string, string) {
			_, tok := actorOf(i)
			return "/v3/actors/search/logs?search=" + strconv.Itoa(i%1000) + "+words", tok
		}, scaleFullTextRequests},
	}
	if searchOK {
		parts = append(parts, searches...)
	}
	for _, p := range parts {
		requests := scaleRequests
		if p.requests != 0 {
			requests = p.requests
		}
		if cfg.smoke {
			requests = 10
		}
		// Warm the path and one connection per client (the server's pool
		// opens them on demand, and prepares its statements on each), with
		// a twentieth of the measured requests, unmeasured and on other
		// objects than the measured ones; then measure.
		warm := max(2*cfg.concurrency, requests/20)
		if _, err := parallelDo(ctx, warm, cfg.concurrency, func(ctx context.Context, i int) error {
			path, tok := p.path(requests + i)
			return s.get(ctx, path, tok)
		}); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		load := loadAverage()
		f, err := parallelDo(ctx, requests, cfg.concurrency, func(ctx context.Context, i int) error {
			path, tok := p.path(i)
			return s.get(ctx, path, tok)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		out.add(&Result{Scenario: "scale", Name: p.name, DB: db, N: cfg.n, Concurrency: cfg.concurrency, Ours: f, RSSMB: s.rss(), Load: load})
	}
	if !searchOK {
		for _, p := range searches {
			out.add(&Result{Scenario: "scale", Name: p.name, DB: db, N: cfg.n, Concurrency: cfg.concurrency, RSSMB: s.rss(), Load: loadAverage(),
				Note: "search: not available (GET /v3/actors/search/executions does not answer 200)"})
		}
	}
	return nil
}

// loadScale makes the template actor and its message through the API and
// copies them into the database (bulkLoad); with -keep it writes the
// actors' ids into the kept data dir, for keptLoad.
func loadScale(ctx context.Context, s *server, nActors, n int, out *output) ([]string, error) {
	template, err := s.createActor(ctx, map[string]any{"image": "abacosamples/wc", "name": "scale"})
	if err != nil {
		return nil, err
	}
	if _, err := s.send(ctx, template, "template message"); err != nil {
		return nil, err
	}
	t0 := time.Now()
	actorIDs, err := bulkLoad(ctx, s.db, template, nActors, n)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	fmt.Fprintf(out.progress(), "  loaded %d actors, %d executions in %s\n", nActors, n, time.Since(t0).Round(time.Millisecond))
	actorIDs[0] = template // copy k is actorIDs[k]; the template is copy 0
	if s.keep {
		text := strconv.Itoa(n) + "\n" + strings.Join(actorIDs, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(s.dir, scaleIDsFile), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	return actorIDs, nil
}

// scaleIDsFile, in a kept data dir, holds the number of executions loaded
// and then the loaded actors' ids, one a line, the template's first.
const scaleIDsFile = "scale-ids"

// keptLoad returns the actor ids of a load kept in the server's data dir,
// or nil when there is none. A kept dir without one (a load that failed)
// or with a load of another size is an error: the database would hold
// duplicates.
func keptLoad(s *server, n int) ([]string, error) {
	if !s.keep {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(s.dir, scaleIDsFile))
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(s.dir, "abaco-bench-loading")); err == nil {
			return nil, fmt.Errorf("%s holds a load that did not finish: remove it (and for PostgreSQL the schema named in its postgres-schema)", s.dir)
		}
		return nil, os.WriteFile(filepath.Join(s.dir, "abaco-bench-loading"), nil, 0o644)
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Fields(string(b))
	if len(lines) < 3 || lines[0] != strconv.Itoa(n) {
		return nil, fmt.Errorf("%s holds a load of another size than -n %d: use another -keep directory", s.dir, n)
	}
	return lines[1:], nil
}

// answers reports whether GET path answers 200.
func (s *server) answers(ctx context.Context, path, token string) bool {
	return s.get(ctx, path, token) == nil
}

// get reads path as the token's user and fails on a non-200 answer.
func (s *server) get(ctx context.Context, path, token string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", s.url(path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Tapis-Token", token)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b strings.Builder
		copyBody(&b, resp)
		return fmt.Errorf("GET %s: %d %.300s", path, resp.StatusCode, b.String())
	}
	// Read to the end, so the connection is reused, without keeping it:
	// the client shares the server's cores, and growing a builder to the
	// size of a list of 100 actors cost it a copy of the body or two.
	_, err = copyBody(io.Discard, resp)
	return err
}

// bulkLoad copies the template actor nActors-1 times (copy k gets a fresh
// real id, returned as ids[k], and owner user(k%100) with an owner
// permission) and the template's one message n times as finished executions
// with logs, spread round-robin over the copies. It writes SQL straight to
// the database: going through the API would take longer than the
// measurement by far.
func bulkLoad(ctx context.Context, d *database, template string, nActors, n int) ([]string, error) {
	driver := "sqlite"
	if d.kind == "postgres" {
		driver = "postgres"
	}
	db, err := sql.Open(driver, d.url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// A numbers table makes the copies one INSERT … SELECT each on both
	// dialects.
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_numbers (i BIGINT PRIMARY KEY)`); err != nil {
		return nil, err
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_numbers`)
	count := max(n, nActors)
	for lo := 0; lo < count; lo += 50000 {
		hi := min(count, lo+50000) - 1
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO bench_numbers (i)
			WITH RECURSIVE s(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s`, lo, hi)); err != nil {
			return nil, err
		}
	}
	// Actor ids must be real ids (an identifier that is not one is taken
	// for an alias), and SQL cannot make them: a table maps k to its id.
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_ids (i BIGINT PRIMARY KEY, id TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_ids`)
	ids := make([]string, nActors)
	for lo := 1; lo < nActors; lo += 1000 {
		var values []string
		for k := lo; k < min(nActors, lo+1000); k++ {
			ids[k] = abaco.NewID()
			values = append(values, fmt.Sprintf("(%d, '%s')", k, ids[k]))
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO bench_ids (i, id) VALUES `+strings.Join(values, ", ")); err != nil {
			return nil, err
		}
	}
	t := quote(template)
	stmts := []string{
		`INSERT INTO actors (tenant, id, owner, name, image, description, stateless, privileged, type, link,
			webhook, token, hints, default_environment, max_workers, mem_limit, max_cpus, use_container_uid,
			run_as_executor, queue, revision, status, status_message, state, log_ex, cron_schedule, cron_on,
			cron_next_ex, create_time, last_update_time)
		SELECT a.tenant, b.id, 'user' || CAST(n.i % ` + strconv.Itoa(scaleUsers) + ` AS TEXT),
			a.name || CAST(n.i AS TEXT), a.image, a.description, a.stateless, a.privileged, a.type, a.link,
			a.webhook, a.token, a.hints, a.default_environment, a.max_workers, a.mem_limit, a.max_cpus, a.use_container_uid,
			a.run_as_executor, a.queue, a.revision, 'READY', a.status_message, a.state, a.log_ex, a.cron_schedule, a.cron_on,
			a.cron_next_ex, a.create_time + n.i, a.last_update_time
		FROM actors a, bench_numbers n, bench_ids b WHERE a.id = ` + t + ` AND b.i = n.i AND n.i BETWEEN 1 AND ` + strconv.Itoa(nActors-1),
		`INSERT INTO permissions (tenant, kind, resource, username, level)
		SELECT tenant, 'actor', id, owner, 3 FROM actors WHERE id IN (SELECT id FROM bench_ids)`,
	}
	// PostgreSQL stores the search document of a final execution when it
	// finishes (storage migration 0012): the loaded ones get theirs here.
	docColumn, doc := "", ""
	if d.kind == "postgres" {
		docColumn = ", search_doc"
		doc = ", " + storage.ExecutionSearchDocSQL(`'e' || CAST(n.i AS TEXT)`, "b.id", "e.executor", "'COMPLETE'", "NULL", "'{}'")
	}
	for lo := 0; lo < n; lo += 100000 {
		hi := min(n, lo+100000) - 1
		rng := fmt.Sprintf(" AND n.i BETWEEN %d AND %d", lo, hi)
		actor := `b.id`
		join := ` AND b.i = 1 + n.i % ` + strconv.Itoa(nActors-1)
		stmts = append(stmts,
			`INSERT INTO executions (id, tenant, actor_id, executor, username, status, message, content_type, env,
				api_server, message_received_time, start_time, finish_time, runtime, cpu, io, exit_code, final_state`+docColumn+`)
			SELECT 'e' || CAST(n.i AS TEXT), e.tenant, `+actor+`, e.executor, e.username, 'COMPLETE', e.message,
				e.content_type, e.env, e.api_server, e.message_received_time + n.i, e.message_received_time + n.i + 5,
				e.message_received_time + n.i + 105, 0, 1000000, 0, 0, '{}'`+doc+`
			FROM executions e, bench_numbers n, bench_ids b WHERE e.actor_id = `+t+join+rng,
			`INSERT INTO logs (execution_id, tenant, actor_id, text, expires_at)
			SELECT 'e' || CAST(n.i AS TEXT), e.tenant, `+actor+`,
				'Number of words is: ' || CAST(n.i % 1000 AS TEXT) || ' words counted by bench', NULL
			FROM executions e, bench_numbers n, bench_ids b WHERE e.actor_id = `+t+join+rng)
	}
	// Statistics for the planners, and on PostgreSQL the vacuum that its
	// autovacuum would otherwise start on the million new rows while the
	// reads are measured: the measurement is of a database at rest.
	if d.kind == "postgres" {
		stmts = append(stmts, `VACUUM ANALYZE`)
	} else {
		stmts = append(stmts, `ANALYZE`)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%w\n%s", err, q)
		}
	}
	return ids, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
