// Package scheduler owns the execution queue and runs what it holds: it
// brings actors up (image ready → READY), claims queued executions within
// each actor's concurrency, runs each as a fresh container through a
// runtimes.Runtime, supervises it (logs, results, halts), finalizes it, and
// after a restart reattaches to whatever was in flight.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
)

// Options tune the local scheduler.
type Options struct {
	// RunDir holds the per-execution results sockets and binary FIFOs.
	RunDir string
	// HostID names this server in worker records and container labels.
	HostID string
	// MaxWorkersPerActor caps the parallel executions of a stateless actor
	// that sets no max_workers.
	MaxWorkersPerActor int
	// DefaultUser runs containers as this "uid:gid" unless the actor uses
	// its image's user; empty means the image's user.
	DefaultUser string
	// MemoryBytes, NanoCPUs and PidsLimit are the default container limits.
	MemoryBytes int64
	NanoCPUs    int64
	PidsLimit   int64
	// Network is the container network ("" for the runtime's default).
	Network string
	// MaxRunTime stops executions that run longer (0: no limit).
	MaxRunTime time.Duration
	// LogLimit caps an execution's stored log, in bytes.
	LogLimit int
	// LogFlushInterval is how often a running execution's log is saved.
	LogFlushInterval time.Duration
	// StartFailureLimit is how many consecutive container start failures
	// put an actor in ERROR.
	StartFailureLimit int
	// AccessToken, if set, mints the `_abaco_access_token` of an execution
	// for the actor's owner; it returns "" when it cannot.
	AccessToken func(tenant, user string) string
	// Configs, if set, returns the actor configs (secrets in clear) that
	// apply to an actor, injected as `_actor_configs`.
	Configs func(ctx context.Context, tenant, actorID string) (map[string]string, error)
	// SweepInterval is how often the queue is looked at without a wake-up.
	SweepInterval time.Duration
	// Pool tunes the autoscaler and the health pass (pool.go).
	Pool PoolOptions
	// OnFinished, if set, hears of every execution this scheduler
	// finalizes (for metrics).
	OnFinished func(status string, runtime time.Duration)
	// OnEvent, if set, is called after this scheduler commits a change that
	// queued an event for an actor's link or webhook (Events.Poke), so that
	// it is delivered now rather than on the outbox's next poll.
	OnEvent func()
}

func (o *Options) setDefaults() {
	if o.HostID == "" {
		o.HostID, _ = os.Hostname()
	}
	if o.MaxWorkersPerActor <= 0 {
		o.MaxWorkersPerActor = 6
	}
	if o.LogLimit <= 0 {
		o.LogLimit = 1_000_000
	}
	if o.LogFlushInterval <= 0 {
		o.LogFlushInterval = time.Second
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = defaultSweepInterval
	}
	if o.StartFailureLimit <= 0 {
		o.StartFailureLimit = 3
	}
	o.Pool.setDefaults()
}

// Local runs executions on the runtime of the host it runs on.
type Local struct {
	store abaco.Store
	rt    runtimes.Runtime
	clock abaco.Clock
	cfg   abaco.Config
	opts  Options
	log   *slog.Logger

	wake chan struct{}

	mu        sync.Mutex
	slots     map[abaco.ActorRef]*slots // per actor: workers and running count
	running   map[string]*run           // by execution id
	preparing map[abaco.ActorRef]bool
	failures  map[abaco.ActorRef]startFailure // consecutive container start failures
	writes    workerWrites                    // orders each worker's store writes (writes.go)
	waiters   map[string][]chan bool
	reserved  map[string]reservation // workers held by Reserve, by id (direct.go)
	recovered bool                   // Run's recovery is done: Reserve may hand out workers
	runs      sync.WaitGroup
	ctx       context.Context // set by Run; owns every goroutine started here
}

var _ abaco.Scheduler = (*Local)(nil)

