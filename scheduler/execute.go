package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
)

// run is one execution in the hands of this scheduler.
type run struct {
	ref      abaco.ActorRef
	actor    *abaco.Actor
	exec     *abaco.Execution
	worker   *abaco.Worker
	epoch    uint64           // the actor's slots epoch when dispatched
	next     *abaco.Execution // claimed by the worker as it finished this one
	ipc      *ipc             // the worker's results socket, passed along with next
	halt     chan struct{}
	haltOnce sync.Once
}

func (r *run) requestHalt() { r.haltOnce.Do(func() { close(r.halt) }) }

// startFailure backs an actor off after container start failures.
type startFailure struct {
	count   int
	retryAt time.Time
}

// containerName is stable per execution, so that a retried create or a
// restarted server finds the same container instead of running it twice.
func containerName(executionID string) string { return "abaco-" + executionID }

// Labels on every container we create.
const (
	labelManaged   = "org.abaco.managed"
	labelHost      = "org.abaco.host"
	labelTenant    = "org.abaco.tenant"
	labelActor     = "org.abaco.actor"
	labelExecution = "org.abaco.execution"
	labelOwner     = "org.abaco.owner"
)

func (s *Local) track(a *abaco.Actor, e *abaco.Execution, w *abaco.Worker) *run {
	r := &run{ref: refOf(a), actor: a, exec: e, worker: w, halt: make(chan struct{})}
	s.mu.Lock()
	s.running[e.ID] = r
	r.epoch = s.slotsFor(r.ref).epoch
	s.mu.Unlock()
	if e.HaltRequested {
		r.requestHalt()
	}
	return r
}

// untrack ends r; its worker goes back to the pool unless it carries on
// with the execution it claimed (work).
func (s *Local) untrack(ctx context.Context, r *run) {
	s.mu.Lock()
	delete(s.running, r.exec.ID)
	s.mu.Unlock()
	if r.next == nil {
		s.releaseWorker(ctx, r.actor, r.worker)
	}
}

// work runs r and then, for as long as its worker carries on with its
// actor's queue, the execution it claimed in the commit that finished the
// previous one: a busy actor's worker goes from one message to the next
// without waiting for a dispatch pass, and pays one commit for both the
// finish and the claim. found and state are those of a recovered run.
func (s *Local) work(ctx context.Context, r *run, found *runtimes.Handle, state runtimes.State) {
	s.execute(ctx, r, found, state)
	for r.next != nil {
		next := r.next
		s.mu.Lock()
		r.worker.LastExecutionTime = s.clock.Now()
		snap := s.snapshot(r.worker)
		s.mu.Unlock()
		s.saveWorkerLater(snap)
		epoch, kept := r.epoch, r.ipc // the actor as dispatched: a change meanwhile ends the chain
		r = s.track(r.actor, next, r.worker)
		r.epoch, r.ipc = epoch, kept
		s.execute(ctx, r, nil, "")
	}
}

// execute runs one claimed execution to its end. found is the container of
// a recovered execution (nil for a fresh one) and state its state.
func (s *Local) execute(ctx context.Context, r *run, found *runtimes.Handle, state runtimes.State) {
	defer s.untrack(context.WithoutCancel(ctx), r)
	// The worker's socket (this run's, or the one it inherited from the
	// execution before in its chain) is released unless the worker carries
	// on with a next execution (work), whatever path ends this one.
	defer func() {
		if r.next == nil && r.ipc != nil {
			r.ipc.Close()
		}
	}()
	e, a := r.exec, r.actor
	fresh := found == nil || state == runtimes.StateCreated
	var ra runAs
	if found == nil {
		var user string
		var err error
		if ra, user, err = s.resolveRunAs(ctx, a, e); err != nil {
			if ctx.Err() == nil {
				s.runAsFailed(ctx, r, user, err)
			}
			return
		}
		s.recordExecutorIDs(ctx, a, e, ra)
	}
	p, err := openIPC(s.opts.RunDir, r.worker.ID, e.ID, r.ipc, e.Message, fresh && e.ContentType == abaco.ContentBinary)
	if err != nil {
		s.startFailed(ctx, r, found, err)
		return
	}
	r.ipc = p

	var h runtimes.Handle
	if found != nil {
		h = *found
	} else {
		spec := s.containerSpec(a, e, r.worker.ID, p, ra)
		if err := s.addConfigs(ctx, a, spec.Env); err != nil {
			s.startFailed(ctx, r, nil, err)
			return
		}
		if h, err = s.rt.Create(ctx, spec); err != nil {
			s.startFailed(ctx, r, nil, err)
			return
		}
	}
	if fresh {
		if err := s.rt.Start(ctx, h); err != nil {
			s.startFailed(ctx, r, &h, err)
			return
		}
	}
	started := e.StartTime
	if e.Status == abaco.ExecSubmitted {
		started = s.clock.Now()
		s.setRunningLater(ctx, abaco.ExecutionSetRunningParams{ID: e.ID, WorkerID: r.worker.ID, StartTime: started})
	}
	s.mu.Lock()
	delete(s.failures, r.ref)
	s.mu.Unlock()
	s.log.Info("execution running", "tenant", e.Tenant, "actor", e.ActorID, "execution", e.ID, "worker", r.worker.ID)
	s.supervise(ctx, r, h, p, started)
}

