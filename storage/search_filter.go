package storage

import (
	"fmt"
	"strings"

	"github.com/abaco-hpc/abaco/search"
)

// filterSQL writes one filter. Negative operators (neq, nin, nlike) are
// NOT COALESCE(positive, FALSE), so that they match a missing or null field
// as Mongo's $ne, $nin and $not do. Positive ones are left bare, where a
// NULL excludes the row just as FALSE does, so that indexes on the column
// apply.
func filterSQL(w *sqlBuilder, coll search.Collection, f *search.Filter) error {
	col := column(coll, f.Field)
	if f.Op.Negative() {
		w.add(`NOT COALESCE(`)
	}
	w.add(`(`)
	op := f.Op.Positive()
	switch f.Type {
	case search.JSON:
		j := jsonField{w: w, col: col, path: f.Path}
		anyOf(w, op, f.Values, func(cmp string, v search.Value) { j.compare(cmp, v) })
	case search.List:
		if w.postgres {
			d := `CAST(` + col + ` AS jsonb)`
			w.add(`EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(` + d +
				`) = 'array' THEN ` + d + ` ELSE CAST('[]' AS jsonb) END) AS e(value) WHERE `)
		} else {
			w.add(`EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type(` + col + `) = 'array' THEN ` + col +
				` ELSE '[]' END) e WHERE `)
		}
		anyOf(w, op, f.Values, func(cmp string, v search.Value) { scalar(w, `e.value`, cmp, v) })
		w.add(`)`)
	default:
		anyOf(w, op, f.Values, func(cmp string, v search.Value) { scalar(w, col, cmp, v) })
	}
	w.add(`)`)
	if f.Op.Negative() {
		w.add(`, FALSE)`)
	}
	return nil
}

// comparisons maps positive operators to SQL comparisons; like is "~".
var comparisons = map[search.Op]string{search.Eq: "=", search.In: "=", search.Gt: ">",
	search.Gte: ">=", search.Lt: "<", search.Lte: "<=", search.Like: "~"}

// anyOf writes op over values with one(cmp, value): in is any of the
// values (none is FALSE), between is >= the first and <= the second.
func anyOf(w *sqlBuilder, op search.Op, vals []search.Value, one func(cmp string, v search.Value)) {
	switch op {
	case search.Between:
		w.add(`(`)
		one(">=", vals[0])
		w.add(` AND `)
		one("<=", vals[1])
		w.add(`)`)
	case search.In:
		if len(vals) == 0 {
			w.add(`FALSE`)
			return
		}
		w.add(`(`)
		for i, v := range vals {
			if i > 0 {
				w.add(` OR `)
			}
			one("=", v)
		}
		w.add(`)`)
	default:
		one(comparisons[op], vals[0])
	}
}

// scalar compares a column (or list element) with one value.
func scalar(w *sqlBuilder, x, cmp string, v search.Value) {
	switch {
	case v.Kind == search.KindNull && cmp == "=":
		w.add(x + ` IS NULL`)
	case v.Kind == search.KindNull:
		w.add(`FALSE`)
	case cmp == "~":
		w.add(x+` `+w.regexOp()+` ?`, v.Str)
	default:
		ph, arg := w.bind(v)
		w.add(x+` `+cmp+` `+ph, arg)
	}
}

func (w *sqlBuilder) regexOp() string {
	if w.postgres {
		return "~"
	}
	return "REGEXP"
}

// bind returns the placeholder and argument of a value: times as the
// stored Unix milliseconds, whole numbers as integers (so that integer
// indexes apply), other numbers as floats.
func (w *sqlBuilder) bind(v search.Value) (string, any) {
	switch v.Kind {
	case search.KindTime:
		return "?", v.Time.UnixMilli()
	case search.KindNumber:
		if v.IsInt() {
			return "?", int64(v.Num)
		}
		return "CAST(? AS DOUBLE PRECISION)", v.Num
	case search.KindBool:
		return "?", v.Bool
	}
	return "?", v.Str
}

