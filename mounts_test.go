package abaco

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMountPolicy(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	work, scratch, outside := filepath.Join(root, "work"), filepath.Join(root, "scratch"), t.TempDir()
	for _, d := range []string{filepath.Join(work, "alice"), filepath.Join(scratch, "hpc", "alice")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	// A link inside a root that points outside must not let a mount escape.
	require.NoError(t, os.Symlink(outside, filepath.Join(work, "escape")))

	p := MountPolicy{
		Roots:   []string{work, scratch},
		Global:  []Mount{{HostPath: scratch + "/{tenant_id}/{username}", ContainerPath: "/scratch", Mode: "rw"}},
		Tenants: map[string][]Mount{"hpc": {{HostPath: "{work_dir}/shared", ContainerPath: "/shared/"}}},
	}
	require.NoError(t, p.Validate())
	alice := &Account{Username: "alice", UID: 1, GID: 1, WorkDir: filepath.Join(work, "alice")}
	got, err := p.Mounts("hpc", "alice", alice)
	require.NoError(t, err)
	require.Equal(t, []Mount{
		{HostPath: filepath.Join(work, "alice"), ContainerPath: "/work", Mode: "rw"},
		{HostPath: filepath.Join(scratch, "hpc", "alice"), ContainerPath: "/scratch", Mode: "rw"},
		{HostPath: filepath.Join(work, "alice", "shared"), ContainerPath: "/shared", Mode: "ro"},
	}, got)

	// Without an account, mounts that need the work dir are left out.
	got, err = p.Mounts("hpc", "alice", nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	got, err = p.Mounts("other", "alice", alice)
	require.NoError(t, err)
	require.Len(t, got, 2)

	for name, acct := range map[string]*Account{
		"dotdot":  {WorkDir: work + "/../../etc"},
		"symlink": {WorkDir: filepath.Join(work, "escape")},
		"other":   {WorkDir: outside},
		"prefix":  {WorkDir: work + "x"},
	} {
		_, err := p.Mounts("hpc", "alice", acct)
		require.Equal(t, Invalid, KindOf(err), name)
		require.ErrorContains(t, err, "outside the allowed mount roots", name)
	}
	_, err = (&MountPolicy{}).Mounts("hpc", "alice", alice)
	require.ErrorContains(t, err, "none are configured: set mounts.roots")
	_, err = p.Mounts("hpc", "../../etc", nil)
	require.ErrorContains(t, err, "cannot name a mount path")

	for _, bad := range []MountPolicy{
		{Global: []Mount{{HostPath: "/x", ContainerPath: "/x"}}},
		{Roots: []string{"rel"}},
		{Roots: []string{"/"}, Global: []Mount{{HostPath: "x", ContainerPath: "/x"}}},
		{Roots: []string{"/"}, Global: []Mount{{HostPath: "/x", ContainerPath: "/"}}},
		{Roots: []string{"/"}, Global: []Mount{{HostPath: "/x", ContainerPath: "/x", Mode: "rwx"}}},
	} {
		require.Error(t, bad.Validate(), "%+v", bad)
	}
}

type oneAccount struct{ acct *Account }

func (o oneAccount) Enabled(string) bool { return true }
func (o oneAccount) Lookup(context.Context, string, string) (*Account, error) {
	c := *o.acct
	return &c, nil
}

func TestRunAsNeverRoot(t *testing.T) {
	t.Parallel()
	cfg := Config{Accounts: oneAccount{&Account{UID: 0, GID: 100}}}
	_, _, err := cfg.RunAs(context.Background(), "t", "root")
	require.ErrorContains(t, err, "executions never run as root")

	cfg = Config{Accounts: oneAccount{&Account{UID: 5, GID: 6}}}
	acct, mounts, err := cfg.RunAs(context.Background(), "t", "u")
	require.NoError(t, err)
	require.Equal(t, "5:6", acct.User())
	require.Empty(t, mounts)

	a := &Actor{Owner: "owner", RunAsExecutor: true}
	require.Equal(t, "sender", RunAsUser(a, &Execution{Executor: "sender", Username: "sender"}))
	require.Equal(t, "owner", RunAsUser(a, &Execution{Executor: ExecutorCron}))
	require.Equal(t, "owner", RunAsUser(a, &Execution{Executor: "nonceowner"}), "nonce sends run as the owner")
	a.RunAsExecutor = false
	require.Equal(t, "owner", RunAsUser(a, &Execution{Executor: "sender", Username: "sender"}))
}
