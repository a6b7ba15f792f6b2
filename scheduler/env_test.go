package scheduler

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

func TestEnvironmentPrecedence(t *testing.T) {
	name := "wc"
	a := &abaco.Actor{Tenant: "dev", ID: "A1", Name: &name, Image: "img", Revision: 2,
		State: []byte(`{"n":1}`), DefaultEnvironment: map[string]string{"key": "default", "other": "kept"}}
	e := &abaco.Execution{ID: "E1", ContentType: abaco.ContentString, Message: []byte("hello"), Username: "jdoe",
		Env: map[string]string{"key": "from-query"}}
	env := environment(a, e, "W1", "tok", "http://h/")
	require.Equal(t, "from-query", env["key"], "query parameters override default_environment")
	require.Equal(t, "kept", env["other"])
	require.Equal(t, "hello", env["MSG"])
	require.Equal(t, "dev_A1", env["_abaco_actor_dbid"])
	require.Equal(t, "W1", env["_abaco_worker_id"])
	require.Equal(t, "str", env["_abaco_Content-Type"])
	require.Equal(t, "str", env["_abaco_Content_Type"])
	require.Equal(t, `{"n":1}`, env["_abaco_actor_state"])
	require.Equal(t, "http://h", env["_abaco_api_server"])
	require.Equal(t, "wc", env["_abaco_actor_name"])
	require.Equal(t, "2", env["_abaco_actor_revision"])
	require.Equal(t, "jdoe", env["_abaco_username"])

	e.ContentType = abaco.ContentBinary
	a.Name = nil
	env = environment(a, e, "W1", "", "")
	require.NotContains(t, env, "MSG", "binary messages come through the FIFO")
	require.Equal(t, "None", env["_abaco_actor_name"])
}

func TestLogBufferCap(t *testing.T) {
	b := newLogBuffer(10)
	b.Write([]byte("12345"))
	text, changed := b.text()
	require.Equal(t, "12345", text)
	require.True(t, changed)
	_, changed = b.text()
	require.False(t, changed)
	n, err := b.Write([]byte("6789abcdef"))
	require.NoError(t, err)
	require.Equal(t, 10, n, "writes are always accepted so the stream drains")
	text, _ = b.text()
	require.Equal(t, "123456789a"+truncationNote, text)
	b.Write([]byte("more"))
	text, _ = b.text()
	require.True(t, strings.HasSuffix(text, truncationNote))
	require.Equal(t, 10+len(truncationNote), len(text))

	bad := newLogBuffer(100)
	bad.Write([]byte("a\x00b\xffc"))
	text, _ = bad.text()
	require.Equal(t, "ab\uFFFDc", text, "storable in PostgreSQL")
}