// jsonField compares a key inside a JSON text column, by the type of the
// value found there (a number never equals a string, as in Mongo). CASE
// guards every conversion, so odd documents make a row not match rather
// than fail the query.
type jsonField struct {
	w    *sqlBuilder
	col  string
	path []string
}

// typ writes the JSON type of the value at the path (NULL when missing).
func (j jsonField) typ() {
	if j.w.postgres {
		j.w.add(`jsonb_typeof(jsonb_extract_path(CAST(`+j.col+` AS jsonb), `+j.keys()+`))`, j.keyArgs()...)
		return
	}
	j.w.add(`json_type(`+j.col+`, ?)`, j.sqlitePath())
}

// val writes the SQL value at the path: text for strings.
func (j jsonField) val() {
	if j.w.postgres {
		j.w.add(`jsonb_extract_path_text(CAST(`+j.col+` AS jsonb), `+j.keys()+`)`, j.keyArgs()...)
		return
	}
	j.w.add(`json_extract(`+j.col+`, ?)`, j.sqlitePath())
}

func (j jsonField) keys() string { return strings.TrimSuffix(strings.Repeat("?, ", len(j.path)), ", ") }

func (j jsonField) keyArgs() []any {
	args := make([]any, len(j.path))
	for i, k := range j.path {
		args[i] = k
	}
	return args
}

// sqlitePath is a JSON path with every key quoted; the parser allows only
// letters, digits, '_' and '-' in keys.
func (j jsonField) sqlitePath() string { return `$."` + strings.Join(j.path, `"."`) + `"` }

func (j jsonField) isType(names ...string) {
	j.typ()
	j.w.add(` IN ('` + strings.Join(names, `', '`) + `')`)
}

func (j jsonField) compare(cmp string, v search.Value) {
	w := j.w
	str, num := []string{"text"}, []string{"integer", "real"}
	if w.postgres {
		str, num = []string{"string"}, []string{"number"}
	}
	switch v.Kind {
	case search.KindNull:
		if cmp != "=" {
			w.add(`FALSE`)
			return
		}
		w.add(`(`)
		j.typ()
		w.add(` IS NULL OR `)
		j.isType("null")
		w.add(`)`)
	case search.KindBool:
		if cmp != "=" {
			w.add(`FALSE`)
			return
		}
		if !w.postgres {
			j.isType(fmt.Sprint(v.Bool))
			return
		}
		w.add(`CASE WHEN `)
		j.isType("boolean")
		w.add(` THEN `)
		j.val()
		w.add(` = ? END`, fmt.Sprint(v.Bool))
	case search.KindNumber:
		w.add(`CASE WHEN `)
		j.isType(num...)
		w.add(` THEN CAST(`)
		j.val()
		w.add(` AS DOUBLE PRECISION) `+cmp+` CAST(? AS DOUBLE PRECISION) END`, v.Num)
	case search.KindTime:
		// Times inside JSON are RFC 3339 text in UTC (Docker's StartedAt);
		// their fractions vary in length, so both sides are compared as
		// seconds followed by nine fraction digits.
		w.add(`CASE WHEN `)
		j.isType(str...)
		w.add(` THEN substr(`)
		j.val()
		w.add(`, 1, 19) || substr(CASE WHEN substr(`)
		j.val()
		w.add(`, 20, 1) = '.' THEN replace(substr(`)
		j.val()
		w.add(`, 21), 'Z', '') ELSE '' END || '000000000', 1, 9) `+cmp+` ? END`,
			v.Time.Format("2006-01-02T15:04:05")+fmt.Sprintf("%09d", v.Time.Nanosecond()))
	default:
		w.add(`CASE WHEN `)
		j.isType(str...)
		w.add(` THEN `)
		j.val()
		if cmp == "~" {
			cmp = w.regexOp()
		}
		w.add(` `+cmp+` ? END`, v.Str)
	}
}
