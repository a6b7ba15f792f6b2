package search

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, c Collection, rawQuery string) *Query {
	t.Helper()
	v, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	q, err := Parse(c, v)
	require.NoError(t, err, rawQuery)
	return q
}

func str(s string) Value        { return Value{Kind: KindString, Str: s} }
func num(n float64) Value       { return Value{Kind: KindNumber, Num: n} }
func boolean(b bool) Value      { return Value{Kind: KindBool, Bool: b} }
func at(t time.Time) Value      { return Value{Kind: KindTime, Time: t} }
func null() Value               { return Value{Kind: KindNull} }
func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestParseFilters(t *testing.T) {
	cases := []struct {
		c     Collection
		query string
		want  Filter
	}{
		{Actors, "image=abacosamples/test", Filter{Field: "image", Type: String, Op: Eq, Values: []Value{str("abacosamples/test")}}},
		{Actors, "id.eq=AKY5o4Z847lB3", Filter{Field: "id", Type: String, Op: Eq, Values: []Value{str("AKY5o4Z847lB3")}}},
		{Actors, "id.neq=AKY5o4Z847lB3", Filter{Field: "id", Type: String, Op: Neq, Values: []Value{str("AKY5o4Z847lB3")}}},
		{Executions, "start_time.gt=2020-04-29%2B06:00", Filter{Field: "start_time", Type: Time, Op: Gt, Values: []Value{at(time.Date(2020, 4, 28, 18, 0, 0, 0, time.UTC))}}},
		{Executions, "start_time.gt=2020-04-29+06:00", Filter{Field: "start_time", Type: Time, Op: Gt, Values: []Value{at(time.Date(2020, 4, 29, 6, 0, 0, 0, time.UTC))}}},
		{Executions, "runtime.gte=423", Filter{Field: "runtime", Type: Number, Op: Gte, Values: []Value{num(423)}}},
		{Executions, "message_received_time.lt=2020", Filter{Field: "message_received_time", Type: Time, Op: Lt, Values: []Value{at(day(2020, 1, 1))}}},
		{Executions, "final_state.FinishedAt.lte=2020-04-29", Filter{Field: "final_state", Type: JSON, Path: []string{"FinishedAt"}, Op: Lte, Values: []Value{at(day(2020, 4, 29))}}},
		{Workers, "status.in=[“BUSY”,”REQUESTED”,”READY”]", Filter{Field: "status", Type: String, Op: In, Values: []Value{str("BUSY"), str("REQUESTED"), str("READY")}}},
		{Workers, `status.nin=["COMPLETED", "READY"]`, Filter{Field: "status", Type: String, Op: Nin, Values: []Value{str("COMPLETED"), str("READY")}}},
		{Workers, `status.in=['COMPLETED', 'READY']`, Filter{Field: "status", Type: String, Op: In, Values: []Value{str("COMPLETED"), str("READY")}}},
		{Actors, "image.like=abaco_docker_username", Filter{Field: "image", Type: String, Op: Like, Values: []Value{str("abaco_docker_username")}}},
		{Actors, "image.nlike=abaco_test", Filter{Field: "image", Type: String, Op: Nlike, Values: []Value{str("abaco_test")}}},
		{Executions, "start_time.between= 2020-04-29T20:15:52:246Z, 2021-06-24-05:00", Filter{Field: "start_time", Type: Time, Op: Between,
			Values: []Value{at(time.Date(2020, 4, 29, 20, 15, 52, 246000000, time.UTC)), at(time.Date(2021, 6, 24, 5, 0, 0, 0, time.UTC))}}},
		{Executions, "io.between=20,40.5", Filter{Field: "io", Type: Number, Op: Between, Values: []Value{num(20), num(40.5)}}},
		{Executions, "final_state.StartedAt.gt=2000-01-01T01:00", Filter{Field: "final_state", Type: JSON, Path: []string{"StartedAt"}, Op: Gt, Values: []Value{at(time.Date(2000, 1, 1, 1, 0, 0, 0, time.UTC))}}},
		{Executions, "final_state.ExitCode=0", Filter{Field: "final_state", Type: JSON, Path: []string{"ExitCode"}, Op: Eq, Values: []Value{num(0)}}},
		{Executions, "final_state.OOMKilled=False", Filter{Field: "final_state", Type: JSON, Path: []string{"OOMKilled"}, Op: Eq, Values: []Value{boolean(false)}}},
		{Executions, "final_state.Status=exited", Filter{Field: "final_state", Type: JSON, Path: []string{"Status"}, Op: Eq, Values: []Value{str("exited")}}},
		{Executions, "final_state.Error=None", Filter{Field: "final_state", Type: JSON, Path: []string{"Error"}, Op: Eq, Values: []Value{null()}}},
		{Executions, "final_state.ExitCode.in=[0, 1]", Filter{Field: "final_state", Type: JSON, Path: []string{"ExitCode"}, Op: In, Values: []Value{num(0), num(1)}}},
		{Executions, "exit_code=none", Filter{Field: "exit_code", Type: Number, Op: Eq, Values: []Value{null()}}},
		{Executions, "exitCode=0", Filter{Field: "exit_code", Type: Number, Op: Eq, Values: []Value{num(0)}}},
		{Actors, "stateless=TRUE", Filter{Field: "stateless", Type: Bool, Op: Eq, Values: []Value{boolean(true)}}},
		{Actors, "createTime.gte=2020", Filter{Field: "create_time", Type: Time, Op: Gte, Values: []Value{at(day(2020, 1, 1))}}},
		{Actors, "hints=sync", Filter{Field: "hints", Type: List, Op: Eq, Values: []Value{str("sync")}}},
		{Actors, "default_environment.a.b=x", Filter{Field: "default_environment", Type: JSON, Path: []string{"a", "b"}, Op: Eq, Values: []Value{str("x")}}},
		{Actors, "max_workers.in=[1, '2']", Filter{Field: "max_workers", Type: Number, Op: In, Values: []Value{num(1), num(2)}}},
		{Actors, "name.in=[1, true, null]", Filter{Field: "name", Type: String, Op: In, Values: []Value{str("1"), str("true"), null()}}},
		{Logs, "logs.like=err(or)?", Filter{Field: "logs", Type: String, Op: Like, Values: []Value{str("err(or)?")}}},
		{Actors, "name=123", Filter{Field: "name", Type: String, Op: Eq, Values: []Value{str("123")}}},
	}
	for _, c := range cases {
		q := parse(t, c.c, c.query)
		require.Len(t, q.Filters, 1, c.query)
		got := q.Filters[0]
		got.Param = ""
		require.Equal(t, c.want, got, c.query)
	}
}

