// Package search turns the query parameters of an Abaco search
// (GET /actors/search/{collection}?status.in=["READY"]&create_time.gt=2020)
// into a typed Query: filters of field, operator and typed values, full-text
// terms and phrases, limit and skip. It knows the searchable fields of each
// collection and rejects anything else; it knows nothing of HTTP or SQL.
package search

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Op is a filter operator: the last dotted segment of a parameter name.
type Op string

// The operators of the user documentation; Eq is also plain field=value.
const (
	Eq      Op = "eq"
	Neq     Op = "neq"
	Gt      Op = "gt"
	Gte     Op = "gte"
	Lt      Op = "lt"
	Lte     Op = "lte"
	In      Op = "in"
	Nin     Op = "nin"
	Like    Op = "like"
	Nlike   Op = "nlike"
	Between Op = "between"
)

var ops = map[string]Op{"eq": Eq, "neq": Neq, "gt": Gt, "gte": Gte, "lt": Lt, "lte": Lte,
	"in": In, "nin": Nin, "like": Like, "nlike": Nlike, "between": Between}

// Negative reports whether the operator matches what its positive form
// does not match, including a missing or null field (as Mongo's $ne, $nin
// and $not do).
func (o Op) Negative() bool { return o == Neq || o == Nin || o == Nlike }

// Positive returns the operator a negative one negates (Neq → Eq), or o.
func (o Op) Positive() Op {
	switch o {
	case Neq:
		return Eq
	case Nin:
		return In
	case Nlike:
		return Like
	}
	return o
}

// Defaults and bounds of paging. The user documentation says 10 results by
// default (the reference code uses 100).
const (
	DefaultLimit = 10
	MaxLimit     = 1000
	MaxSkip      = 1 << 30
)

// Filter is one condition: Field (and, for JSON fields, Path inside it)
// compared by Op with Values. Values has one element, two for Between, and
// any number for In and Nin.
type Filter struct {
	Param  string   // the query parameter as given, for messages
	Field  string   // a whitelisted field of the collection
	Type   Type     // the field's type
	Path   []string // keys inside a JSON field; empty otherwise
	Op     Op
	Values []Value
}

// Query is a parsed search.
type Query struct {
	Filters []Filter
	// Terms are the words of search=; a record matches when any does, and
	// results are ranked by relevance (the store ranks up to 1,000 matches
	// and gives more newest first).
	Terms []string
	// Phrases are the values of exactsearch=; a record must contain each.
	Phrases []string
	Limit   int
	Skip    int
}

// FullText reports whether the query uses the full-text index.
func (q *Query) FullText() bool { return len(q.Terms) > 0 || len(q.Phrases) > 0 }

// Error is a parameter the parser rejects; the message names it.
type Error struct {
	Param string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

func fail(param, format string, args ...any) *Error {
	return &Error{Param: param, Msg: fmt.Sprintf("Invalid search parameter '%s': ", param) + fmt.Sprintf(format, args...)}
}

// keyPattern is what a key inside a JSON field may look like. It keeps
// the JSON paths built from keys free of quoting problems.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Ignored lists parameters that are not part of a search (authentication).
var Ignored = map[string]bool{"x-nonce": true}

// HasSearch reports whether the query string asks for a search: any
// parameter other than x-nonce.
func HasSearch(v url.Values) bool {
	for k := range v {
		if !Ignored[k] {
			return true
		}
	}
	return false
}

// Parse reads the query parameters of a search on collection c.
func Parse(c Collection, v url.Values) (*Query, error) {
	known := fields[c]
	if known == nil {
		return nil, &Error{Msg: fmt.Sprintf("Invalid search collection '%s'; it must be one of actors, workers, executions or logs.", c)}
	}
	q := &Query{Limit: DefaultLimit}
	// Sorted so that the first error reported does not depend on map order.
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		vals := v[key]
		switch key {
		case "x-nonce":
		case "search":
			for _, s := range vals {
				q.Terms = append(q.Terms, strings.Fields(s)...)
			}
		case "exactsearch":
			for _, s := range vals {
				if s = strings.TrimSpace(s); s != "" {
					q.Phrases = append(q.Phrases, s)
				}
			}
		case "limit", "skip", "offset": // tapipy's list calls send offset
			max := MaxLimit
			if key != "limit" {
				max = MaxSkip
			}
			if len(vals) != 1 {
				return nil, fail(key, "it may be given only once.")
			}
			n, err := strconv.Atoi(strings.TrimSpace(vals[0]))
			if err != nil || n < 0 || n > max {
				return nil, fail(key, "it must be an integer from 0 to %d; got '%s'.", max, vals[0])
			}
			if key == "limit" {
				q.Limit = n
			} else {
				q.Skip = n
			}
		default:
			for _, val := range vals {
				f, err := parseFilter(known, key, val)
				if err != nil {
					return nil, err
				}
				q.Filters = append(q.Filters, *f)
			}
		}
	}
	return q, nil
}

