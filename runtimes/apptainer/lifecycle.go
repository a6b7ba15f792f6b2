package apptainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/abaco-hpc/abaco/runtimes"
)

// Files in a container's state directory.
const (
	specFile    = "spec.json" // what Create was given
	pidFile     = "pid"       // the supervising shell, written by Start
	childFile   = "child"     // the apptainer process, written by the shell
	outputFile  = "output.log"
	startedFile = "started"
	exitFile    = "exit" // the exit code, written by the shell when apptainer ends
)

// supervisor runs apptainer, forwards SIGTERM to it, and records its exit
// code in a file, so that whoever asks later (a restarted server) learns
// how it ended. The command comes in as arguments, never through the
// shell's parser.
const supervisor = `dir=$1; shift
child=
trap 'stop=1; [ -n "$child" ] && kill -TERM $child 2>/dev/null' TERM
"$@" &
child=$!
echo $child > "$dir/child"
[ -n "$stop" ] && kill -TERM $child 2>/dev/null
while :; do
	wait $child; code=$?
	kill -0 $child 2>/dev/null || break
done
echo $code > "$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
`

// pollInterval is how often Wait and Logs look at a container's files: a
// restarted server is not the parent of the process and cannot wait(2).
const pollInterval = 100 * time.Millisecond

type stored struct {
	Spec  runtimes.Spec `json:"spec"`
	Image string        `json:"image"` // what apptainer runs
}

// Create records the container; an existing one of that name is returned.
func (r *Runtime) Create(_ context.Context, spec runtimes.Spec) (runtimes.Handle, error) {
	h := runtimes.Handle{ID: spec.Name, Name: spec.Name}
	dir, err := r.dir(spec.Name)
	if err != nil {
		return h, err
	}
	if fileExists(filepath.Join(dir, specFile)) {
		return h, nil
	}
	st := stored{Spec: spec, Image: r.runImage(spec.Image)}
	if _, err := r.command(spec, st.Image, dir); err != nil {
		return h, fail("create", h, err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return h, fail("create", h, err)
	}
	// Written aside and renamed, so a half-made container never exists.
	tmp, err := os.MkdirTemp(containersDir(r.state), ".new-")
	if err != nil {
		return h, fail("create", h, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, specFile), b, 0o600); err != nil {
		os.RemoveAll(tmp)
		return h, fail("create", h, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if fileExists(filepath.Join(dir, specFile)) {
			return h, nil // created meanwhile
		}
		return h, fail("create", h, err)
	}
	return h, nil
}

func (r *Runtime) load(h runtimes.Handle) (string, stored, error) {
	var st stored
	dir, err := r.dir(h.Name)
	if err != nil {
		return "", st, err
	}
	b, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return dir, st, fail("load", h, err)
	}
	return dir, st, json.Unmarshal(b, &st)
}

// Start starts the container's process, in its own session so that it
// outlives the server; starting a started container is a no-op.
func (r *Runtime) Start(_ context.Context, h runtimes.Handle) error {
	dir, st, err := r.load(h)
	if err != nil {
		return err
	}
	if fileExists(filepath.Join(dir, pidFile)) {
		return nil
	}
	inv, err := r.command(st.Spec, st.Image, dir)
	if err != nil {
		return fail("start", h, err)
	}
	if inv.Credential != nil {
		// The supervisor, running as the user, writes its files here.
		if err := os.Chown(dir, int(inv.Credential.Uid), int(inv.Credential.Gid)); err != nil {
			return fail("start", h, err)
		}
	}
	out, err := os.OpenFile(filepath.Join(dir, outputFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fail("start", h, err)
	}
	defer out.Close()
	cmd := exec.Command("/bin/sh", append([]string{"-c", supervisor, "abaco-apptainer", dir, r.cmd}, inv.Args...)...)
	cmd.Env = inv.Env
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: inv.Credential}
	if err := os.WriteFile(filepath.Join(dir, startedFile), []byte(time.Now().UTC().Format(time.RFC3339Nano)), 0o644); err != nil {
		return fail("start", h, err)
	}
	if err := cmd.Start(); err != nil {
		return fail("start", h, err)
	}
	go cmd.Wait() // reap it while we are its parent
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		cmd.Process.Kill()
		return fail("start", h, err)
	}
	return nil
}

// Find looks a container up by name.
func (r *Runtime) Find(_ context.Context, name string) (runtimes.Handle, runtimes.State, error) {
	h := runtimes.Handle{ID: name, Name: name}
	dir, err := r.dir(name)
	if err != nil {
		return h, "", err
	}
	if !fileExists(filepath.Join(dir, specFile)) {
		return h, "", errNotFound(name)
	}
	return h, state(dir), nil
}

func state(dir string) runtimes.State {
	switch {
	case fileExists(filepath.Join(dir, exitFile)):
		return runtimes.StateExited
	case !fileExists(filepath.Join(dir, pidFile)):
		return runtimes.StateCreated
	case alive(readInt(filepath.Join(dir, pidFile)), dir):
		return runtimes.StateRunning
	default:
		return runtimes.StateExited // ended without a word: killed with the host
	}
}

// alive reports whether pid is still this container's supervisor: pids
// are reused, so its command line must name the container's directory.
func alive(pid int, dir string) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// A zombie has ended; it only waits to be reaped.
		if _, rest, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(rest, "Z") {
			return false
		}
	}
	for _, arg := range strings.Split(string(b), "\x00") {
		if arg == dir {
			return true
		}
	}
	return false
}

