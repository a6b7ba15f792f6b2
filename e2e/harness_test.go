// Package e2e drives the built abaco binary over HTTP, with real containers
// on the local Docker engine, against SQLite and PostgreSQL.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/examples"
	"github.com/abaco-hpc/abaco/internal/testenv"
)

var binary string // the abaco binary under test, built once

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "abaco-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "abaco")
	out, err := exec.Command("go", "build", "-o", binary, "../cmd/abaco").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build abaco: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireImages builds the example images, or skips/fails without Docker.
func requireImages(t *testing.T) {
	t.Helper()
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, examples.Build(ctx, "wc", "test"))
}

// server is one running abaco process.
type server struct {
	t        *testing.T
	dataDir  string
	database string
	addr     string
	cmd      *exec.Cmd
	output   *lockedBuffer
}

// forEachDB runs fn against a fresh server on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, s *server)) {
	requireImages(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, startServer(t, ""))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, startServer(t, testenv.PostgresURL(t)))
	})
}

// startServer runs abaco serve on a free port; it is killed when t ends.
func startServer(t *testing.T, database string, extraArgs ...string) *server {
	t.Helper()
	dir, err := os.MkdirTemp("", "abaco-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &server{t: t, dataDir: dir, database: database}
	s.start(extraArgs...)
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.output.String())
		}
	})
	return s
}

func (s *server) start(extraArgs ...string) {
	t := s.t
	t.Helper()
	// Port 0: the server binds a free port itself and logs it, so no other
	// process can take the port between our choosing it and the bind.
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", s.dataDir, "--log-level", "debug"}
	if s.database != "" {
		args = append(args, "--database", s.database)
	}
	s.cmd = exec.Command(binary, append(args, extraArgs...)...)
	if s.output == nil {
		s.output = &lockedBuffer{}
	}
	mark := s.output.Len()
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	require.NoError(t, s.cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(s.output.String()[mark:]); m != nil {
			s.addr = m[1]
			resp, err := http.Get(s.url("/v3/tenants"))
			if err == nil {
				resp.Body.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", s.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listenLine finds the address in the server's "abaco serving" log line.
var listenLine = regexp.MustCompile(`msg="abaco serving".* listen=(127\.0\.0\.1:[0-9]+)`)

// lockedBuffer collects the server's output, written by exec's copying
// goroutines while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// kill stops the server the hard way, as a crash would.
func (s *server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// token mints a token with the abaco token command, as a user would.
func (s *server) token(user string, roles ...string) string {
	s.t.Helper()
	args := []string{"token", "--data-dir", s.dataDir, "--user", user}
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	out, err := exec.Command(binary, args...).Output()
	require.NoError(s.t, err)
	return strings.TrimSpace(string(out))
}

// response is an HTTP answer with its envelope decoded when it has one.
type response struct {
	Code        int
	ContentType string
	Body        []byte
	Env         struct {
		Result   json.RawMessage `json:"result"`
		Status   string          `json:"status"`
		Message  string          `json:"message"`
		Version  string          `json:"version"`
		Metadata map[string]any  `json:"metadata"`
	}
}

// result decodes the envelope's result into a map.
func (r *response) result(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Env.Result, &m), "result of %s", r.Body)
	return m
}

// do sends a request with the default client; body may be nil.
func (s *server) do(method, path, token, contentType string, body []byte) *response {
	s.t.Helper()
	return s.doWith(http.DefaultClient, method, path, token, contentType, body)
}

// doWith sends a request through the given client.
func (s *server) doWith(c *http.Client, method, path, token, contentType string, body []byte) *response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url(path), rd)
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("X-Tapis-Token", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return s.sendWith(c, req)
}

func (s *server) send(req *http.Request) *response {
	s.t.Helper()
	return s.sendWith(http.DefaultClient, req)
}

func (s *server) sendWith(c *http.Client, req *http.Request) *response {
	s.t.Helper()
	resp, err := c.Do(req)
	require.NoError(s.t, err, "%s %s", req.Method, req.URL.Path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	r := &response{Code: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: b}
	if r.ContentType == "application/json" {
		require.NoError(s.t, json.Unmarshal(b, &r.Env), "envelope: %s", b)
	}
	return r
}

func (s *server) getJSON(path, token string) *response { return s.do("GET", path, token, "", nil) }

func (s *server) postJSON(path, token string, v any) *response {
	b, err := json.Marshal(v)
	require.NoError(s.t, err)
	return s.do("POST", path, token, "application/json", b)
}

func (s *server) postForm(path, token, form string) *response {
	return s.do("POST", path, token, "application/x-www-form-urlencoded", []byte(form))
}

// createActor registers an actor and waits until it is READY.
func (s *server) createActor(token string, spec map[string]any) string {
	s.t.Helper()
	r := s.postJSON("/v3/actors", token, spec)
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	id := r.result(s.t)["id"].(string)
	s.waitActor(token, id, "READY")
	return id
}

func (s *server) waitActor(token, id, status string) map[string]any {
	s.t.Helper()
	var last map[string]any
	require.Eventually(s.t, func() bool {
		last = s.getJSON("/v3/actors/"+id, token).result(s.t)
		return last["status"] == status
	}, 30*time.Second, 50*time.Millisecond, "actor %s never reached %s", id, status)
	return last
}

// message posts a form message and returns the execution id. query, if
// given, is the query string: its parameters become environment variables.
func (s *server) message(token, actorID, form string, query ...string) string {
	s.t.Helper()
	path := "/v3/actors/" + actorID + "/messages"
	if len(query) > 0 {
		path += "?" + strings.Join(query, "&")
	}
	r := s.postForm(path, token, form)
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	return r.result(s.t)["execution_id"].(string)
}

func (s *server) execution(token, actorID, eid string) map[string]any {
	s.t.Helper()
	r := s.getJSON("/v3/actors/"+actorID+"/executions/"+eid, token)
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	return r.result(s.t)
}

// waitExecution polls until the execution has the status.
func (s *server) waitExecution(token, actorID, eid, status string) map[string]any {
	s.t.Helper()
	var last map[string]any
	require.Eventually(s.t, func() bool {
		last = s.execution(token, actorID, eid)
		return last["status"] == status
	}, 60*time.Second, 50*time.Millisecond, "execution %s never reached %s", eid, status)
	return last
}

func (s *server) logs(token, actorID, eid string) string {
	s.t.Helper()
	r := s.getJSON("/v3/actors/"+actorID+"/executions/"+eid+"/logs", token)
	require.Equal(s.t, 200, r.Code, "%s", r.Body)
	return r.result(s.t)["logs"].(string)
}

// resultList decodes the envelope's result as a list.
func (r *response) resultList(t *testing.T) []any {
	t.Helper()
	var l []any
	require.NoError(t, json.Unmarshal(r.Env.Result, &l), "result of %s", r.Body)
	return l
}
