package storage

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
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
	table   string // the table's name
	columns string // the select list, from the table aliased t
	order   string // the default order
	// orderAll is the same order written so that no index provides it;
	// see searchSQL.page.
	orderAll string
	// newest is the order of full-text results when more than rankLimit
	// match: newest first. newestAll is the same written so that no index
	// provides it (the page must be sorted from the matches, never found by
	// walking an index of the whole table and filtering).
	newest, newestAll string
	key               []string // the columns that identify a row
	fts               string   // the SQLite FTS5 table
	actor             string   // the column of t holding the actor id
	exec              string   // the column of t holding the execution id, if any
	source            string   // what searches read instead of table, if not "" (PostgreSQL's logs: logsSearched)
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
		coll: search.Actors, table: "actors", columns: prefixed("t", actorColumns),
		order: `t.create_time, t.id`, orderAll: `t.create_time, t.id`,
		newest: `t.create_time DESC, t.id DESC`, newestAll: `t.create_time + 0 DESC, t.id || '' DESC`,
		key: []string{"tenant", "id"}, fts: "actors_fts", actor: "id",
	},
	search.Executions: {
		coll: search.Executions, table: "executions",
		columns: prefixed("t", executionSearchColumns) + `, '{}' AS env, ` + actorOwner,
		order:   `t.seq`, orderAll: `t.seq + 0`, newest: `t.seq DESC`, newestAll: `t.seq + 0 DESC`,
		key: []string{"seq"}, fts: "executions_fts", actor: "actor_id", exec: "id",
	},
	search.Workers: {
		coll: search.Workers, table: "workers", columns: prefixed("t", workerColumns),
		order: `t.create_time, t.id`, orderAll: `t.create_time, t.id`,
		newest: `t.create_time DESC, t.id DESC`, newestAll: `t.create_time + 0 DESC, t.id || '' DESC`,
		key: []string{"tenant", "actor_id", "id"}, fts: "workers_fts", actor: "actor_id",
	},
	search.Logs: {
		coll: search.Logs, table: "logs",
		columns: logSearchColumns,
		order:   `t.execution_id`, orderAll: `t.execution_id || ''`,
		// Logs in the order they were stored: their rowids on SQLite, seq
		// on PostgreSQL (searchTable replaces these there).
		newest: `t.rowid DESC`, newestAll: `t.rowid + 0 DESC`,
		key: []string{"execution_id"}, fts: "logs_fts", actor: "actor_id", exec: "execution_id",
	},
}

// searchTable returns the description of coll for the store's dialect.
func (s *Store) searchTable(coll search.Collection) searchTable {
	t := searchTables[coll]
	if coll == search.Logs && s.dialect == Postgres {
		t.newest, t.newestAll = `t.seq DESC`, `t.seq + 0 DESC`
		if !s.logsInTable {
			t.source = logsSearched
		}
	}
	return t
}

// logsSearched is, on PostgreSQL, the logs as searches read them: short
// ones (at most 256 bytes of text) and long ones apart, so that each part
// uses its partial index (migration 0013, whose predicates these must
// repeat word for word). A full-text search of short logs is then an
// index-only scan of logs_short_search, which holds their documents,
// instead of a heap page read per log of the caller's actors. Conditions
// on it reach both parts, as for executionsSearched.
const logsSearched = `(SELECT seq, execution_id, tenant, actor_id, text, expires_at, search_doc
	FROM logs WHERE octet_length(text) <= 256
	UNION ALL SELECT seq, execution_id, tenant, actor_id, text, expires_at, search_doc
	FROM logs WHERE octet_length(text) > 256)`

// ExecutionSearchDocSQL is the SQL of an execution's search document from
// SQL expressions of its fields. PostgreSQL stores it when an execution
// becomes final (migration 0012 has the same expression); the scale bench
// uses it for the executions it loads straight into the database.
func ExecutionSearchDocSQL(id, actorID, executor, status, workerID, finalState string) string {
	return `to_tsvector('english', translate(` + id + ` || ' ' || ` + actorID + ` || ' ' || ` + executor +
		` || ' ' || ` + status + ` || ' ' || coalesce(` + workerID + `, '') || ' ' || coalesce(` + finalState +
		`, ''), '/', ' '))`
}

// executionSearchDocOf is the search document of the execution row called
// row, with the status and final state given as SQL expressions (the new
// values, in the statement that finishes it).
func executionSearchDocOf(row, status, finalState string) string {
	return ExecutionSearchDocSQL(row+".id", row+".actor_id", row+".executor", status, row+".worker_id", finalState)
}

