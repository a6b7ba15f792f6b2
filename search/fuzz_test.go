package search

import (
	"net/url"
	"testing"
)

// FuzzParse feeds arbitrary query strings to the parser of every
// collection: it must return a query or an *Error, never panic, and a query
// it returns must respect its own bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"image=abacosamples/test&create_time.gt=2020-04-29&status.in=[\"READY\", \"BUSY\"]",
		"status=COMPLETE&start_time.gt=2019",
		"start_time.between= 2020-04-29T20:15:52:246Z, 2021-06-24-05:00",
		"final_state.StartedAt.gt=2000-01-01T01:00&limit=5&skip=1",
		"status.nin=['COMPLETED', 'READY']&search=error&exactsearch=out of memory",
		"image.like=^abaco&runtime.gte=423&exitCode=none",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, c := range Collections {
			q, err := Parse(c, v)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%q: error of type %T", raw, err)
				}
				continue
			}
			if q.Limit < 0 || q.Limit > MaxLimit || q.Skip < 0 || q.Skip > MaxSkip {
				t.Fatalf("%q: paging out of bounds: %+v", raw, q)
			}
			for _, flt := range q.Filters {
				if _, ok := fields[c][flt.Field]; !ok {
					t.Fatalf("%q: field %q is not whitelisted", raw, flt.Field)
				}
				if len(flt.Values) == 0 && flt.Op != In && flt.Op != Nin {
					t.Fatalf("%q: filter without a value", raw)
				}
				if flt.Op == Between && len(flt.Values) != 2 {
					t.Fatalf("%q: between with %d values", raw, len(flt.Values))
				}
			}
		}
	})
}

// FuzzParseTime checks the date parser alone: no panic, and a result in UTC.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2020", "2020-04Z", "2020-04-29T20:15:52:246252-06:00", "2000-05:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err == nil && tm.Location().String() != "UTC" {
			t.Fatalf("%q: not UTC: %v", s, tm)
		}
	})
}
