// Package testenv finds the real components tests use (PostgreSQL, Docker)
// and decides what happens when one is missing: the test is skipped, unless
// ABACO_REQUIRE_COMPONENTS is set (CI sets it), in which case it fails.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver for the schema set-up
)

// RequireEnv is the variable that turns "component missing" into a failure.
const RequireEnv = "ABACO_REQUIRE_COMPONENTS"

// Missing skips t, or fails it when components are required.
func Missing(t testing.TB, component, why string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s is required (%s is set) but unavailable: %s", component, RequireEnv, why)
	}
	t.Skipf("%s unavailable, skipping: %s", component, why)
}

// DefaultPostgresURL is where tests look for PostgreSQL unless
// ABACO_TEST_POSTGRES says otherwise; .ci/run sets that server up.
const DefaultPostgresURL = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresURL returns a connection URL whose search_path is a fresh, empty
// schema that is dropped when the test ends, so tests can run in parallel.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("ABACO_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgresURL
	}
	db, err := sql.Open("postgres", base)
	if err != nil {
		Missing(t, "PostgreSQL", err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		Missing(t, "PostgreSQL", err.Error())
	}
	schema := "t_" + randomHex(8)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // lib/pq passes it on as a run-time parameter
	u.RawQuery = q.Encode()
	return u.String()
}

// DockerSocket is the Engine socket tests use unless DOCKER_HOST is set.
const DockerSocket = "/var/run/docker.sock"

// RequireDocker skips or fails t unless a Docker engine answers.
func RequireDocker(t testing.TB) {
	t.Helper()
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return
	}
	c, err := net.DialTimeout("unix", DockerSocket, 2*time.Second)
	if err != nil {
		Missing(t, "Docker", err.Error())
		return
	}
	c.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
