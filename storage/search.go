package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/search"
)

// Searches are the one place where SQL is assembled at run time: the
// filters of a query become WHERE conditions. Only whitelisted field names
// (search.Fields) reach the text, through the fixed column map below; every
// value, JSON key and full-text term is a bound parameter.

// searchTable describes one searchable collection.
type searchTable struct {
	coll    search.Collection
	from    string // the table, aliased t
	columns string // the select list
	order   string // the default order
	// orderAll is the same order written so that no index provides it;
	// see searchPage.
	orderAll string
	fts      string // the SQLite FTS5 table
	actor    string // the column of t holding the actor id
	exec     string // the column of t holding the execution id, if any
}

func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// executionSearchColumns leaves out the message and its environment, which
// search results never show (a message may be 64 MiB).
const executionSearchColumns = `id, tenant, actor_id, executor, username, status, worker_id,
	content_type, api_server, message_received_time, start_time, finish_time, runtime, cpu,
	io, exit_code, final_state, halt_requested, executor_uid, executor_gid`

var searchTables = map[search.Collection]searchTable{
	search.Actors: {
		coll: search.Actors, from: `actors t`, columns: prefixed("t", actorColumns),
		order: `t.create_time, t.id`, orderAll: `t.create_time, t.id`, fts: "actors_fts", actor: "id",
	},
	search.Executions: {
		coll: search.Executions, from: `executions t`,
		columns: prefixed("t", executionSearchColumns) + `, '{}' AS env, ` + actorOwner,
		order:   `t.seq`, orderAll: `t.seq + 0`, fts: "executions_fts", actor: "actor_id", exec: "id",
	},
	search.Workers: {
		coll: search.Workers, from: `workers t`, columns: prefixed("t", workerColumns),
		order: `t.create_time, t.id`, orderAll: `t.create_time, t.id`, fts: "workers_fts", actor: "actor_id",
	},
	search.Logs: {
		coll: search.Logs, from: `logs t`,
		columns: `t.execution_id, t.tenant, t.actor_id, t.text, t.expires_at, ` + actorOwner,
		order:   `t.execution_id`, orderAll: `t.execution_id || ''`, fts: "logs_fts", actor: "actor_id", exec: "execution_id",
	},
}

// actorOwner selects the owner of a result's actor, for its links; it is
// evaluated for the rows of the page only.
const actorOwner = `(SELECT a.owner FROM actors a WHERE a.tenant = t.tenant AND a.id = t.actor_id) AS actor_owner`

// column maps a whitelisted field to its column; logs show their text as "logs".
func column(c search.Collection, field string) string {
	if c == search.Logs && field == "logs" {
		return "t.text"
	}
	return "t." + field
}

// sqlBuilder collects SQL text and its arguments, with ? placeholders.
type sqlBuilder struct {
	postgres bool
	b        strings.Builder
	args     []any
}

func (w *sqlBuilder) add(sql string, args ...any) {
	w.b.WriteString(sql)
	w.args = append(w.args, args...)
}

// searchSQL builds the count and page queries of p on table.
// With few, the page is ordered by orderAll. A filter on an indexed
// column (start_time) that matches the newest rows only would otherwise
// tempt the planner to walk the order's index from the oldest row and
// filter a million rows on the way; sorting a few thousand matches found
// through the filter's index is cheap.
func (s *Store) searchSQL(table searchTable, p abaco.SearchParams, few bool) (count, page string, countArgs, pageArgs []any, err error) {
	q := p.Query
	pg := s.dialect == Postgres
	where := &sqlBuilder{postgres: pg}
	// Only the caller's tenant and the actors the caller may read; admins
	// get no bypass in search (reference §16). Other collections filter on
	// that set of actors, computed once, not row by row.
	visible := "t.id"
	if table.coll != search.Actors {
		visible = "t.actor_id"
	}
	where.add(` WHERE t.tenant = ? AND `+visible+` IN (`+readableActorIDs+`)`,
		append([]any{p.Tenant}, readableArgs(p.Tenant, p.User)...)...)
	if p.ActorID != "" {
		where.add(` AND t.`+table.actor+` = ?`, p.ActorID)
	}
	if p.ExecutionID != "" {
		if table.exec == "" {
			return "", "", nil, nil, fmt.Errorf("%s have no execution id", table.coll)
		}
		where.add(` AND t.`+table.exec+` = ?`, p.ExecutionID)
	}
	from := ` FROM ` + table.from
	var rank string
	var rankArgs []any
	if q.FullText() {
		if pg {
			tsq, tsqArgs := tsQuery(q)
			where.add(` AND t.search_doc @@ `+tsq, tsqArgs...)
			rank, rankArgs = `ts_rank(t.search_doc, `+tsq+`) DESC, `, tsqArgs
		} else {
			rowid := "rowid"
			if table.coll == search.Executions {
				rowid = "seq"
			}
			from += ` JOIN ` + table.fts + ` ON ` + table.fts + `.rowid = t.` + rowid
			where.add(` AND `+table.fts+` MATCH ?`, ftsQuery(q))
			rank = `bm25(` + table.fts + `), `
		}
	}
	for i := range q.Filters {
		where.add(` AND `)
		if err := filterSQL(where, table.coll, &q.Filters[i]); err != nil {
			return "", "", nil, nil, err
		}
	}
	count = `SELECT COUNT(*)` + from + where.b.String()
	order := table.order
	if few {
		order = table.orderAll
	}
	page = `SELECT ` + table.columns + from + where.b.String() +
		` ORDER BY ` + rank + order + ` LIMIT ? OFFSET ?`
	countArgs = where.args
	pageArgs = append(append(append([]any{}, where.args...), rankArgs...), q.Limit, q.Skip)
	if pg {
		count, page = sqlx.Rebind(sqlx.DOLLAR, count), sqlx.Rebind(sqlx.DOLLAR, page)
	}
	return count, page, countArgs, pageArgs, nil
}

