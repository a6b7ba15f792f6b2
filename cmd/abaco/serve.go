package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/httpapi"
	"github.com/abaco-hpc/abaco/identity"
	"github.com/abaco-hpc/abaco/metrics"
	"github.com/abaco-hpc/abaco/runtimes"
	"github.com/abaco-hpc/abaco/runtimes/docker"
	"github.com/abaco-hpc/abaco/scheduler"
	"github.com/abaco-hpc/abaco/storage"
)

type serveCmd struct {
	Listen             string        `help:"Address to listen on." env:"ABACO_LISTEN" default:"127.0.0.1:8000"`
	DataDir            string        `help:"Data directory (SQLite database, dev keys, runtime files)." env:"ABACO_DATA_DIR" default:"abaco-data" type:"path"`
	Database           string        `help:"Database: a postgres:// URL, or a SQLite file (default: <data-dir>/abaco.db)." env:"ABACO_DATABASE"`
	PublicURL          string        `help:"Base URL clients use (links, _abaco_api_server); default: the request's." env:"ABACO_PUBLIC_URL"`
	DockerHost         string        `help:"Docker Engine endpoint (default: DOCKER_HOST or the local socket)." env:"ABACO_DOCKER_HOST"`
	ContainerNetwork   string        `help:"Network for actor containers (default: the runtime's)." env:"ABACO_CONTAINER_NETWORK"`
	ContainerUser      string        `help:"uid:gid that containers run as when the actor does not use its image's user." env:"ABACO_CONTAINER_USER" default:"65534:65534"`
	ContainerMemory    string        `help:"Default memory limit of a container, e.g. 2g (-1: none)." env:"ABACO_CONTAINER_MEMORY" default:"2g"`
	ContainerCPUs      float64       `help:"Default CPU limit of a container, in CPUs (0: none)." env:"ABACO_CONTAINER_CPUS" default:"1"`
	ContainerPids      int64         `help:"Default process limit of a container (0: none)." env:"ABACO_CONTAINER_PIDS" default:"1024"`
	MaxWorkersPerActor int           `help:"Parallel executions of a stateless actor that sets no max_workers." env:"ABACO_MAX_WORKERS_PER_ACTOR" default:"6"`
	MaxRunTime         time.Duration `help:"Stop executions running longer than this (0: no limit)." env:"ABACO_MAX_RUN_TIME" default:"0"`
	MaxMessageBytes    int64         `help:"Largest message accepted, in bytes." env:"ABACO_MAX_MESSAGE_BYTES" default:"67108864"`
	LogLimitBytes      int           `help:"Largest execution log kept, in bytes." env:"ABACO_LOG_LIMIT_BYTES" default:"1000000"`
	LogLevel           string        `help:"Log level: debug, info, warn or error." env:"ABACO_LOG_LEVEL" default:"info" enum:"debug,info,warn,error"`
	HostID             string        `help:"Name of this server in worker records and container labels (default: the hostname plus a suffix kept in the data dir)." env:"ABACO_HOST_ID"`
	ConfigKeyFile      string        `help:"Key file (64 hex digits) sealing secret actor configs (default: <data-dir>/config.key, created on first start)." env:"ABACO_CONFIG_KEY_FILE"`
	Runtime            string        `help:"Container runtime: docker, apptainer, or auto (Docker when its socket answers, else Apptainer when installed)." env:"ABACO_RUNTIME" default:"auto" enum:"auto,docker,apptainer"`
	ApptainerCommand   string        `help:"The apptainer executable." env:"ABACO_APPTAINER_COMMAND" default:"apptainer"`
	Dispatch           bool          `help:"Run queued executions; --no-dispatch only accepts and queues messages (benchmarks of ingest)." env:"ABACO_DISPATCH" default:"true" negatable:""`
	Pprof              string        `help:"Serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off." env:"ABACO_PPROF"`
	eventFlags
	poolFlags
}

func databaseOf(database, dataDir string) string {
	if database != "" {
		return database
	}
	return filepath.Join(dataDir, "abaco.db")
}

func versionString() string { return "abaco " + abaco.Version }

