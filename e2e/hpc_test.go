package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco/internal/ldaptest"
	"github.com/abaco-hpc/abaco/internal/testenv"
)

// hpcSite is an LDAP directory, a /work tree with one directory per user
// owned by that user, and a server configured to run executions as the
// directory's accounts with their work directories mounted.
type hpcSite struct {
	ldap *ldaptest.Server
	work string // the host's /work
	*server
}

var hpcUsers = []ldaptest.User{
	{Name: "alice", UID: 20001, GID: 20001},
	{Name: "bob", UID: 20002, GID: 20002},
	{Name: "carol", UID: 20003, GID: 20003},
}

func startHPC(t *testing.T, database string) *hpcSite {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give each user's work directory to that user")
	}
	l := ldaptest.Start(t, hpcUsers, []ldaptest.Group{{Name: "proj", GID: 30001, Members: []string{"alice"}}})
	root, err := os.MkdirTemp("", "abaco-hpc-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	require.NoError(t, os.Chmod(root, 0o755))
	work := filepath.Join(root, "work")
	for _, u := range hpcUsers {
		dir := filepath.Join(work, u.Name)
		require.NoError(t, os.MkdirAll(dir, 0o700))
		require.NoError(t, os.Chown(dir, u.UID, u.GID))
	}
	require.NoError(t, os.WriteFile(filepath.Join(work, "bob", "secret.txt"), []byte("bob's secret\n"), 0o600))
	require.NoError(t, os.Chown(filepath.Join(work, "bob", "secret.txt"), 20002, 20002))
	config := filepath.Join(root, "abaco.yaml")
	require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(`
directory:
  provider: ldap
  ldap:
    url: %s
    bind_dn: %s
    bind_password_file: %s
    base_dn: %s
    group_base_dn: %s
    timeout: 3s
  work_dir: %s/{username}
  cache_ttl: 1h
  negative_ttl: 1h
mounts:
  roots: [%s]
`, l.URL, ldaptest.BindDN, l.PasswordFile, ldaptest.People, ldaptest.Groups, work, work)), 0o644))
	return &hpcSite{ldap: l, work: work, server: startServer(t, database, "--config", config)}
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// forEachHPC runs fn against a fresh site on SQLite and on PostgreSQL.
func forEachHPC(t *testing.T, fn func(t *testing.T, h *hpcSite)) {
	requireImages(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, startHPC(t, ""))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, startHPC(t, testenv.PostgresURL(t)))
	})
}

func TestHPCRunsAsTheLDAPAccount(t *testing.T) {
	forEachHPC(t, func(t *testing.T, h *hpcSite) {
		alice := h.token("alice")
		id := h.createActor(alice, map[string]any{"image": "abacosamples/test"})

		actor := h.getJSON("/v3/actors/"+id, alice).result(t)
		require.EqualValues(t, 20001, actor["uid"])
		require.EqualValues(t, 20001, actor["gid"])
		require.Equal(t, []any{map[string]any{"host_path": filepath.Join(h.work, "alice"), "container_path": "/work", "mode": "rw"}}, actor["mounts"])

		eid := h.message(alice, id, "message=hello", query("WRITE", "/work/out.txt"))
		e := h.waitExecution(alice, id, eid, "COMPLETE")
		require.Contains(t, e, "executor_uid")
		require.Nil(t, e["executor_uid"], "set for run_as_executor only")
		logs := h.logs(alice, id, eid)
		require.Contains(t, logs, "uid=20001 gid=20001\ngroups=20001,30001\n")
		require.Contains(t, logs, "write /work/out.txt: ok\n")
		info, err := os.Stat(filepath.Join(h.work, "alice", "out.txt"))
		require.NoError(t, err)
		st := info.Sys().(*syscall.Stat_t)
		require.Equal(t, [2]uint32{20001, 20001}, [2]uint32{st.Uid, st.Gid}, "the file belongs to the researcher")

		// Every execution, the display and the actor's preparation asked
		// for alice: the directory was searched once.
		for range 2 {
			e := h.message(alice, id, "message=again")
			h.waitExecution(alice, id, e, "COMPLETE")
		}
		h.getJSON("/v3/actors/"+id, alice)
		require.Equal(t, 1, h.ldap.Searches("(uid=alice)"), h.ldap.Log())

		// run_as_executor is allowed with a directory: the sender's account
		// and work directory are used (an admin may message any actor).
		rae := h.createActor(alice, map[string]any{"image": "abacosamples/test", "run_as_executor": true})
		bob := h.token("bob", "abaco_admin")
		eid = h.message(bob, rae, "message=hi", query("CAT", "/work/secret.txt"))
		e = h.waitExecution(bob, rae, eid, "COMPLETE")
		require.EqualValues(t, 20002, e["executor_uid"])
		require.EqualValues(t, 20002, e["executor_gid"])
		logs = h.logs(bob, rae, eid)
		require.Contains(t, logs, "uid=20002 gid=20002\ngroups=20002\n")
		require.Contains(t, logs, "bob's secret\n")
		r := h.postJSON("/v3/actors", alice, map[string]any{"image": "abacosamples/test", "run_as_executor": true, "use_container_uid": true})
		require.Equal(t, 400, r.Code)
		require.Equal(t, "Cannot set both use_container_uid and run_as_executor as true", r.Env.Message)

		// A user the directory does not know: the actor says why it cannot run.
		mallory := h.token("mallory")
		r = h.postJSON("/v3/actors", mallory, map[string]any{"image": "abacosamples/test"})
		require.Equal(t, 200, r.Code, "%s", r.Body)
		a := h.waitActor(mallory, r.result(t)["id"].(string), "ERROR")
		require.Equal(t, "Cannot run executions as mallory: user mallory has no account in the directory", a["status_message"])
		require.Nil(t, a["uid"])
		require.Equal(t, []any{}, a["mounts"])
	})
}