// executionSearchDoc is the search document of the execution row x.
var executionSearchDoc = executionSearchDocOf("x", "x.status", "x.final_state")

// executionsSearched is, on PostgreSQL, the executions with their search
// documents: stored (and GIN-indexed) for final executions, computed for
// the unfinished ones, which executions_unfinished finds. Conditions on it
// reach both parts, so a full-text query uses both indexes.
var executionsSearched = `(SELECT seq, ` + executionColumns + `, executor_uid, executor_gid, search_doc
	FROM executions WHERE search_doc IS NOT NULL
	UNION ALL SELECT seq, ` + qualified("x", executionColumns) + `, x.executor_uid, x.executor_gid, ` + executionSearchDoc + `
	FROM executions x WHERE x.search_doc IS NULL)`

// logSearchColumns is the select list of logs found by a search.
const logSearchColumns = `t.execution_id, t.tenant, t.actor_id, t.text, t.expires_at, ` + actorOwner

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

// searchSQL is a search's FROM and WHERE clauses, and for a full-text
// query the relevance order; each with its arguments, ? placeholders.
type searchSQL struct {
	postgres bool
	table    searchTable
	from     string
	where    *sqlBuilder
	rank     string // "" or the relevance order, best first, with a trailing ", "
	rankArgs []any
}

// newSearchSQL builds the clauses of p on table. scope, for a full-text
// search of logs on SQLite, holds the FTS5 scope tokens of the actors the
// caller may read (see ftsScope); nil means unscoped.
func (s *Store) newSearchSQL(table searchTable, p abaco.SearchParams, scope []string) (*searchSQL, error) {
	q := p.Query
	pg := s.dialect == Postgres
	where := &sqlBuilder{postgres: pg}
	// Only the caller's tenant and the actors the caller may read; admins
	// get no bypass in search (reference §16). Other collections filter on
	// that set of actors, computed once, not row by row. PostgreSQL is given
	// the set as an array for full-text queries: with the IN form it could
	// plan to walk an index of the whole table and test each row against the
	// set, which takes seconds when the caller reads few of the actors.
	visible := "t.id"
	if table.coll != search.Actors {
		visible = "t.actor_id"
	}
	if pg && q.FullText() {
		where.add(` WHERE t.tenant = ? AND `+visible+` = ANY(ARRAY(`+readableActorIDs+`))`,
			append([]any{p.Tenant}, readableArgs(p.Tenant, p.User)...)...)
	} else {
		where.add(` WHERE t.tenant = ? AND `+visible+` IN (`+readableActorIDs+`)`,
			append([]any{p.Tenant}, readableArgs(p.Tenant, p.User)...)...)
	}
	if p.ActorID != "" {
		where.add(` AND t.`+table.actor+` = ?`, p.ActorID)
	}
	if p.ExecutionID != "" {
		if table.exec == "" {
			return nil, fmt.Errorf("%s have no execution id", table.coll)
		}
		where.add(` AND t.`+table.exec+` = ?`, p.ExecutionID)
	}
	source := table.table
	if table.source != "" {
		source = table.source
	}
	sq := &searchSQL{postgres: pg, table: table, from: ` FROM ` + source + ` t`, where: where}
	if q.FullText() {
		if pg {
			if table.coll == search.Executions {
				sq.from = ` FROM ` + executionsSearched + ` t`
			}
			tsq, tsqArgs := tsQuery(q)
			where.add(` AND t.search_doc @@ `+tsq, tsqArgs...)
			sq.rank, sq.rankArgs = `ts_rank(t.search_doc, `+tsq+`) DESC, `, tsqArgs
		} else {
			rowid := "rowid"
			if table.coll == search.Executions {
				rowid = "seq"
			}
			sq.from += ` JOIN ` + table.fts + ` ON ` + table.fts + `.rowid = t.` + rowid
			where.add(` AND `+table.fts+` MATCH ?`, ftsMatch(table, q, scope))
			sq.rank = ftsRank(table) + `, `
		}
	}
	for i := range q.Filters {
		where.add(` AND `)
		if err := filterSQL(where, table.coll, &q.Filters[i]); err != nil {
			return nil, err
		}
	}
	return sq, nil
}

// rebind turns ? placeholders into the dialect's.
func (sq *searchSQL) rebind(sql string) string {
	if sq.postgres {
		return sqlx.Rebind(sqlx.DOLLAR, sql)
	}
	return sql
}

