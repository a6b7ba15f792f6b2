package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
)

// recover runs once at start. It loads the workers, prepares actors still
// SUBMITTED, and settles every execution that was in flight when the last
// server stopped, so that none is lost and none runs twice:
//   - claimed but no container: it never started, so it goes back in the queue;
//   - a container exists (created, running or exited): supervise it again,
//     starting it if it was only created, and finalize it when it exits;
//   - RUNNING but the container is gone: finalize it as ERROR.
//
// Containers of ours that belong to no execution in flight are removed.
func (s *Local) recover(ctx context.Context) error {
	actors, err := s.store.ActorListAll(ctx)
	if err != nil {
		return err
	}
	byRef := make(map[abaco.ActorRef]*abaco.Actor, len(actors))
	for _, a := range actors {
		byRef[refOf(a)] = a
		workers, err := s.store.WorkerList(ctx, a.Tenant, a.ID)
		if err != nil {
			return err
		}
		var ready []*workerSnap
		s.mu.Lock()
		sl := s.slotsFor(refOf(a))
		for _, w := range workers {
			if w.HostID == s.opts.HostID || w.HostID == "" {
				w.Status = abaco.WorkerReady
				sl.idle = append(sl.idle, w)
				ready = append(ready, s.snapshot(w))
			}
		}
		s.mu.Unlock()
		for _, w := range ready { // those reattached below turn BUSY again
			s.saveWorker(ctx, w)
		}
		if a.Status == abaco.ActorSubmitted {
			s.prepare(ctx, refOf(a))
		}
	}

	claimed, err := s.store.ExecutionListClaimed(ctx)
	if err != nil {
		return err
	}
	inFlight := map[string]bool{}
	for _, e := range claimed {
		a := byRef[abaco.ActorRef{Tenant: e.Tenant, ActorID: e.ActorID}]
		if a == nil {
			continue
		}
		inFlight[containerName(e.ID)] = true
		if err := s.settle(ctx, a, e); err != nil {
			return err
		}
	}

	ours, err := s.rt.List(ctx, map[string]string{labelManaged: "true", labelHost: s.opts.HostID})
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	for _, h := range ours {
		if !inFlight[h.Name] {
			s.log.Info("remove leftover container", "container", h.Name)
			s.rt.Remove(ctx, h)
		}
	}
	return nil
}

// settle decides the fate of a claimed or RUNNING execution that no
// supervisor of this scheduler holds (after a restart, or when its worker
// vanished). Every store change is conditional on the execution's current
// state, so an execution is requeued or finalized at most once.
func (s *Local) settle(ctx context.Context, a *abaco.Actor, e *abaco.Execution) error {
	name := containerName(e.ID)
	h, state, err := s.rt.Find(ctx, name)
	switch {
	case errors.Is(err, runtimes.ErrNotFound) && e.Status == abaco.ExecSubmitted:
		s.log.Info("requeue execution that never started", "execution", e.ID)
		if err := s.store.ExecutionUnclaim(ctx, e.ID, e.WorkerID); err != nil {
			return fmt.Errorf("requeue %s: %w", e.ID, err)
		}
		s.poke()
	case errors.Is(err, runtimes.ErrNotFound):
		s.log.Warn("container of a running execution is gone", "execution", e.ID)
		now := s.clock.Now()
		done, err := s.store.ExecutionFinish(ctx, abaco.ExecutionFinishParams{
			ID: e.ID, Status: abaco.ExecError, FinishTime: now,
			FinalState: json.RawMessage(`{"unavailable": true}`),
		})
		if err != nil {
			return fmt.Errorf("finalize %s: %w", e.ID, err)
		}
		if done {
			s.finished(abaco.ExecError, e.StartTime, now)
			s.notifyFinished(e.ID, true)
		}
	case err != nil:
		return fmt.Errorf("find container %s: %w", name, err)
	default:
		s.log.Info("reattach execution", "execution", e.ID, "container_state", state)
		w := s.takeWorkerByID(ctx, a, e.WorkerID)
		r := s.track(a, e, w)
		s.runs.Add(1)
		go func() {
			defer s.runs.Done()
			s.work(ctx, r, &h, state)
		}()
	}
	return nil
}
