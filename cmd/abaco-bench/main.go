// Command abaco-bench measures Abaco for HPC against baselines measured in
// the same run: how fast messages are accepted (ingest), how fast the queue
// turns them into finished executions (dispatch), what a synchronous
// message costs over a bare container run (sync), how parallel executions
// compare with bare Engine API runs (parallel), and how the API answers
// with a large database (scale).
//
//	abaco-bench [-scenario all|ingest|dispatch|sync|parallel|scale] [-db sqlite|postgres] [-n N] [-c C] [-json] [-keep DIR]
//
// Every scenario but dispatch drives the real server binary over HTTP, on a
// fresh data dir and a fresh database (a temp SQLite file, or a new schema
// of the PostgreSQL at ABACO_TEST_POSTGRES), and removes both afterwards.
// Dispatch runs the server inside this process with a runtime that runs
// nothing, so that only the queue is measured. With -keep, scale keeps its
// loaded database (minutes to load) in DIR and reuses it in the next run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
)

// config is what a scenario is asked to do; zero sizes mean its default.
type config struct {
	binary      string
	n           int
	concurrency int
	smoke       bool // tiny sizes: only keep the harness working
	// keep, for scale: a directory where the loaded database and the
	// server's data dir stay after the run, to be measured again by the
	// next run with the same -keep and -n instead of loading anew.
	keep string
}

// scenario runs one measurement on one database and reports its results.
type scenario struct {
	name string
	run  func(ctx context.Context, cfg config, db string, out *output) error
	// defaults: n and concurrency, then the tiny sizes of -smoke.
	n, c, smokeN int
}

var scenarios = []scenario{
	{"ingest", runIngest, 20000, 32, 200},
	{"dispatch", runDispatch, 10000, 8, 200},
	{"sync", runSync, 50, 1, 3},
	{"parallel", runParallel, 200, 8, 8},
	{"scale", runScale, 1_000_000, 8, 2000},
}

// errSkipped says a component the scenario needs is missing.
var errSkipped = errors.New("skipped")

func main() {
	name := flag.String("scenario", "all", "scenario to run: all, ingest, dispatch, sync, parallel or scale")
	db := flag.String("db", "", "database: sqlite or postgres (default: both)")
	n := flag.Int("n", 0, "operations (scale: executions loaded) (default: the scenario's)")
	c := flag.Int("c", 0, "concurrency (default: the scenario's)")
	jsonOut := flag.Bool("json", false, "print one JSON object per result instead of a table")
	binary := flag.String("bin", "", "abaco binary to benchmark (default: build ./cmd/abaco into a temp dir)")
	smoke := flag.Bool("smoke", false, "run each scenario once at a tiny size (for CI: keeps the harness working, asserts no timings)")
	keep := flag.String("keep", "", "scale only: keep the loaded database and data dir in this directory and reuse them when it already holds a load of the same -n (default: a fresh database, removed afterwards)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process to the file (profiles dispatch, whose server runs in-process; serve --pprof profiles the others)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "abaco-bench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *name, *db, config{binary: *binary, n: *n, concurrency: *c, smoke: *smoke, keep: *keep}, *jsonOut)
	pprof.StopCPUProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "abaco-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name, db string, cfg config, jsonOut bool) error {
	var chosen []scenario
	for _, s := range scenarios {
		if name == "all" || name == s.name {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("unknown scenario %q", name)
	}
	dbs := []string{"sqlite", "postgres"}
	if db != "" {
		if db != "sqlite" && db != "postgres" {
			return fmt.Errorf("unknown database %q (sqlite or postgres)", db)
		}
		dbs = []string{db}
	}
	if cfg.binary == "" {
		dir, err := os.MkdirTemp("", "abaco-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.binary = filepath.Join(dir, "abaco")
		fmt.Fprintln(os.Stderr, "building abaco…")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", cfg.binary, "github.com/abaco-hpc/abaco/cmd/abaco").CombinedOutput(); err != nil {
			return fmt.Errorf("build abaco: %v\n%s", err, out)
		}
	}
	out := &output{json: jsonOut, w: os.Stdout}
	require := os.Getenv("ABACO_REQUIRE_COMPONENTS") != ""
	var failed []string
	for _, s := range chosen {
		for _, d := range dbs {
			c := cfg
			switch {
			case c.n > 0:
			case c.smoke:
				c.n = s.smokeN
			default:
				c.n = s.n
			}
			if c.concurrency <= 0 {
				c.concurrency = s.c
			}
			fmt.Fprintf(os.Stderr, "%s on %s: n=%d c=%d\n", s.name, d, c.n, c.concurrency)
			err := s.run(ctx, c, d, out)
			switch {
			case err == nil:
			case errors.Is(err, errSkipped) && !require:
				fmt.Fprintf(os.Stderr, "  %v\n", err)
				out.add(&Result{Scenario: s.name, DB: d, N: c.n, Concurrency: c.concurrency, Load: loadAverage(), Note: err.Error()})
			default:
				fmt.Fprintf(os.Stderr, "  %s on %s failed: %v\n", s.name, d, err)
				failed = append(failed, s.name+"/"+d)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	out.table()
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// skipped wraps why a scenario could not run.
func skipped(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSkipped, fmt.Sprintf(format, args...))
}
