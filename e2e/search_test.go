package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// verbatim turns a URL as the user documentation prints it into one an
// HTTP client can send: only what may not appear in a request line
// (spaces, double quotes, non-ASCII) is percent-encoded, as curl or a
// browser would; "+", "[", "]" and "'" are sent as written.
func verbatim(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c == '"' || c >= 0x7f || c == '<' || c == '>' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func searchResult(t *testing.T, r *response) (map[string]any, []map[string]any) {
	t.Helper()
	require.Equal(t, 200, r.Code, "%s", r.Body)
	res := r.result(t)
	meta := res["_metadata"].(map[string]any)
	var list []map[string]any
	for _, x := range res["search"].([]any) {
		list = append(list, x.(map[string]any))
	}
	require.EqualValues(t, len(list), meta["count_returned"])
	return meta, list
}

// TestSearchDocsExamples runs the "Database Search" examples of the user
// documentation verbatim (https://tacc.tapis.io replaced by the server),
// checks their results against what the test created, and checks that
// another user finds nothing of it through any search form.
func TestSearchDocsExamples(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *server) {
		tok := s.token("testuser")
		test := s.createActor(tok, map[string]any{"image": "abacosamples/test", "name": "abaco_test_suite_default_env",
			"default_environment": map[string]any{"default_env_key1": "default_env_value1"}})
		wc := s.createActor(tok, map[string]any{"image": "abacosamples/wc", "name": "wc"})
		eid := s.message(tok, wc, "message="+url.QueryEscape("Actor, please count these words."))
		s.waitExecution(tok, wc, eid, "COMPLETE")

		// First example: actors.
		r := s.getJSON(verbatim(`/v3/actors/search/actors?image=abacosamples/test&create_time.gt=2020-04-29&status.in=["READY", "BUSY"]`), tok)
		meta, list := searchResult(t, r)
		require.Equal(t, "Search completed successfully.", r.Env.Message)
		require.Equal(t, map[string]any{"count_returned": 1.0, "record_limit": 10.0, "records_skipped": 0.0, "total_count": 1.0}, meta)
		a := list[0]
		require.Equal(t, test, a["id"])
		require.Equal(t, "abaco_test_suite_default_env", a["name"])
		require.Equal(t, map[string]any{"default_env_key1": "default_env_value1"}, a["default_environment"])
		for _, k := range []string{"gid", "hints", "link", "mounts", "token", "_links", "create_time", "last_update_time"} {
			require.Contains(t, a, k)
		}
		for _, k := range []string{"tenant", "api_server", "db_id", "executions", "_id", "permissions"} {
			require.NotContains(t, a, k)
		}
		require.Equal(t, s.url("/v3/actors/"+test+"/executions"), a["_links"].(map[string]any)["executions"])

		// Second example: one actor's executions, under /actors/search/actors/{id}
		// as the docs print it, and under /actors/{id}/executions.
		for _, path := range []string{"/v3/actors/search/actors/" + wc + "/executions?status=COMPLETE&start_time.gt=2019",
			"/v3/actors/" + wc + "/executions?status=COMPLETE&start_time.gt=2019"} {
			r = s.getJSON(verbatim(path), tok)
			meta, list = searchResult(t, r)
			require.Equal(t, "Executions search completed successfully.", r.Env.Message)
			require.EqualValues(t, 1, meta["total_count"], path)
			e := list[0]
			require.Equal(t, eid, e["id"])
			require.Equal(t, wc, e["actor_id"])
			require.Equal(t, "COMPLETE", e["status"])
			require.Equal(t, "exited", e["final_state"].(map[string]any)["Status"])
			require.NotContains(t, e, "api_server")
			require.NotContains(t, e, "tenant")
			links := e["_links"].(map[string]any)
			require.Equal(t, s.url("/v3/actors/"+wc+"/executions/"+eid), links["self"])
			require.Contains(t, links, "logs")
			require.Contains(t, links, "owner")
		}

		// The parameter table, verbatim, on the collections whose fields it names.
		table := []struct {
			path string
			hits int
		}{
			{"/v3/actors/search/logs?search=stringToSearchFor", 0},
			{"/v3/actors/search/logs?exactsearch=stringToMatchExactly", 0},
			{"/v3/actors/search/actors?id.eq=AKY5o4Z847lB3", 0},
			{"/v3/actors/search/actors?id.neq=AKY5o4Z847lB3", 2},
			{"/v3/actors/search/executions?start_time.gt=2020-04-29+06:00", 1},
			{"/v3/actors/search/executions?runtime.gte=423", 0},
			{"/v3/actors/search/executions?message_received_time.lt=2020", 0},
			{"/v3/actors/search/executions?final_state.FinishedAt.lte=2020-04-29", 0},
			{"/v3/actors/search/executions?final_state.FinishedAt.gt=2020-04-29", 1},
			{"/v3/actors/search/workers?status.in=[“BUSY”,”REQUESTED”,”READY”]", -1},
			{"/v3/actors/search/workers?status.nin=[“COMPLETED”, “READY”]", -1},
			{"/v3/actors/search/actors?image.like=abaco_docker_username", 0},
			{"/v3/actors/search/actors?image.nlike=abaco_test", 2},
			{"/v3/actors/search/executions?start_time.between= 2020-04-29T20:15:52:246Z, 2021-06-24-05:00", 0},
			{"/v3/actors/search/actors?limit=20", 2},
			{"/v3/actors/search/actors?skip=4", 0},
		}
		for _, c := range table {
			_, list := searchResult(t, s.getJSON(verbatim(c.path), tok))
			if c.hits >= 0 {
				require.Len(t, list, c.hits, c.path)
			}
		}

		// Logs: full text over all logs, and the implicit search of one log.
		_, list = searchResult(t, s.getJSON("/v3/actors/search/logs?search=words", tok))
		require.Len(t, list, 1)
		require.Contains(t, list[0]["logs"], "Number of words is: 5")
		require.Equal(t, s.url("/v3/actors/"+wc+"/executions/"+eid), list[0]["_links"].(map[string]any)["execution"])
		_, list = searchResult(t, s.getJSON("/v3/actors/"+wc+"/executions/"+eid+"/logs?exactsearch=number+of+words", tok))
		require.Len(t, list, 1)
		_, list = searchResult(t, s.getJSON("/v3/actors/"+wc+"/workers?limit=5", tok))
		for _, w := range list {
			require.Equal(t, wc, w["actor_id"])
			require.NotContains(t, w, "tenant")
		}

		// Bad input is a 400 that names the parameter.
		for _, c := range []struct{ path, param string }{
			{"/v3/actors/search/executions?start_time.gt=yesterday", "start_time.gt"},
			{"/v3/actors/search/executions?runtime.gte=fast", "runtime.gte"},
			{"/v3/actors/search/actors?bogus=1", "bogus"},
			{"/v3/actors/search/actors?tenant=dev", "tenant"},
			{"/v3/actors/search/actors?limit=-1", "limit"},
			{"/v3/actors/search/actors?skip=x", "skip"},
			{"/v3/actors?owner.in=testuser", "owner.in"},
		} {
			r := s.getJSON(c.path, tok)
			require.Equal(t, 400, r.Code, "%s: %s", c.path, r.Body)
			require.Contains(t, r.Env.Message, c.param)
		}
		require.Equal(t, 404, s.getJSON("/v3/actors/search/nothing", tok).Code)

		// Another user finds nothing of testuser's through any form.
		other := s.token("intruder")
		for _, path := range []string{"/v3/actors/search/actors", "/v3/actors/search/executions",
			"/v3/actors/search/workers", "/v3/actors/search/logs", "/v3/actors/search/logs?search=words",
			"/v3/actors/search/actors?owner=testuser", "/v3/actors?image=abacosamples/wc",
			"/v3/actors/search/executions?actor_id=" + wc} {
			meta, list := searchResult(t, s.getJSON(path, other))
			require.Empty(t, list, path)
			require.EqualValues(t, 0, meta["total_count"], path)
		}
		for _, path := range []string{"/v3/actors/" + wc + "/executions?status=COMPLETE",
			"/v3/actors/" + wc + "/workers?limit=1", "/v3/actors/" + wc + "/executions/" + eid + "/logs?search=words",
			"/v3/actors/search/actors/" + wc + "/executions?status=COMPLETE"} {
			r := s.getJSON(path, other)
			require.Equal(t, 403, r.Code, "%s: %s", path, r.Body)
		}
	})
}
