// Package apptainer runs containers with the Apptainer CLI, for compute
// nodes that have Apptainer and no Docker.
//
// Each container is a directory under the state dir, named after the
// container: its spec, the pid of the process that runs it, its output and,
// once it ends, its exit code. The process is started in its own session
// with its output going to a file, so it outlives a server restart, and a
// new Runtime over the same state dir finds it again by name.
//
// When the server runs as root, the process runs as the spec's uid:gid and
// supplementary groups (set with setuid/setgid before apptainer starts);
// otherwise it can only run as the server's own user, and asking for any
// other is an error, never a silent run as someone else.
package apptainer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/abaco-hpc/abaco/runtimes"
)

var _ runtimes.Runtime = (*Runtime)(nil)

// Options configure a Runtime.
type Options struct {
	// Command is the apptainer executable (default "apptainer" on PATH).
	Command string
	// StateDir holds one directory per container and the pulled images,
	// e.g. <data-dir>/apptainer.
	StateDir string
}

// Runtime runs containers through the apptainer command.
type Runtime struct {
	cmd   string
	state string
	// euid is the server's effective uid; only root may run a container
	// as another user.
	euid int
	uid  int
	gid  int
}

// New returns a Runtime; it does not run apptainer (Available does).
func New(opts Options) (*Runtime, error) {
	if opts.Command == "" {
		opts.Command = "apptainer"
	}
	if opts.StateDir == "" {
		return nil, errors.New("apptainer: a state dir is required")
	}
	for _, d := range []string{containersDir(opts.StateDir), imagesDir(opts.StateDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("apptainer state dir: %w", err)
		}
	}
	return &Runtime{cmd: opts.Command, state: opts.StateDir, euid: os.Geteuid(), uid: os.Getuid(), gid: os.Getgid()}, nil
}

// Available reports whether the apptainer command can be found.
func Available(command string) (string, error) {
	if command == "" {
		command = "apptainer"
	}
	return exec.LookPath(command)
}

// Name returns "apptainer".
func (r *Runtime) Name() string { return "apptainer" }

// Location returns the command and the state dir.
func (r *Runtime) Location() string { return r.cmd + " (" + r.state + ")" }

func containersDir(state string) string { return filepath.Join(state, "containers") }
func imagesDir(state string) string     { return filepath.Join(state, "images") }

// dir is a container's state directory.
func (r *Runtime) dir(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("apptainer: invalid container name %q", name)
	}
	return filepath.Join(containersDir(r.state), name), nil
}

func fail(op string, h runtimes.Handle, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("apptainer %s %s: %w: %w", op, h.Name, runtimes.ErrNotFound, err)
	}
	return fmt.Errorf("apptainer %s %s: %w", op, h.Name, err)
}

// errNotFound is Find's answer for a name with no state.
func errNotFound(name string) error {
	return fmt.Errorf("apptainer find %s: %w", name, runtimes.ErrNotFound)
}
