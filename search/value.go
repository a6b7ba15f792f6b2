package search

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of one parsed value.
type Kind int

// Value kinds.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindTime
)

// Value is one typed value of a filter.
type Value struct {
	Kind Kind
	Bool bool
	Num  float64
	Str  string
	Time time.Time // UTC
}

// IsInt reports whether a number value is a whole number that fits an
// int64, so that it can be compared with integer columns as an integer.
func (v Value) IsInt() bool {
	return v.Kind == KindNumber && v.Num == math.Trunc(v.Num) && math.Abs(v.Num) < 1<<62
}

// parseValue reads one value for a field of type vt, by the rules of the
// user documentation: none is null (any case); booleans are true or false
// (any case); times are loose ISO 8601 dates; numbers are floats; the rest
// is text. A value the field's type cannot hold is an error naming the
// parameter.
func parseValue(f *Filter, vt Type, raw string) (Value, error) {
	trimmed := strings.TrimSpace(raw)
	lower := strings.ToLower(trimmed)
	if lower == "none" {
		return Value{Kind: KindNull}, nil
	}
	switch vt {
	case Number:
		if n, ok := parseNumber(trimmed); ok {
			return Value{Kind: KindNumber, Num: n}, nil
		}
		return Value{}, fail(f.Param, "'%s' is not a number.", raw)
	case Bool:
		if lower == "true" || lower == "false" {
			return Value{Kind: KindBool, Bool: lower == "true"}, nil
		}
		return Value{}, fail(f.Param, "'%s' is not true or false.", raw)
	case Time:
		t, err := ParseTime(trimmed)
		if err != nil {
			return Value{}, fail(f.Param, "'%s' is not an ISO 8601 date (e.g. 2020-05-01T14:45:41.591Z or 2020-05-01-06:00).", raw)
		}
		return Value{Kind: KindTime, Time: t}, nil
	case JSON:
		if lower == "true" || lower == "false" {
			return Value{Kind: KindBool, Bool: lower == "true"}, nil
		}
		if n, ok := parseNumber(trimmed); ok {
			return Value{Kind: KindNumber, Num: n}, nil
		}
	}
	return Value{Kind: KindString, Str: raw}, nil
}

// parseNumber accepts decimal numbers only: not NaN, infinities or hex.
func parseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "xXpPnNiI_") {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return n, true
}

// maxList caps the elements of an in/nin list (each becomes a bound parameter).
const maxList = 1000

// quoteFixer turns the typographic quotes of the documentation's examples
// (status.in=[“BUSY”,”READY”]) into JSON's.
var quoteFixer = strings.NewReplacer("“", `"`, "”", `"`, "‘", `'`, "’", `'`)

// parseList reads a JSON list, with either quote style: ["A", "B"] or ['A', 'B'].
func parseList(f *Filter, vt Type, raw string) ([]Value, error) {
	s := quoteFixer.Replace(strings.TrimSpace(raw))
	elems, err := decodeList(s)
	if err != nil {
		elems, err = decodeList(strings.ReplaceAll(s, "'", `"`))
	}
	if err != nil {
		return nil, fail(f.Param, "'%s' is not a JSON list, e.g. [\"READY\", \"BUSY\"].", raw)
	}
	if len(elems) > maxList {
		return nil, fail(f.Param, "the list has more than %d elements.", maxList)
	}
	out := make([]Value, 0, len(elems))
	for _, e := range elems {
		v, err := listElement(f, vt, e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func decodeList(s string) ([]any, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var l []any
	if err := d.Decode(&l); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailing
	}
	return l, nil
}

var errTrailing = errors.New("trailing data after the list")

// listElement types one element of an in/nin list for the field.
func listElement(f *Filter, vt Type, e any) (Value, error) {
	switch x := e.(type) {
	case nil:
		return Value{Kind: KindNull}, nil
	case string:
		if vt == JSON {
			return Value{Kind: KindString, Str: x}, nil
		}
		if strings.EqualFold(strings.TrimSpace(x), "none") && (vt == String || vt == List) {
			return Value{Kind: KindString, Str: x}, nil
		}
		return parseValue(f, vt, x)
	case json.Number:
		if vt == String || vt == List {
			return Value{Kind: KindString, Str: x.String()}, nil
		}
		return parseValue(f, vt, x.String())
	case bool:
		if vt == String || vt == List {
			return Value{Kind: KindString, Str: strconv.FormatBool(x)}, nil
		}
		return parseValue(f, vt, strconv.FormatBool(x))
	}
	return Value{}, fail(f.Param, "list elements must be strings, numbers, booleans or null.")
}

// parseBetween reads "a,b": two numbers or two dates (text for text fields),
// spaces around them allowed.
func parseBetween(f *Filter, vt Type, raw string) ([]Value, error) {
	a, b, found := strings.Cut(raw, ",")
	if !found || strings.Contains(b, ",") {
		return nil, fail(f.Param, "between takes two values separated by a comma, e.g. io.between=20,40.")
	}
	out := make([]Value, 0, 2)
	for _, s := range []string{a, b} {
		s = strings.TrimSpace(s)
		var v Value
		var err error
		if vt == JSON {
			n, ok := parseNumber(s)
			if !ok {
				return nil, fail(f.Param, "'%s' is not a number.", s)
			}
			v = Value{Kind: KindNumber, Num: n}
		} else {
			v, err = parseValue(f, vt, s)
			if err != nil {
				return nil, err
			}
		}
		if v.Kind == KindNull {
			return nil, fail(f.Param, "between needs two values, not none.")
		}
		out = append(out, v)
	}
	return out, nil
}