// startFailed puts the execution back in the queue and backs the actor
// off; after StartFailureLimit consecutive failures the actor goes to ERROR
// with the reason, and its messages wait until it is fixed.
func (s *Local) startFailed(ctx context.Context, r *run, h *runtimes.Handle, cause error) {
	if ctx.Err() != nil {
		return // shutting down: recovery picks it up
	}
	bg := context.WithoutCancel(ctx)
	if h != nil {
		s.rt.Remove(bg, *h)
	}
	s.log.Warn("container start failed", "actor", r.actor.ID, "execution", r.exec.ID, "err", cause)
	if err := s.store.ExecutionUnclaim(bg, r.exec.ID, r.worker.ID); err != nil {
		s.log.Error("requeue execution", "execution", r.exec.ID, "err", err)
	}
	s.mu.Lock()
	f := s.failures[r.ref]
	f.count++
	f.retryAt = s.clock.Now().Add(time.Duration(1<<min(f.count, 6)) * 250 * time.Millisecond)
	s.failures[r.ref] = f
	s.mu.Unlock()
	if f.count < s.opts.StartFailureLimit {
		return
	}
	msg := fmt.Sprintf("Could not start a container for image %s after %d attempts: %v", r.actor.Image, f.count, cause)
	s.refuseDirect(r.ref, r.actor.Revision)
	if _, err := s.store.ActorSetStatus(bg, abaco.ActorSetStatusParams{
		Tenant: r.actor.Tenant, ActorID: r.actor.ID, Revision: r.actor.Revision,
		Status: abaco.ActorError, StatusMessage: msg, Now: s.clock.Now(),
	}); err != nil {
		s.log.Error("set actor ERROR", "actor", r.actor.ID, "err", err)
	}
	s.eventQueued(r.actor)
	s.mu.Lock()
	delete(s.failures, r.ref)
	s.mu.Unlock()
	s.retireAll(bg, r.ref)
}

func (s *Local) containerSpec(a *abaco.Actor, e *abaco.Execution, workerID string, p *ipc, ra runAs) runtimes.Spec {
	token := ""
	if s.opts.AccessToken != nil && ((a.Token == nil && s.cfg.DefaultToken) || (a.Token != nil && *a.Token)) {
		token = s.opts.AccessToken(a.Tenant, a.Owner)
	}
	spec := runtimes.Spec{
		Name:        containerName(e.ID),
		Image:       a.Image,
		Env:         environment(a, e, workerID, token, e.APIServer),
		Privileged:  a.Privileged,
		MemoryBytes: s.opts.MemoryBytes,
		NanoCPUs:    s.opts.NanoCPUs,
		PidsLimit:   s.opts.PidsLimit,
		Network:     s.opts.Network,
		Mounts:      []runtimes.Mount{{HostPath: p.socket, ContainerPath: containerResultsSocket, ReadOnly: true}},
		Labels: map[string]string{
			labelManaged: "true", labelHost: s.opts.HostID, labelTenant: a.Tenant,
			labelActor: a.ID, labelExecution: e.ID, labelOwner: a.Owner,
		},
	}
	s.applyRunAs(&spec, a, ra)
	if a.MemLimit != nil {
		spec.MemoryBytes, _ = runtimes.ParseSize(*a.MemLimit)
	}
	if a.MaxCPUs != nil {
		spec.NanoCPUs = max(*a.MaxCPUs, 0)
	}
	if p.fifo != "" {
		spec.Mounts = append(spec.Mounts, runtimes.Mount{HostPath: p.fifo, ContainerPath: containerBinaryFIFO, ReadOnly: true})
	}
	return spec
}