func readInt(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

// Wait polls until the container has ended and reports its exit.
func (r *Runtime) Wait(ctx context.Context, h runtimes.Handle) (runtimes.Exit, error) {
	dir, _, err := r.load(h)
	if err != nil {
		return runtimes.Exit{}, err
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if s := state(dir); s == runtimes.StateExited {
			return exit(dir, h)
		}
		select {
		case <-ctx.Done():
			return runtimes.Exit{}, ctx.Err()
		case <-tick.C:
		}
	}
}

func exit(dir string, h runtimes.Handle) (runtimes.Exit, error) {
	path := filepath.Join(dir, exitFile)
	info, err := os.Stat(path)
	if err != nil {
		return runtimes.Exit{}, fail("wait", h, fmt.Errorf("the process ended without recording its exit code"))
	}
	code := readInt(path)
	started, _ := time.Parse(time.RFC3339Nano, readString(filepath.Join(dir, startedFile)))
	finished := info.ModTime().UTC()
	if finished.Before(started) {
		finished = started
	}
	doc, err := json.Marshal(map[string]any{
		"Status": "exited", "Running": false, "Paused": false, "Restarting": false,
		"OOMKilled": false, "Dead": false, "Pid": 0, "ExitCode": code, "Error": "",
		"StartedAt": started.Format(time.RFC3339Nano), "FinishedAt": finished.Format(time.RFC3339Nano),
	})
	if err != nil {
		return runtimes.Exit{}, err
	}
	return runtimes.Exit{ExitCode: code, StartedAt: started, FinishedAt: finished, State: doc}, nil
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// Logs copies the output from the start and follows it until the
// container ends.
func (r *Runtime) Logs(ctx context.Context, h runtimes.Handle, w io.Writer) error {
	dir, _, err := r.load(h)
	if err != nil {
		return err
	}
	var f *os.File
	for f == nil {
		if f, err = os.Open(filepath.Join(dir, outputFile)); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				return fail("logs", h, err)
			}
			f = nil
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pollInterval):
			}
		}
	}
	defer f.Close()
	for {
		// Whether it had ended is decided before reading, so nothing
		// written before the end is missed.
		ended := state(dir) == runtimes.StateExited
		if _, err := io.Copy(w, f); err != nil {
			return fail("logs", h, err)
		}
		if ended {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
	}
}

// Stats is not measured for Apptainer containers: their processes are
// not in a cgroup of ours.
func (r *Runtime) Stats(context.Context, runtimes.Handle) (runtimes.Stats, error) {
	return runtimes.Stats{}, nil
}

// Stop asks the container to end (SIGTERM through the supervisor) and kills
// apptainer after grace; the supervisor still records the exit code.
func (r *Runtime) Stop(ctx context.Context, h runtimes.Handle, grace time.Duration) error {
	dir, _, err := r.load(h)
	if err != nil {
		return err
	}
	if state(dir) != runtimes.StateRunning {
		return nil
	}
	pid := readInt(filepath.Join(dir, pidFile))
	syscall.Kill(pid, syscall.SIGTERM)
	if r.waitState(ctx, dir, grace) {
		return nil
	}
	if child := readInt(filepath.Join(dir, childFile)); child > 0 {
		syscall.Kill(child, syscall.SIGKILL)
	}
	if r.waitState(ctx, dir, 5*time.Second) {
		return nil
	}
	syscall.Kill(-pid, syscall.SIGKILL) // the whole session
	return nil
}

// waitState reports whether the container ended within d.
func (r *Runtime) waitState(ctx context.Context, dir string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if state(dir) == runtimes.StateExited {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pollInterval):
		}
	}
	return state(dir) == runtimes.StateExited
}

// Remove kills the container if it runs and deletes its state; a missing
// container is no error.
func (r *Runtime) Remove(_ context.Context, h runtimes.Handle) error {
	dir, err := r.dir(h.Name)
	if err != nil {
		return err
	}
	if state(dir) == runtimes.StateRunning {
		syscall.Kill(-readInt(filepath.Join(dir, pidFile)), syscall.SIGKILL)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fail("remove", h, err)
	}
	return nil
}

// List returns the containers carrying all the labels.
func (r *Runtime) List(_ context.Context, labels map[string]string) ([]runtimes.Handle, error) {
	entries, err := os.ReadDir(containersDir(r.state))
	if err != nil {
		return nil, fmt.Errorf("apptainer list: %w", err)
	}
	var out []runtimes.Handle
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		_, st, err := r.load(runtimes.Handle{Name: e.Name()})
		if err != nil {
			continue
		}
		match := true
		for k, v := range labels {
			if st.Spec.Labels[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, runtimes.Handle{ID: e.Name(), Name: e.Name()})
		}
	}
	return out, nil
}

// PrepareImage pulls a registry image once into a SIF under the state dir
// (compute nodes often cannot reach a registry when a job runs); a .sif
// image must exist.
func (r *Runtime) PrepareImage(ctx context.Context, image string) error {
	ref := imageRef(image)
	if isSIF(ref) {
		if _, err := os.Stat(ref); err != nil {
			return fmt.Errorf("image %q is not present on this host: %w: %w", image, runtimes.ErrNotFound, err)
		}
		return nil
	}
	sif := r.cachedSIF(ref)
	if fileExists(sif) {
		return nil
	}
	tmp := sif + ".pulling"
	os.Remove(tmp)
	out, err := exec.CommandContext(ctx, r.cmd, "pull", tmp, ref).CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("image %q is not present on this host and could not be pulled: %w: %v: %s", image, runtimes.ErrNotFound, err, strings.TrimSpace(string(out)))
	}
	// Readable by the users executions run as.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, sif)
}