// NewLocal builds a local scheduler; call Run to start it.
func NewLocal(store abaco.Store, rt runtimes.Runtime, clock abaco.Clock, cfg abaco.Config, opts Options, log *slog.Logger) (*Local, error) {
	opts.setDefaults()
	if err := os.MkdirAll(opts.RunDir, 0o755); err != nil {
		return nil, fmt.Errorf("create run dir: %w", err)
	}
	if n := len(socketPath(opts.RunDir, abaco.NewID()+"XXXX")); n > maxSocketPath {
		return nil, fmt.Errorf("run dir %s is too long for a unix socket path (%d > %d bytes); choose a shorter --data-dir", opts.RunDir, n, maxSocketPath)
	}
	if clock == nil {
		clock = abaco.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Local{
		store:     store,
		rt:        rt,
		clock:     clock,
		cfg:       cfg,
		opts:      opts,
		log:       log.With("component", "scheduler"),
		wake:      make(chan struct{}, 1),
		slots:     map[abaco.ActorRef]*slots{},
		running:   map[string]*run{},
		preparing: map[abaco.ActorRef]bool{},
		failures:  map[abaco.ActorRef]startFailure{},
		waiters:   map[string][]chan bool{},
		reserved:  map[string]reservation{},
	}, nil
}

// defaultSweepInterval bounds how long queued work can wait if a wake-up
// is lost (a notification missed while the database connection was down,
// say).
const defaultSweepInterval = 2 * time.Second

// queueWatcher is a store that tells of messages queued by any server
// sharing its database (storage.Store on PostgreSQL).
type queueWatcher interface {
	WatchQueue(ctx context.Context) (<-chan struct{}, error)
}

// Run recovers the work in flight and then dispatches until ctx ends. When
// it returns, supervision has stopped but containers keep running: the next
// Run reattaches to them.
func (s *Local) Run(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	if err := s.recover(ctx); err != nil {
		return fmt.Errorf("recover executions in flight: %w", err)
	}
	s.mu.Lock()
	s.recovered = true
	s.mu.Unlock()
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		s.writeWorkersInBackground(ctx)
	}()
	ticker := time.NewTicker(s.opts.SweepInterval)
	defer ticker.Stop()
	// Messages other servers sharing the database take (PostgreSQL).
	var queued <-chan struct{}
	if w, ok := s.store.(queueWatcher); ok {
		var err error
		if queued, err = w.WatchQueue(ctx); err != nil {
			s.log.Warn("other servers' messages are found by the periodic sweep only", "sweep", s.opts.SweepInterval, "err", err)
		}
	}
	scale := time.NewTicker(s.opts.Pool.AutoscaleInterval)
	defer scale.Stop()
	health := time.NewTicker(s.opts.Pool.HealthInterval)
	defer health.Stop()
	for {
		s.dispatch(ctx)
		select {
		case <-ctx.Done():
			s.runs.Wait()
			<-writer
			return nil
		case <-s.wake:
		case <-queued:
		case <-ticker.C:
		case <-scale.C:
			s.autoscale(ctx)
		case <-health.C:
			s.rescue(ctx)
		}
	}
}

// eventQueued tells the event loop of a change of a that queued an event
// (a status change or a finished execution), if a has a target.
func (s *Local) eventQueued(a *abaco.Actor) {
	if s.opts.OnEvent != nil && (a.Link != "" || a.Webhook != "") {
		s.opts.OnEvent()
	}
}

func (s *Local) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Enqueued wakes the dispatcher.
func (s *Local) Enqueued(tenant, actorID string) { s.poke() }

// ActorChanged prepares the actor's (new) image in the background.
func (s *Local) ActorChanged(tenant, actorID string) {
	ref := abaco.ActorRef{Tenant: tenant, ActorID: actorID}
	s.mu.Lock()
	ctx := s.ctx
	s.slotsFor(ref).epoch++ // busy workers finish, and do not carry on with the old actor
	s.mu.Unlock()
	if ctx == nil {
		return // not running yet: Run's recovery pass prepares it
	}
	s.prepare(ctx, ref)
}

// ActorDeleted stops the actor's running containers; the store has
// already dropped its queue.
func (s *Local) ActorDeleted(tenant, actorID string) {
	ref := abaco.ActorRef{Tenant: tenant, ActorID: actorID}
	s.mu.Lock()
	var halts []*run
	for _, r := range s.running {
		if r.ref == ref {
			halts = append(halts, r)
		}
	}
	delete(s.failures, ref)
	s.mu.Unlock()
	s.retireAll(context.Background(), ref)
	for _, r := range halts {
		r.requestHalt()
	}
}