// addConfigs puts the actor configs that apply to a (by id or alias) into
// the environment as `_actor_configs`, a JSON object of name → value with
// secrets in clear (reference §8). A lookup failure is a start failure: the
// execution goes back in the queue rather than running without them.
func (s *Local) addConfigs(ctx context.Context, a *abaco.Actor, env map[string]string) error {
	if s.opts.Configs == nil {
		return nil
	}
	configs, err := s.opts.Configs(ctx, a.Tenant, a.ID)
	if err != nil {
		return fmt.Errorf("read actor configs: %w", err)
	}
	if configs == nil {
		configs = map[string]string{}
	}
	text, err := json.Marshal(configs)
	if err != nil {
		return err
	}
	env["_actor_configs"] = string(text)
	return nil
}

type waitResult struct {
	exit runtimes.Exit
	err  error
}

// supervise follows a started container until it exits: it streams the log
// into the store, queues result datagrams, samples usage, stops the
// container on a halt or the run-time limit, and finalizes the execution.
// If ctx ends first (server shutdown), it returns without finalizing and
// the container keeps running for the next server to reattach.
func (s *Local) supervise(ctx context.Context, r *run, h runtimes.Handle, p *ipc, started time.Time) {
	e := r.exec
	logs := newLogBuffer(s.opts.LogLimit)
	logCtx, cancelLogs := context.WithCancel(ctx)
	defer cancelLogs()
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		if err := s.rt.Logs(logCtx, h, logs); err != nil && logCtx.Err() == nil {
			s.log.Warn("follow logs", "execution", e.ID, "err", err)
		}
	}()
	resultsDone := make(chan struct{})
	go func() {
		defer close(resultsDone)
		s.collectResults(context.WithoutCancel(ctx), e.ID, p)
	}()
	waited := make(chan waitResult, 1)
	go func() {
		exit, err := s.rt.Wait(ctx, h)
		waited <- waitResult{exit, err}
	}()

	var deadline <-chan time.Time
	if s.opts.MaxRunTime > 0 {
		timer := time.NewTimer(s.opts.MaxRunTime - time.Since(started))
		defer timer.Stop()
		deadline = timer.C
	}
	tick := time.NewTicker(s.opts.LogFlushInterval)
	defer tick.Stop()
	var usage runtimes.Stats
	halt := r.halt
	var w waitResult
	for waiting := true; waiting; {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.flushLog(ctx, r, logs)
			if st, err := s.rt.Stats(ctx, h); err == nil {
				usage = st
			}
		case <-halt:
			halt = nil
			s.log.Info("halting execution", "execution", e.ID)
			go s.rt.Stop(ctx, h, 2*time.Second)
		case <-deadline:
			deadline = nil
			s.log.Info("execution exceeded the run-time limit", "execution", e.ID, "limit", s.opts.MaxRunTime)
			go s.rt.Stop(ctx, h, 2*time.Second)
		case w = <-waited:
			waiting = false
		}
	}
	if w.err != nil && ctx.Err() != nil {
		return
	}
	// The log stream ends when the container stops; wait for its tail.
	select {
	case <-logsDone:
	case <-time.After(10 * time.Second):
		cancelLogs()
		<-logsDone
	}
	// Everything the container sent is queued on the socket by now: stop
	// the collector, then take what is left without waiting.
	p.results.SetReadDeadline(time.Now())
	<-resultsDone
	for _, data := range p.drain() {
		s.pushResult(context.WithoutCancel(ctx), e.ID, data)
	}
	s.finalize(context.WithoutCancel(ctx), r, h, p, started, w, usage, logs)
}