// parseFilter reads one field[.path][.op]=value parameter.
func parseFilter(known map[string]Type, param, val string) (*Filter, error) {
	parts := strings.Split(param, ".")
	op := Eq
	if len(parts) > 1 {
		if o, isOp := ops[parts[len(parts)-1]]; isOp {
			op = o
			parts = parts[:len(parts)-1]
		}
	}
	field := parts[0]
	typ, ok := known[field]
	if !ok {
		// Camel-case names (createTime, exitCode) are the same fields.
		field = camelToSnake(field)
		typ, ok = known[field]
	}
	if !ok {
		return nil, fail(param, "'%s' is not a searchable field.", parts[0])
	}
	f := &Filter{Param: param, Field: field, Type: typ, Op: op}
	if len(parts) > 1 {
		f.Path = parts[1:]
	}
	if typ == JSON {
		if len(f.Path) == 0 {
			return nil, fail(param, "'%s' is an object; name a key inside it, e.g. %s.key.", field, field)
		}
		for _, k := range f.Path {
			if !keyPattern.MatchString(k) {
				return nil, fail(param, "keys inside %s may hold letters, digits, '_' and '-' only.", field)
			}
		}
	} else if len(f.Path) > 0 {
		return nil, fail(param, "'%s' has no key '%s'.", field, strings.Join(f.Path, "."))
	}
	vt := f.valueType()
	if err := checkOp(f, vt); err != nil {
		return nil, err
	}
	var err error
	switch op {
	case In, Nin:
		f.Values, err = parseList(f, vt, val)
	case Between:
		f.Values, err = parseBetween(f, vt, val)
	case Like, Nlike:
		if _, rerr := regexp.Compile(val); rerr != nil {
			return nil, fail(param, "'%s' is not a regular expression: %v.", val, rerr)
		}
		f.Values = []Value{{Kind: KindString, Str: val}}
	default:
		var x Value
		x, err = parseValue(f, vt, val)
		f.Values = []Value{x}
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// valueType is the type values of f are parsed as: the field's own, or for
// a key inside a JSON field, Time if the key names a time and String (to be
// refined by parseValue) otherwise.
func (f *Filter) valueType() Type {
	if f.Type != JSON {
		return f.Type
	}
	last := f.Path[len(f.Path)-1]
	for _, k := range timeKeys {
		if strings.Contains(last, k) {
			return Time
		}
	}
	return JSON
}

func checkOp(f *Filter, vt Type) error {
	switch f.Op {
	case Like, Nlike:
		if vt != String && vt != List && vt != JSON {
			return fail(f.Param, "'%s' applies to text fields only.", f.Op)
		}
	case Gt, Gte, Lt, Lte, Between:
		if vt == Bool || vt == List {
			return fail(f.Param, "'%s' does not apply to %s.", f.Op, f.Field)
		}
	}
	return nil
}

// camelToSnake turns createTime into create_time.
func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