// count is the query of the number of matches.
func (sq *searchSQL) count() (string, []any) {
	return sq.rebind(`SELECT COUNT(*)` + sq.from + sq.where.b.String()), sq.where.args
}

// page is the query of one page in the default order, best first for a
// full-text query. With few, the page is ordered by orderAll. A filter on
// an indexed column (start_time) that matches the newest rows only would
// otherwise tempt the planner to walk the order's index from the oldest
// row and filter a million rows on the way; sorting a few thousand matches
// found through the filter's index is cheap.
func (sq *searchSQL) page(q *search.Query, few bool) (string, []any) {
	order := sq.table.order
	if few {
		order = sq.table.orderAll
	}
	sql := `SELECT ` + sq.table.columns + sq.from + sq.where.b.String() +
		` ORDER BY ` + sq.rank + order + ` LIMIT ? OFFSET ?`
	args := append(append(append([]any{}, sq.where.args...), sq.rankArgs...), q.Limit, q.Skip)
	return sq.rebind(sql), args
}

// newestPage is the query of one page of the matches newest first, each
// row with the number of all matches as search_total: one pass over the
// matches, which the window count must see anyway. Only the keys of the
// matches are kept and sorted; the page's rows are read back by key.
func (sq *searchSQL) newestPage(q *search.Query) (string, []any) {
	keys, join := make([]string, len(sq.table.key)), make([]string, len(sq.table.key))
	for i, k := range sq.table.key {
		keys[i] = fmt.Sprintf("t.%s AS k%d", k, i)
		join[i] = fmt.Sprintf("t.%s = k.k%d", k, i)
	}
	sql := `SELECT ` + sq.table.columns + `, k.search_total FROM (SELECT ` + strings.Join(keys, ", ") +
		`, COUNT(*) OVER () AS search_total` + sq.from + sq.where.b.String() +
		` ORDER BY ` + sq.table.newestAll + ` LIMIT ? OFFSET ?) k JOIN ` + sq.table.table + ` t ON ` +
		strings.Join(join, " AND ") + ` ORDER BY ` + sq.table.newest
	args := append(append([]any{}, sq.where.args...), q.Limit, q.Skip)
	return sq.rebind(sql), args
}

// scopedLogs holds the queries of a full-text search of logs on SQLite that
// the FTS5 index answers alone: the scope tokens in the MATCH restrict it
// to the caller's actors, so no log is read but the page's. Their texts
// never change, so they run as cached prepared statements (see readSelect).
type scopedLogs struct {
	match string
	p     abaco.SearchParams
}

var (
	qScopedLogsCount = newQuery(`SELECT COUNT(*) FROM logs_fts WHERE logs_fts MATCH ?`)
	// The page read back from logs, its rows checked against the caller's
	// tenant and actors once more. The count is a query of its own: FTS5
	// walks the matches newest first and stops at the page's end, whereas
	// a window count over the same query had SQLite store every match.
	qScopedLogsPage = newDialectQuery(keepPlan(scopedLogsPage), scopedLogsPage)
)

const scopedLogsPage = `SELECT ` + logSearchColumns + `
	FROM (SELECT logs_fts.rowid AS k0 FROM logs_fts
		WHERE logs_fts MATCH ? ORDER BY logs_fts.rowid DESC LIMIT ? OFFSET ?) k
	JOIN logs t ON t.rowid = k.k0
	WHERE t.tenant = ? AND t.actor_id IN (` + readableActorIDs + `)
	ORDER BY t.rowid DESC`

func (sl scopedLogs) count() (query, []any) { return qScopedLogsCount, []any{sl.match} }