// Halt stops a running execution's container.
func (s *Local) Halt(executionID string) {
	s.mu.Lock()
	r := s.running[executionID]
	s.mu.Unlock()
	if r != nil {
		r.requestHalt()
	}
}

// prepare makes the actor's image ready and moves the actor to READY, or to
// ERROR with a message saying why. One preparation per actor runs at a time.
func (s *Local) prepare(ctx context.Context, ref abaco.ActorRef) {
	s.mu.Lock()
	if s.preparing[ref] {
		s.mu.Unlock()
		return
	}
	s.preparing[ref] = true
	s.runs.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.runs.Done()
		defer func() {
			s.mu.Lock()
			delete(s.preparing, ref)
			s.mu.Unlock()
		}()
		a, err := s.store.ActorGet(ctx, ref.Tenant, ref.ActorID)
		if err != nil {
			if !errors.Is(err, abaco.ErrNotFound) {
				s.log.Error("load actor to prepare", "actor", ref.ActorID, "err", err)
			}
			return
		}
		if a.Status != abaco.ActorSubmitted {
			return
		}
		status, msg := abaco.ActorReady, ""
		if err := s.rt.PrepareImage(ctx, a.Image); err != nil {
			if ctx.Err() != nil {
				return
			}
			status, msg = abaco.ActorError, fmt.Sprintf("Could not start a worker for image %s: %v", a.Image, err)
		} else if err := s.checkOwner(ctx, a); err != nil {
			status, msg = abaco.ActorError, fmt.Sprintf("Cannot run executions as %s: %v", a.Owner, err)
		} else if err := s.ensureWorker(ctx, a); err != nil {
			s.log.Error("create worker", "actor", a.ID, "err", err)
			return
		}
		if status == abaco.ActorError {
			s.refuseDirect(ref, a.Revision)
		}
		if _, err := s.store.ActorSetStatus(ctx, abaco.ActorSetStatusParams{
			Tenant: a.Tenant, ActorID: a.ID, Revision: a.Revision,
			Status: status, StatusMessage: msg, Now: s.clock.Now(),
		}); err != nil {
			s.log.Error("set actor status", "actor", a.ID, "err", err)
			return
		}
		s.eventQueued(a)
		s.log.Info("actor prepared", "tenant", a.Tenant, "actor", a.ID, "revision", a.Revision, "status", status, "message", msg)
		if status == abaco.ActorReady {
			s.mu.Lock()
			delete(s.failures, ref)
			s.mu.Unlock()
			s.poke()
		}
	}()
}

// dispatch claims queued executions for every actor with free capacity:
// one worker per waiting message up to each actor's limit, all claimed in
// one transaction, and starts them.
func (s *Local) dispatch(ctx context.Context) {
	queues, err := s.store.ExecutionQueues(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("list actors with pending messages", "err", err)
		}
		return
	}
	var held []reservation
	for _, q := range queues {
		a := q.Actor
		switch a.Status {
		case abaco.ActorSubmitted:
			s.prepare(ctx, refOf(a))
			continue
		case abaco.ActorReady:
		default:
			continue // ERROR or SHUTTING_DOWN: messages wait for a fix
		}
		held = append(held, s.reserveWorkers(ctx, a, q.Pending)...)
	}
	if len(held) == 0 {
		return
	}
	claims := make([]abaco.ExecutionClaimParams, len(held))
	for i, res := range held {
		claims[i] = abaco.ExecutionClaimParams{Tenant: res.actor.Tenant, ActorID: res.actor.ID, WorkerID: res.worker.ID}
	}
	got, err := s.store.ExecutionClaimMany(ctx, claims)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("claim executions", "err", err)
		}
		got = make([]*abaco.Execution, len(held))
	}
	for i, res := range held {
		e := got[i]
		if e == nil {
			s.unreserve(ctx, res)
			continue
		}
		s.start(ctx, res, e)
	}
}

// start runs e, just claimed by res's worker, in a goroutine of its own;
// the run is tracked when start returns.
func (s *Local) start(ctx context.Context, res reservation, e *abaco.Execution) {
	s.claimed(res)
	r := s.track(res.actor, e, res.worker)
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		s.work(ctx, r, nil, "")
	}()
}
