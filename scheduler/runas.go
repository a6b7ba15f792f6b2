package scheduler

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/runtimes"
)

// runAs is who an execution's container runs as and what it mounts.
type runAs struct {
	account *abaco.Account // nil: no directory for the tenant
	mounts  []abaco.Mount
}

// resolveRunAs looks up the account the execution runs as (the owner's,
// or the sender's for run_as_executor) and its mounts.
func (s *Local) resolveRunAs(ctx context.Context, a *abaco.Actor, e *abaco.Execution) (runAs, string, error) {
	user := abaco.RunAsUser(a, e)
	acct, mounts, err := s.cfg.RunAs(ctx, a.Tenant, user)
	return runAs{account: acct, mounts: mounts}, user, err
}

// recordExecutorIDs keeps the account a run_as_executor execution runs
// as, shown as its executor_uid and executor_gid.
func (s *Local) recordExecutorIDs(ctx context.Context, a *abaco.Actor, e *abaco.Execution, ra runAs) {
	if !a.RunAsExecutor || ra.account == nil {
		return
	}
	if err := s.store.ExecutionSetExecutorIDs(ctx, e.ID, ra.account.UID, ra.account.GID); err != nil {
		s.log.Warn("record executor ids", "execution", e.ID, "err", err)
	}
}

// applyRunAs sets the container's user, groups and mounts. Without a
// directory the configured default user applies; privileged actors and
// those using their image's uid (both admin-approved) run as the image's
// user.
func (s *Local) applyRunAs(spec *runtimes.Spec, a *abaco.Actor, ra runAs) {
	spec.User = s.opts.DefaultUser
	if ra.account != nil {
		spec.User = ra.account.User()
		spec.Groups = ra.account.GroupList()
	}
	if a.UseContainerUID || a.Privileged {
		spec.User, spec.Groups = "", nil
	}
	for _, m := range ra.mounts {
		spec.Mounts = append(spec.Mounts, runtimes.Mount{HostPath: m.HostPath, ContainerPath: m.ContainerPath, ReadOnly: m.Mode != abaco.MountRW})
	}
}

// runAsFailed ends an execution that cannot run as its user, as ERROR with
// the reason as its log, so that the user reads why. It never falls back
// to another user: a wrong identity is worse than no run.
func (s *Local) runAsFailed(ctx context.Context, r *run, user string, cause error) {
	e := r.exec
	msg := fmt.Sprintf("Abaco could not run this execution as %s: %v", user, cause)
	s.log.Warn("execution refused: run-as account", "tenant", e.Tenant, "actor", e.ActorID, "execution", e.ID, "user", user, "err", cause)
	state, _ := json.Marshal(map[string]any{"unavailable": true, "Error": msg})
	now := s.clock.Now()
	if _, err := s.store.ExecutionFinish(context.WithoutCancel(ctx), abaco.ExecutionFinishParams{
		ID: e.ID, Status: abaco.ExecError, StartTime: now, FinishTime: now,
		FinalState: state, Log: s.logRecord(r, msg+"\n"),
	}); err != nil {
		s.log.Error("finalize refused execution", "execution", e.ID, "err", err)
		return
	}
	s.notifyFinished(e.ID, false)
}

// checkOwner tells why an actor's owner cannot run anything here (no
// account, a mount outside the roots), so the actor goes to ERROR with that
// reason. A directory that is down now is no reason: executions report it.
func (s *Local) checkOwner(ctx context.Context, a *abaco.Actor) error {
	if !s.cfg.HasDirectory(a.Tenant) {
		return nil
	}
	_, _, err := s.cfg.RunAs(ctx, a.Tenant, a.Owner)
	if err != nil && abaco.KindOf(err) != abaco.Unavailable {
		return err
	}
	return nil
}