func TestHPCDirectoryOutage(t *testing.T) {
	requireImages(t)
	t.Parallel()
	h := startHPC(t, "")
	alice := h.token("alice")
	id := h.createActor(alice, map[string]any{"image": "abacosamples/test"})
	eid := h.message(alice, id, "message=before")
	h.waitExecution(alice, id, eid, "COMPLETE")

	h.ldap.Stop()
	// A cached account still runs.
	eid = h.message(alice, id, "message=during")
	h.waitExecution(alice, id, eid, "COMPLETE")
	require.Contains(t, h.logs(alice, id, eid), "uid=20001 gid=20001\n")

	// One that is not fails clearly, and never as anyone else.
	carol := h.token("carol")
	cid := h.createActor(carol, map[string]any{"image": "abacosamples/test"})
	require.Nil(t, h.getJSON("/v3/actors/"+cid, carol).result(t)["uid"], "unknown while the directory is down")
	eid = h.message(carol, cid, "message=during")
	e := h.waitExecution(carol, cid, eid, "ERROR")
	want := "Abaco could not run this execution as carol: the account directory (" + h.ldap.URL + ") is unavailable: "
	require.True(t, strings.HasPrefix(h.logs(carol, cid, eid), want), h.logs(carol, cid, eid))
	require.Contains(t, e["final_state"].(map[string]any)["Error"], want)
	require.Nil(t, e["exit_code"])

	// The directory returns: so does carol.
	h.ldap.Start()
	eid = h.message(carol, cid, "message=after")
	h.waitExecution(carol, cid, eid, "COMPLETE")
	require.Contains(t, h.logs(carol, cid, eid), "uid=20003 gid=20003\n")
}

func TestHPCConfinement(t *testing.T) {
	requireImages(t)
	t.Parallel()
	h := startHPC(t, "")
	alice := h.token("alice", "abaco_privileged")
	id := h.createActor(alice, map[string]any{"image": "abacosamples/test", "mem_limit": "64m"})

	bobs := filepath.Join(h.work, "bob", "secret.txt")
	eid := h.message(alice, id, "message=x", query("CAT", "/proc/self/status,/var/run/docker.sock,"+bobs+",/work/../bob/secret.txt"))
	h.waitExecution(alice, id, eid, "COMPLETE")
	logs := h.logs(alice, id, eid)
	require.Contains(t, logs, "CapEff:\t0000000000000000\n")
	require.Contains(t, logs, "CapPrm:\t0000000000000000\n")
	require.Contains(t, logs, "NoNewPrivs:\t1\n")
	require.Contains(t, logs, "cat /var/run/docker.sock: open /var/run/docker.sock: no such file or directory\n")
	require.Contains(t, logs, "cat "+bobs+": open "+bobs+": no such file or directory\n")
	require.Contains(t, logs, "cat /work/../bob/secret.txt: open /work/../bob/secret.txt: no such file or directory\n")
	require.NotContains(t, logs, "bob's secret")

	// Past the memory limit the kernel kills it; the execution says so.
	eid = h.message(alice, id, "message=x", query("ALLOC_MB", "512"))
	e := h.waitExecution(alice, id, eid, "COMPLETE")
	logs = h.logs(alice, id, eid)
	require.Contains(t, logs, "allocating 512 MiB\n", "the probe image must support ALLOC_MB")
	require.NotContains(t, logs, "allocated 512 MiB")
	require.EqualValues(t, 137, e["exit_code"])
	require.Equal(t, true, e["final_state"].(map[string]any)["OOMKilled"])
}

func TestHPCRunAsExecutorNeedsADirectory(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	tok := s.token("jdoe")
	r := s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test", "run_as_executor": true})
	require.Equal(t, 400, r.Code, "%s", r.Body)
	require.Equal(t, "run_as_executor isn't supported for your tenant", r.Env.Message)
	r = s.postJSON("/v3/actors", tok, map[string]any{"image": "abacosamples/test"})
	require.Equal(t, 200, r.Code, "%s", r.Body)
	a := r.result(t)
	require.Nil(t, a["uid"])
	require.Equal(t, []any{}, a["mounts"])
}