func (s *serveCmd) Run(file *configFile) error {
	log := newLogger(s.LogLevel)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := os.MkdirAll(s.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	devKey, err := identity.EnsureDevKey(s.DataDir)
	if err != nil {
		return fmt.Errorf("dev signing key: %w", err)
	}
	if s.HostID == "" {
		if s.HostID, err = hostID(s.DataDir); err != nil {
			return fmt.Errorf("host id: %w", err)
		}
	}
	tenants := tenantsWithDev(file.Tenants, devKey)
	verifier, err := identity.NewVerifier(tenants)
	if err != nil {
		return fmt.Errorf("tenants: %w", err)
	}

	store, err := storage.Open(ctx, databaseOf(s.Database, s.DataDir))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	memory, err := runtimes.ParseSize(s.ContainerMemory)
	if err != nil {
		return fmt.Errorf("--container-memory %q: %w", s.ContainerMemory, err)
	}
	rt := s.runtime(ctx, log)
	cfg := abaco.DefaultConfig()
	cfg.MaxMessageBytes = s.MaxMessageBytes
	cfg.ResultTTL = s.ResultTTL
	if len(file.Queues) > 0 {
		cfg.Queues = file.Queues
	}
	if err := s.runAsConfig(&cfg, file, log); err != nil {
		return err
	}
	var svc *abaco.Service                // built below; the scheduler reads configs through it
	var pokeEvents atomic.Pointer[func()] // the event loop's, once it runs
	sched, err := scheduler.NewLocal(store, rt, nil, cfg, scheduler.Options{
		RunDir:             filepath.Join(s.DataDir, "run"),
		HostID:             s.HostID,
		MaxWorkersPerActor: s.MaxWorkersPerActor,
		DefaultUser:        s.ContainerUser,
		MemoryBytes:        memory,
		NanoCPUs:           int64(s.ContainerCPUs * 1e9),
		PidsLimit:          s.ContainerPids,
		Network:            s.ContainerNetwork,
		MaxRunTime:         s.MaxRunTime,
		LogLimit:           s.LogLimitBytes,
		AccessToken:        devTokens(devKey),
		Configs: func(ctx context.Context, tenant, actorID string) (map[string]string, error) {
			return svc.ExecutionConfigs(ctx, tenant, actorID)
		},
		Pool:       s.poolOptions(),
		OnFinished: metrics.ExecutionFinished,
		OnEvent: func() {
			if poke := pokeEvents.Load(); poke != nil {
				(*poke)()
			}
		},
	}, log)
	if err != nil {
		return err
	}
	svc = abaco.NewService(store, sched, nil, cfg, log)
	box, err := configKey(s.ConfigKeyFile, s.DataDir)
	if err != nil {
		return err
	}
	svc.SetSecretBox(box)
	api := httpapi.New(svc, verifier, directory{verifier}, httpapi.Options{PublicURL: s.PublicURL, Log: log})

	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler(api, store, log), ReadHeaderTimeout: 10 * time.Second}
	schedCtx, stopSched := context.WithCancel(context.Background())
	defer stopSched()
	go s.sweeper(store, log).Run(schedCtx)
	go keepHeapFloor(schedCtx)
	schedDone := make(chan error, 1)
	if s.Dispatch {
		go func() { schedDone <- sched.Run(schedCtx) }()
	} else {
		log.Warn("dispatch is off (--no-dispatch): messages queue up and nothing runs")
		go func() { <-schedCtx.Done(); schedDone <- nil }()
	}
	loopsDone, poke := s.startEventLoops(schedCtx, store, sched, apiServerOf(s.PublicURL, ln), log)
	defer loopsDone()
	pokeEvents.Store(&poke)
	if s.Pprof != "" {
		if err := servePprof(schedCtx, s.Pprof, log); err != nil {
			return err
		}
	}
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ln) }()
	log.Info("abaco serving", "version", abaco.Version, "listen", ln.Addr().String(), "data_dir", s.DataDir,
		"database", store.Dialect(), "runtime", rt.Name())

	select {
	case <-ctx.Done():
	case err := <-serveDone:
		stopSched()
		return err
	case err := <-schedDone:
		srv.Close()
		return fmt.Errorf("scheduler stopped: %w", err)
	}
	log.Info("shutting down; running containers keep running and are reattached at the next start")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	stopSched()
	<-schedDone
	return nil
}

// runtime picks the container runtime: Docker when it answers, else
// Apptainer when installed (see pickRuntime), else a stand-in that explains
// why nothing can run.
func (s *serveCmd) runtime(ctx context.Context, log *slog.Logger) runtimes.Runtime {
	return s.pickRuntime(ctx, log)
}

// dockerRuntime is Docker if it answers.
func (s *serveCmd) dockerRuntime(ctx context.Context, log *slog.Logger) runtimes.Runtime {
	rt, err := docker.New(docker.Options{Host: s.DockerHost})
	if err == nil {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = rt.Ping(pingCtx)
		cancel()
		if err == nil {
			return rt
		}
	}
	log.Warn("Docker did not answer", "err", err)
	return runtimes.Unavailable{Reason: fmt.Sprintf("Docker did not answer (%v)", err)}
}

// tenantsWithDev adds the dev tenant, whose key this server holds, unless
// the configuration defines a tenant named dev itself.
func tenantsWithDev(configured []identity.Tenant, key *rsa.PrivateKey) []identity.Tenant {
	for _, t := range configured {
		if t.ID == "dev" {
			return configured
		}
	}
	return append([]identity.Tenant{identity.DevTenant(key)}, configured...)
}

// devTokens gives executions of dev-tenant actors an access token for
// their owner; other tenants' tokens come from their own Tapis.
func devTokens(key *rsa.PrivateKey) func(tenant, user string) string {
	return func(tenant, user string) string {
		if tenant != "dev" {
			return ""
		}
		tok, err := identity.Mint(key, identity.Claims{Tenant: tenant, User: user, TTL: 4 * time.Hour})
		if err != nil {
			return ""
		}
		return tok
	}
}

type directory struct{ v *identity.Verifier }

func (d directory) TenantList() any { return d.v.Tenants() }
func (d directory) SiteList() any   { return d.v.Sites() }

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
