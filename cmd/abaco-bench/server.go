package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver for fresh databases

	"github.com/abaco-hpc/abaco/identity"
)

// defaultPostgresURL is where the bench finds PostgreSQL unless
// ABACO_TEST_POSTGRES says otherwise, as for the tests.
const defaultPostgresURL = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

// database is a fresh, empty database for one measurement.
type database struct {
	kind string // sqlite or postgres
	url  string // what --database gets ("" for the data dir's SQLite file)
	drop func()
}

// freshDatabase makes an empty SQLite file in dir or an empty PostgreSQL
// schema, dropped by drop.
func freshDatabase(ctx context.Context, kind, dir string) (*database, error) {
	switch kind {
	case "sqlite":
		return &database{kind: kind, url: filepath.Join(dir, "abaco.db"), drop: func() {}}, nil
	case "postgres":
		return postgresSchema(ctx, "bench_"+randomHex(6), true, true)
	}
	return nil, fmt.Errorf("unknown database %q (sqlite or postgres)", kind)
}

// keptDatabase is the database kept in dir by -keep: the SQLite file of
// the data dir, or the PostgreSQL schema named in dir's postgres-schema
// file, made (empty) and named there the first time. Its drop keeps it.
func keptDatabase(ctx context.Context, kind, dir string) (*database, error) {
	if kind != "postgres" {
		return freshDatabase(ctx, kind, dir)
	}
	nameFile := filepath.Join(dir, "postgres-schema")
	if b, err := os.ReadFile(nameFile); err == nil {
		return postgresSchema(ctx, strings.TrimSpace(string(b)), false, false)
	}
	schema := "bench_keep_" + randomHex(6)
	d, err := postgresSchema(ctx, schema, true, false)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(nameFile, []byte(schema+"\n"), 0o644); err != nil {
		d.drop()
		return nil, err
	}
	return d, nil
}

// postgresSchema is the schema of the PostgreSQL at ABACO_TEST_POSTGRES,
// created first if create; the database's drop drops it if dropped.
func postgresSchema(ctx context.Context, schema string, create, dropped bool) (*database, error) {
	base := os.Getenv("ABACO_TEST_POSTGRES")
	if base == "" {
		base = defaultPostgresURL
	}
	db, err := sql.Open("postgres", base)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, skipped("PostgreSQL at %s: %v", redact(base), err)
	}
	if create {
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("create schema: %w", err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		db.Close()
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return &database{kind: "postgres", url: u.String(), drop: func() {
		if dropped {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
		}
		db.Close()
	}}, nil
}

func redact(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = url.User(p.User.Username())
		return p.String()
	}
	return u
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// server is one `abaco serve` process of the real binary.
type server struct {
	dir    string
	db     *database
	addr   string
	cmd    *exec.Cmd
	log    *os.File
	client *http.Client
	token  string
	keep   bool // leave the data dir and the database in place
}

// startServer runs binary serve on a free loopback port with a fresh data
// dir and database; extra are more serve flags.
func startServer(ctx context.Context, binary, dbKind string, conns int, extra ...string) (*server, error) {
	dir, err := os.MkdirTemp("", "abaco-bench-")
	if err != nil {
		return nil, err
	}
	db, err := freshDatabase(ctx, dbKind, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return startServerIn(ctx, binary, dir, db, false, conns, extra...)
}

// startKeptServer is startServer on the data dir dir and the database kept
// there (keptDatabase), both left in place when the server stops.
func startKeptServer(ctx context.Context, binary, dbKind, dir string, conns int, extra ...string) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := keptDatabase(ctx, dbKind, dir)
	if err != nil {
		return nil, err
	}
	return startServerIn(ctx, binary, dir, db, true, conns, extra...)
}

// startServerIn runs binary serve on a free loopback port with the data dir
// dir and the database db; stop removes both unless keep.
func startServerIn(ctx context.Context, binary, dir string, db *database, keep bool, conns int, extra ...string) (*server, error) {
	s := &server{dir: dir, db: db, keep: keep}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.stop()
		return nil, err
	}
	s.addr = ln.Addr().String()
	ln.Close()
	s.log, err = os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		s.stop()
		return nil, err
	}
	args := append([]string{"serve", "--listen", s.addr, "--data-dir", dir, "--database", db.url, "--log-level", "warn"}, extra...)
	s.cmd = exec.Command(binary, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.stop()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConns: conns + 4, MaxIdleConnsPerHost: conns + 4}, Timeout: 2 * time.Minute}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.client.Get(s.url("/v3/tenants"))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server did not start: %v\n%s", err, s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.token, err = s.mint("bench"); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// mint makes a dev-tenant token with the key the server created in its
// data dir, as `abaco token` does.
func (s *server) mint(user string) (string, error) {
	key, err := identity.EnsureDevKey(s.dir)
	if err != nil {
		return "", err
	}
	return identity.Mint(key, identity.Claims{Tenant: "dev", User: user, TTL: 4 * time.Hour})
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// rss is the server's peak resident set in MiB.
func (s *server) rss() float64 { return peakRSSMB(s.cmd.Process.Pid) }

// stop ends the server, drops its database and removes its data dir. The
// server is stopped with SIGTERM so that nothing of it outlives the bench.
func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
	if s.log != nil {
		s.log.Close()
	}
	if s.keep {
		fmt.Fprintf(os.Stderr, "  kept: data dir %s, database %s\n", s.dir, redact(s.db.url))
	}
	s.db.drop()
	if !s.keep {
		os.RemoveAll(s.dir)
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// call sends a request with the bench token and decodes the envelope's
// result into out (if not nil); a non-2xx answer is an error.
func (s *server) call(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.url(path), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Tapis-Token", s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return json.Unmarshal(env.Result, out)
}

// createActor registers an actor and returns its id.
func (s *server) createActor(ctx context.Context, spec map[string]any) (string, error) {
	b, _ := json.Marshal(spec)
	var a struct {
		ID string `json:"id"`
	}
	if err := s.call(ctx, "POST", "/v3/actors", "application/json", b, &a); err != nil {
		return "", err
	}
	return a.ID, nil
}

// waitActor polls until the actor has the status.
func (s *server) waitActor(ctx context.Context, id, status string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var a struct {
			Status        string `json:"status"`
			StatusMessage string `json:"status_message"`
		}
		if err := s.call(ctx, "GET", "/v3/actors/"+id, "", nil, &a); err != nil {
			return err
		}
		if a.Status == status {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("actor %s is %s (%s), not %s", id, a.Status, a.StatusMessage, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send posts a form message and returns the execution id.
func (s *server) send(ctx context.Context, actorID, text string) (string, error) {
	var m struct {
		ExecutionID string `json:"execution_id"`
	}
	err := s.call(ctx, "POST", "/v3/actors/"+actorID+"/messages", "application/x-www-form-urlencoded",
		[]byte("message="+url.QueryEscape(text)), &m)
	return m.ExecutionID, err
}

// copyBody reads a response body to its end, so the connection is reused.
func copyBody(w io.Writer, resp *http.Response) (int64, error) { return io.Copy(w, resp.Body) }