// collectResults queues every datagram the container sends, until the
// socket is closed or its read deadline passes.
func (s *Local) collectResults(ctx context.Context, executionID string, p *ipc) {
	buf := resultBuffers.Get().(*[maxResultBytes]byte)
	defer resultBuffers.Put(buf)
	for {
		n, _, err := p.results.ReadFrom(buf[:])
		if err != nil {
			return
		}
		s.pushResult(ctx, executionID, append([]byte(nil), buf[:n]...))
	}
}

func (s *Local) pushResult(ctx context.Context, executionID string, data []byte) {
	if err := s.store.ResultPush(ctx, executionID, data, s.clock.Now().Add(s.cfg.ResultTTL)); err != nil {
		s.log.Error("store result", "execution", executionID, "err", err)
	}
}

func (s *Local) flushLog(ctx context.Context, r *run, logs *logBuffer) {
	text, changed := logs.text()
	if !changed {
		return
	}
	if err := s.store.LogPut(ctx, s.logRecord(r, text)); err != nil && ctx.Err() == nil {
		s.log.Warn("save running log", "execution", r.exec.ID, "err", err)
	}
}

// logRecord applies the actor's log retention, capped by the limit.
func (s *Local) logRecord(r *run, text string) *abaco.Log {
	keep := s.cfg.LogExDefault
	if r.actor.LogEx != nil {
		keep = min(*r.actor.LogEx, s.cfg.LogExLimit)
	}
	return &abaco.Log{
		ExecutionID: r.exec.ID, Tenant: r.exec.Tenant, ActorID: r.exec.ActorID, Text: text,
		ExpiresAt: s.clock.Now().Add(time.Duration(keep) * time.Second),
	}
}

// finalize stores the log and the outcome (one transaction, log first),
// wakes synchronous waiters, and removes the container. If the store is
// unreachable the container is kept so that recovery can finalize later.
func (s *Local) finalize(ctx context.Context, r *run, h runtimes.Handle, p *ipc, started time.Time, w waitResult, usage runtimes.Stats, logs *logBuffer) {
	e := r.exec
	text, _ := logs.text()
	params := abaco.ExecutionFinishParams{
		ID: e.ID, Status: abaco.ExecComplete, StartTime: started, FinishTime: s.clock.Now(),
		CPU: usage.CPUNanos, IO: usage.NetRxBytes, Log: s.logRecord(r, text),
	}
	if w.err != nil {
		params.Status = abaco.ExecError
		params.FinalState = json.RawMessage(`{"unavailable": true}`)
		s.log.Error("wait for container", "execution", e.ID, "err", w.err)
	} else {
		code := w.exit.ExitCode
		params.ExitCode = &code
		params.FinalState = w.exit.State
		if !w.exit.FinishedAt.IsZero() {
			params.FinishTime = w.exit.FinishedAt.UTC().Truncate(time.Millisecond)
		}
	}
	params.Runtime = int(params.FinishTime.Sub(started).Seconds())
	s.forgetRunning(e.ID) // the finish writes the start time itself
	done, next, err := s.store.ExecutionFinishNext(ctx, params, s.carryOn(r))
	if err != nil {
		s.log.Error("finalize execution; the container is kept for recovery", "execution", e.ID, "err", err)
		return
	}
	if done {
		s.finished(params.Status, started, params.FinishTime)
		s.eventQueued(r.actor)
	}
	r.next = next
	s.log.Info("execution finished", "tenant", e.Tenant, "actor", e.ActorID, "execution", e.ID,
		"status", params.Status, "exit_code", derefInt(params.ExitCode), "runtime_s", params.Runtime)
	s.notifyFinished(e.ID, done)
	if err := s.rt.Remove(ctx, h); err != nil && !errors.Is(err, runtimes.ErrNotFound) {
		s.log.Warn("remove container", "execution", e.ID, "err", err)
	}
	p.closeFIFO()
	p.removeFIFO()
	if r.next == nil {
		p.Close()
		p.Remove()
	}
}

func derefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