// tsQuery is the PostgreSQL query of the full-text part: any of the terms,
// and every phrase. Slashes become spaces, as in the indexed text, so that
// alice/wordcount is two words (the default parser would read a path).
func tsQuery(q *search.Query) (string, []any) {
	var parts []string
	var args []any
	if len(q.Terms) > 0 {
		terms := make([]string, len(q.Terms))
		for i, t := range q.Terms {
			terms[i] = `plainto_tsquery('english', translate(?, '/', ' '))`
			args = append(args, t)
		}
		parts = append(parts, `(`+strings.Join(terms, ` || `)+`)`)
	}
	for _, ph := range q.Phrases {
		parts = append(parts, `phraseto_tsquery('english', translate(?, '/', ' '))`)
		args = append(args, ph)
	}
	return `(` + strings.Join(parts, ` && `) + `)`, args
}

// ftsQuery is the FTS5 query of the full-text part. Every term and phrase
// is a quoted FTS5 string, so no user text is read as query syntax.
func ftsQuery(q *search.Query) string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var parts []string
	if len(q.Terms) > 0 {
		terms := make([]string, len(q.Terms))
		for i, t := range q.Terms {
			terms[i] = quote(t)
		}
		parts = append(parts, `(`+strings.Join(terms, ` OR `)+`)`)
	}
	for _, ph := range q.Phrases {
		parts = append(parts, quote(ph))
	}
	return strings.Join(parts, ` AND `)
}

// fewMatches is the number of matches up to which a page is sorted from
// the matches rather than read in index order (see searchSQL).
const fewMatches = 20000

// searchPage runs a search's two queries: the total, then, if the page is
// not past the end, the page into dest.
func (s *Store) searchPage(ctx context.Context, coll search.Collection, p abaco.SearchParams, dest any) (int, error) {
	count, _, countArgs, _, err := s.searchSQL(searchTables[coll], p, false)
	if err != nil {
		return 0, err
	}
	var total int
	if err := s.db.GetContext(ctx, &total, count, countArgs...); err != nil {
		return 0, searchError(err)
	}
	if total <= p.Query.Skip || p.Query.Limit == 0 {
		return total, nil
	}
	_, page, _, pageArgs, err := s.searchSQL(searchTables[coll], p, total <= fewMatches)
	if err != nil {
		return 0, err
	}
	if err := s.db.SelectContext(ctx, dest, page, pageArgs...); err != nil {
		return 0, searchError(err)
	}
	return total, nil
}

// searchError turns a regular expression PostgreSQL refuses (its syntax
// differs a little from Go's, which the parser checked) into bad input.
func searchError(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "2201B" {
		return abaco.Wrap(abaco.Invalid, err, "Invalid search: %s", pe.Message)
	}
	return err
}

// SearchActors returns one page of the actors matching p.Query.
func (s *Store) SearchActors(ctx context.Context, p abaco.SearchParams) ([]*abaco.Actor, int, error) {
	var rows []actorRow
	total, err := s.searchPage(ctx, search.Actors, p, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search actors: %w", err)
	}
	out := make([]*abaco.Actor, 0, len(rows))
	for i := range rows {
		a, err := rows[i].actor()
		if err != nil {
			return nil, 0, fmt.Errorf("search actors: %w", err)
		}
		out = append(out, a)
	}
	return out, total, nil
}

// SearchExecutions returns one page of the executions matching p.Query,
// without their messages.
func (s *Store) SearchExecutions(ctx context.Context, p abaco.SearchParams) ([]abaco.ExecutionHit, int, error) {
	var rows []struct {
		executionRow
		ActorOwner  string `db:"actor_owner"`
		ExecutorUID *int   `db:"executor_uid"`
		ExecutorGID *int   `db:"executor_gid"`
	}
	total, err := s.searchPage(ctx, search.Executions, p, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search executions: %w", err)
	}
	out := make([]abaco.ExecutionHit, 0, len(rows))
	for i := range rows {
		e, err := rows[i].execution()
		if err != nil {
			return nil, 0, fmt.Errorf("search executions: %w", err)
		}
		out = append(out, abaco.ExecutionHit{Execution: e, ActorOwner: rows[i].ActorOwner,
			ExecutorUID: rows[i].ExecutorUID, ExecutorGID: rows[i].ExecutorGID})
	}
	return out, total, nil
}

// SearchWorkers returns one page of the workers matching p.Query.
func (s *Store) SearchWorkers(ctx context.Context, p abaco.SearchParams) ([]*abaco.Worker, int, error) {
	var rows []workerRow
	total, err := s.searchPage(ctx, search.Workers, p, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search workers: %w", err)
	}
	out := make([]*abaco.Worker, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].worker())
	}
	return out, total, nil
}

// SearchLogs returns one page of the logs matching p.Query.
func (s *Store) SearchLogs(ctx context.Context, p abaco.SearchParams) ([]abaco.LogHit, int, error) {
	var rows []struct {
		logRow
		ActorOwner string `db:"actor_owner"`
	}
	total, err := s.searchPage(ctx, search.Logs, p, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search logs: %w", err)
	}
	out := make([]abaco.LogHit, 0, len(rows))
	for i := range rows {
		r := rows[i].logRow
		out = append(out, abaco.LogHit{ActorOwner: rows[i].ActorOwner, Log: &abaco.Log{
			ExecutionID: r.ExecutionID, Tenant: r.Tenant, ActorID: r.ActorID, Text: r.Text,
			ExpiresAt: fromMsec(r.ExpiresAt),
		}})
	}
	return out, total, nil
}
