package abaco

import (
	"context"
	"time"
)

// displayLookupTimeout bounds the directory lookup behind an actor's
// display; executions wait for the directory's own timeout.
const displayLookupTimeout = 2 * time.Second

// HasDirectory reports whether tenant's executions run as their users'
// own accounts.
func (c *Config) HasDirectory(tenant string) bool {
	return c.Accounts != nil && c.Accounts.Enabled(tenant)
}

// RunAs resolves who an execution started by username runs as in tenant
// and which mounts it gets. The account is nil when the tenant has no
// directory (the default user applies). Errors are kinded and their
// messages are fit for the user: NotExist for an unknown user, Unavailable
// for a directory that does not answer, Invalid for a mount outside the
// allowed roots.
func (c *Config) RunAs(ctx context.Context, tenant, username string) (*Account, []Mount, error) {
	var acct *Account
	if c.HasDirectory(tenant) {
		var err error
		if acct, err = c.Accounts.Lookup(ctx, tenant, username); err != nil {
			return nil, nil, err
		}
		// A directory entry must never make an execution run as root.
		if acct.UID <= 0 || acct.GID <= 0 {
			return nil, nil, E(Invalid, "the account of %s has uid %d and gid %d; executions never run as root", username, acct.UID, acct.GID)
		}
	}
	mounts, err := c.Mounts.Mounts(tenant, username, acct)
	if err != nil {
		return nil, nil, err
	}
	return acct, mounts, nil
}

// RunAsUser is whose account an execution of a runs as: the sender's for a
// run_as_executor actor sent a message by a user, else the owner's (also
// for cron and event executions, which the owner set up).
func RunAsUser(a *Actor, e *Execution) string {
	if a.RunAsExecutor && e != nil && e.Username != "" && e.Executor == e.Username {
		return e.Username
	}
	return a.Owner
}

// ActorRunAs is what an actor's display shows of its run-as identity: the
// owner's account (nil without a directory or when it cannot be resolved
// now) and the mounts its executions get.
func (s *Service) ActorRunAs(ctx context.Context, a *Actor) (*Account, []Mount) {
	if s.cfg.HasDirectory(a.Tenant) {
		// A directory that does not answer must not stall listing actors.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, displayLookupTimeout)
		defer cancel()
	}
	acct, mounts, err := s.cfg.RunAs(ctx, a.Tenant, a.Owner)
	if err != nil {
		// The display must work while the directory is down; say why the
		// fields are empty in the log, and show the mounts that need no
		// account.
		s.log.Warn("resolve run-as account for display", "tenant", a.Tenant, "actor", a.ID, "owner", a.Owner, "err", err)
		mounts, _ = s.cfg.Mounts.Mounts(a.Tenant, a.Owner, nil)
		return nil, mounts
	}
	return acct, mounts
}

// ExecutionExecutorIDs is what an execution shows as executor_uid and
// executor_gid: the account a run_as_executor execution ran as, else nil.
func (s *Service) ExecutionExecutorIDs(ctx context.Context, e *Execution) (uid, gid *int) {
	uid, gid, err := s.store.ExecutionExecutorIDs(ctx, e.ID)
	if err != nil {
		return nil, nil // deleted meanwhile: nothing to show
	}
	return uid, gid
}