func (sl scopedLogs) newestPage(q *search.Query) (query, []any) {
	return qScopedLogsPage, append([]any{sl.match, q.Limit, q.Skip, sl.p.Tenant}, readableArgs(sl.p.Tenant, sl.p.User)...)
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

// ftsQuote makes s one FTS5 string, so that no user text is read as query
// syntax.
func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ftsQuery is the FTS5 query of the full-text part: any of the terms, and
// every phrase.
func ftsQuery(q *search.Query) string {
	var parts []string
	if len(q.Terms) > 0 {
		terms := make([]string, len(q.Terms))
		for i, t := range q.Terms {
			terms[i] = ftsQuote(t)
		}
		parts = append(parts, `(`+strings.Join(terms, ` OR `)+`)`)
	}
	for _, ph := range q.Phrases {
		parts = append(parts, ftsQuote(ph))
	}
	return strings.Join(parts, ` AND `)
}

// ftsMatch is the MATCH expression of q on table. The logs index has a
// scope column besides the text (migration 0009): terms must match the
// text only, and scope, when not nil, restricts the matches to those
// actors.
func ftsMatch(table searchTable, q *search.Query, scope []string) string {
	if table.coll != search.Logs {
		return ftsQuery(q)
	}
	m := `text : (` + ftsQuery(q) + `)`
	if scope != nil {
		quoted := make([]string, len(scope))
		for i, tok := range scope {
			quoted[i] = ftsQuote(tok)
		}
		m += ` AND scope : (` + strings.Join(quoted, ` OR `) + `)`
	}
	return m
}

// ftsRank is the FTS5 relevance order, best first. In the logs index only
// the text counts (the scope column weighs nothing).
func ftsRank(table searchTable) string {
	if table.coll == search.Logs {
		return `bm25(logs_fts, 1.0, 0.0)`
	}
	return `bm25(` + table.fts + `)`
}

// logScopeToken is the scope token of an actor's logs in the SQLite logs
// index; migration 0010's triggers compute the same text in SQL
// ('a' || hex(tenant) || 'x' || hex(actor_id) || 'x0').
func logScopeToken(tenant, actorID string) string {
	return "a" + scopeHex(tenant, actorID)
}

// logOwnerToken is the scope token of the logs of all the actors an owner
// owns in the SQLite logs index; migration 0010's triggers compute the same
// text in SQL ('o' || hex(tenant) || 'x' || hex(owner) || 'x0').
func logOwnerToken(tenant, owner string) string {
	return "o" + scopeHex(tenant, owner)
}

func scopeHex(tenant, name string) string {
	return strings.ToUpper(hex.EncodeToString([]byte(tenant))) + "x" +
		strings.ToUpper(hex.EncodeToString([]byte(name))) + "x0"
}

// maxScopeActors is the number of readable actors besides the caller's own
// up to which a log search on SQLite is scoped in the index. FTS5 merges
// the tokens' lists by visiting every list for each match: with 100 actors
// the scope answers a term found in every one of a million logs in about
// 15 ms, with 1,000 it is slower than reading the matches' logs.
const maxScopeActors = 200

// qReadableActorsOwned lists the actors the caller may read (readableActorIDs)
// and whether the caller owns each.
var qReadableActorsOwned = newDialectQuery(keepPlan(readableActorsOwned), readableActorsOwned)

const readableActorsOwned = `SELECT r.id, EXISTS (SELECT 1 FROM actors a
	WHERE a.tenant = ? AND a.id = r.id AND a.owner = ?) AS owned FROM (` + readableActorIDs + `) r`

// ftsScope returns the scope tokens of a full-text search of logs on
// SQLite: the caller's owner token, which stands for every actor the caller
// owns (all readable by their owner), and one token per other actor the
// caller may read; only p.ActorID's, if set and readable. It returns nil
// when the search is not scoped (another collection, PostgreSQL, or more
// than maxScopeActors other actors) and an empty scope when the caller reads
// no actor (or not p.ActorID).
func (s *Store) ftsScope(ctx context.Context, table searchTable, p abaco.SearchParams) ([]string, error) {
	if s.dialect != SQLite || table.coll != search.Logs || !p.Query.FullText() {
		return nil, nil
	}
	var rows []struct {
		ID    string `db:"id"`
		Owned bool   `db:"owned"`
	}
	args := append([]any{p.Tenant, p.User}, readableArgs(p.Tenant, p.User)...)
	if err := s.readSelect(ctx, &rows, qReadableActorsOwned, args...); err != nil {
		return nil, err
	}
	scope := []string{}
	if p.ActorID != "" {
		for _, r := range rows {
			if r.ID == p.ActorID {
				scope = append(scope, logScopeToken(p.Tenant, r.ID))
			}
		}
		return scope, nil
	}
	owned := false
	for _, r := range rows {
		if r.Owned {
			owned = true
		} else {
			scope = append(scope, logScopeToken(p.Tenant, r.ID))
		}
	}
	if len(scope) > maxScopeActors {
		return nil, nil
	}
	if owned {
		scope = append(scope, logOwnerToken(p.Tenant, p.User))
	}
	return scope, nil
}

// fewMatches is the number of matches up to which a page is sorted from
// the matches rather than read in index order (see searchSQL.page).
const fewMatches = 20000

// rankLimit is the number of full-text matches up to which results are
// ranked by relevance. Ranking needs every match (and, in FTS5, a pass over
// every occurrence of each term in the whole index), so a term found in a
// million logs took seconds; past rankLimit matches results come newest
// first, which a single pass over the matches answers.
const rankLimit = 1000

// searchPage runs a search and stores one page of it in dest, a pointer to
// a slice of rows; total reads the search_total column of dest's first row
// (-1 when dest is empty). It returns the number of matches.
func (s *Store) searchPage(ctx context.Context, coll search.Collection, p abaco.SearchParams, dest any, total func() int) (int, error) {
	table := s.searchTable(coll)
	q := p.Query
	scope, err := s.ftsScope(ctx, table, p)
	if err != nil {
		return 0, err
	}
	if scope != nil && len(scope) == 0 {
		return 0, nil // the caller reads none of the actors
	}
	sq, err := s.newSearchSQL(table, p, scope)
	if err != nil {
		return 0, err
	}
	// A query of the search: SQL assembled for it, or a declared query
	// (prepared), which runs as a cached prepared statement.
	type stmt struct {
		sql      string
		prepared query
		args     []any
	}
	built := func(sql string, args []any) stmt { return stmt{sql: sql, args: args} }
	count, newest := func() stmt { return built(sq.count()) }, func() stmt { return built(sq.newestPage(q)) }
	scoped := scope != nil && len(q.Filters) == 0 && p.ExecutionID == ""
	if scoped {
		sl := scopedLogs{match: ftsMatch(table, q, scope), p: p}
		count = func() stmt { q, args := sl.count(); return stmt{prepared: q, args: args} }
		newest = func() stmt { q, args := sl.newestPage(q); return stmt{prepared: q, args: args} }
	}
	run := func(get func() stmt, dest any) error {
		st := get()
		var err error
		if st.sql == "" {
			err = s.readSelect(ctx, dest, st.prepared, st.args...)
		} else {
			err = s.db.SelectContext(ctx, dest, st.sql, st.args...)
		}
		return searchError(err)
	}
	getCount := func() (int, error) {
		var n []int
		err := run(count, &n)
		if err != nil || len(n) == 0 {
			return 0, err
		}
		return n[0], nil
	}
	if !q.FullText() {
		n, err := getCount()
		if err != nil || n <= q.Skip || q.Limit == 0 {
			return n, err
		}
		return n, run(func() stmt { return built(sq.page(q, n <= fewMatches)) }, dest)
	}
	if q.Limit == 0 {
		return getCount()
	}
	var n int
	if scoped {
		// The count first, then the page newest first (see
		// scopedLogs.newestPage) unless few enough match to rank them.
		if n, err = getCount(); err != nil || n <= q.Skip {
			return n, err
		}
		if n > rankLimit {
			return n, run(newest, dest)
		}
	} else {
		if err := run(newest, dest); err != nil {
			return 0, err
		}
		n = total()
	}
	switch {
	case n < 0 && q.Skip == 0:
		return 0, nil
	case n < 0:
		return getCount() // past the last match
	case n > rankLimit:
		return n, nil
	}
	// Few enough to rank: the page again, best first.
	reflect.ValueOf(dest).Elem().SetLen(0)
	return n, run(func() stmt { return built(sq.page(q, true)) }, dest)
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

// searchTotal is the search_total column of a newest-first page (see
// searchSQL.newestPage); absent from other pages.
type searchTotal struct {
	Total int `db:"search_total"`
}

func (t searchTotal) total() int { return t.Total }

// firstTotal is the search_total of the first row, -1 without rows.
func firstTotal[R interface{ total() int }](rows []R) int {
	if len(rows) == 0 {
		return -1
	}
	return rows[0].total()
}

// SearchActors returns one page of the actors matching p.Query.
func (s *Store) SearchActors(ctx context.Context, p abaco.SearchParams) ([]*abaco.Actor, int, error) {
	var rows []struct {
		actorRow
		searchTotal
	}
	total, err := s.searchPage(ctx, search.Actors, p, &rows, func() int { return firstTotal(rows) })
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
		searchTotal
	}
	total, err := s.searchPage(ctx, search.Executions, p, &rows, func() int { return firstTotal(rows) })
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
	var rows []struct {
		workerRow
		searchTotal
	}
	total, err := s.searchPage(ctx, search.Workers, p, &rows, func() int { return firstTotal(rows) })
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
		searchTotal
	}
	total, err := s.searchPage(ctx, search.Logs, p, &rows, func() int { return firstTotal(rows) })
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