func TestParsePagingAndText(t *testing.T) {
	q := parse(t, Executions, "")
	require.Equal(t, &Query{Limit: 10}, q)

	q = parse(t, Logs, "limit=20&skip=4&search=error+timeout&search=oom&exactsearch=out+of+memory&x-nonce=TACC_abc")
	require.Equal(t, 20, q.Limit)
	require.Equal(t, 4, q.Skip)
	require.Equal(t, []string{"error", "timeout", "oom"}, q.Terms)
	require.Equal(t, []string{"out of memory"}, q.Phrases)
	require.Empty(t, q.Filters)
	require.True(t, q.FullText())

	q = parse(t, Actors, "status=READY&status.neq=ERROR")
	require.Len(t, q.Filters, 2)

	// tapipy's list_actors(limit=, offset=) pages with offset.
	q = parse(t, Actors, "limit=5&offset=10")
	require.Equal(t, 5, q.Limit)
	require.Equal(t, 10, q.Skip)
	require.Empty(t, q.Filters)
}

func TestParseErrorsNameTheParameter(t *testing.T) {
	cases := []struct {
		c     Collection
		query string
		param string
	}{
		{Actors, "bogus=1", "bogus"},
		{Actors, "tenant=dev", "tenant"},
		{Executions, "message=hi", "message"},
		{Actors, "image.foo=1", "image.foo"},
		{Executions, "final_state=1", "final_state"},
		{Executions, "final_state..gt=1", "final_state..gt"},
		{Executions, "start_time.gt=yesterday", "start_time.gt"},
		{Executions, "final_state.StartedAt.gt=soon", "final_state.StartedAt.gt"},
		{Executions, "runtime.gte=fast", "runtime.gte"},
		{Executions, "runtime=NaN", "runtime"},
		{Actors, "stateless=yes", "stateless"},
		{Executions, "limit=-1", "limit"},
		{Executions, "limit=ten", "limit"},
		{Executions, "limit=100000", "limit"},
		{Executions, "skip=-4", "skip"},
		{Executions, "skip=1&skip=2", "skip"},
		{Workers, "status.in=READY", "status.in"},
		{Workers, "status.in=[[1]]", "status.in"},
		{Executions, "io.between=20", "io.between"},
		{Executions, "io.between=1,2,3", "io.between"},
		{Executions, "io.between=a,b", "io.between"},
		{Executions, "start_time.between=2020,soon", "start_time.between"},
		{Actors, "image.like=(", "image.like"},
		{Actors, "stateless.like=t", "stateless.like"},
		{Actors, "stateless.gt=true", "stateless.gt"},
		{Actors, "create_time.like=2020", "create_time.like"},
	}
	for _, c := range cases {
		v, err := url.ParseQuery(c.query)
		require.NoError(t, err)
		_, err = Parse(c.c, v)
		require.Error(t, err, c.query)
		var e *Error
		require.ErrorAs(t, err, &e, c.query)
		require.Equal(t, c.param, e.Param, c.query)
		require.Contains(t, e.Error(), "'"+c.param+"'", c.query)
	}
	_, err := Parse("nothing", url.Values{})
	require.Error(t, err)
}

func TestHasSearch(t *testing.T) {
	require.False(t, HasSearch(url.Values{}))
	require.False(t, HasSearch(url.Values{"x-nonce": {"a"}}))
	require.True(t, HasSearch(url.Values{"x-nonce": {"a"}, "limit": {"1"}}))
}
