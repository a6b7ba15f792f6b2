package abaco

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Mount modes.
const (
	MountRW = "rw"
	MountRO = "ro"
)

// WorkMountPath is where the owner's work directory appears in a container.
const WorkMountPath = "/work"

// Mount is one host directory shown in a container: the actor's `mounts`
// field lists them, and the scheduler binds them.
type Mount struct {
	HostPath      string `json:"host_path" yaml:"host_path"`
	ContainerPath string `json:"container_path" yaml:"container_path"`
	Mode          string `json:"mode" yaml:"mode"`
}

// MountPolicy is the operator's mount configuration. HostPath templates may
// use {username}, {tenant_id} and {work_dir}; every host path, the work
// directories included, must lie under one of Roots once templates and
// symbolic links are resolved.
type MountPolicy struct {
	Roots   []string           `json:"roots" yaml:"roots"`
	Global  []Mount            `json:"global" yaml:"global"`
	Tenants map[string][]Mount `json:"tenants" yaml:"tenants"`
}

// Validate checks the configuration itself: absolute roots and container
// paths, known modes.
func (p *MountPolicy) Validate() error {
	for _, r := range p.Roots {
		if !filepath.IsAbs(r) {
			return fmt.Errorf("mount root %q is not an absolute path", r)
		}
	}
	all := append([]Mount(nil), p.Global...)
	for _, ms := range p.Tenants {
		all = append(all, ms...)
	}
	for _, m := range all {
		if !strings.HasPrefix(m.HostPath, "/") && !strings.HasPrefix(m.HostPath, "{work_dir}") {
			return fmt.Errorf("mount %q: host_path must be absolute or start with {work_dir}", m.HostPath)
		}
		if !filepath.IsAbs(m.ContainerPath) || filepath.Clean(m.ContainerPath) == "/" {
			return fmt.Errorf("mount %q: container_path %q must be an absolute path other than /", m.HostPath, m.ContainerPath)
		}
		if m.Mode != "" && m.Mode != MountRW && m.Mode != MountRO {
			return fmt.Errorf("mount %q: mode %q is neither rw nor ro", m.HostPath, m.Mode)
		}
	}
	if len(all) > 0 && len(p.Roots) == 0 {
		return errors.New("mounts are configured but no mount roots: add mounts.roots")
	}
	return nil
}

// Mounts computes what an execution of tenant run as acct sees: the work
// directory at /work (read-write) first, then the global and the tenant's
// mounts with their templates filled in. acct may be nil (no directory):
// then only mounts that do not use {work_dir} apply. The error, of kind
// Invalid, names the offending path.
func (p *MountPolicy) Mounts(tenant, username string, acct *Account) ([]Mount, error) {
	var out []Mount
	workDir := ""
	if acct != nil {
		workDir = acct.WorkDir
	}
	if workDir != "" {
		host, err := p.allowed(workDir)
		if err != nil {
			return nil, E(Invalid, "work directory of %s: %v", username, err)
		}
		out = append(out, Mount{HostPath: host, ContainerPath: WorkMountPath, Mode: MountRW})
	}
	for _, m := range append(append([]Mount(nil), p.Global...), p.Tenants[tenant]...) {
		if strings.Contains(m.HostPath, "{work_dir}") && workDir == "" {
			continue
		}
		if !ValidUsername(username) && strings.Contains(m.HostPath, "{username}") {
			return nil, E(Invalid, "username %q cannot name a mount path", username)
		}
		path := strings.NewReplacer("{username}", username, "{tenant_id}", tenant, "{work_dir}", workDir).Replace(m.HostPath)
		host, err := p.allowed(path)
		if err != nil {
			return nil, E(Invalid, "mount %s: %v", m.HostPath, err)
		}
		mode := m.Mode
		if mode == "" {
			mode = MountRO
		}
		out = append(out, Mount{HostPath: host, ContainerPath: filepath.Clean(m.ContainerPath), Mode: mode})
	}
	return out, nil
}

// allowed cleans path, resolves its symbolic links and checks that the
// result lies under a root. A path that does not exist is checked as
// written; the runtime then refuses to mount it.
func (p *MountPolicy) allowed(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%q is not an absolute path", path)
	}
	clean := filepath.Clean(path)
	real := clean
	if r, err := filepath.EvalSymlinks(clean); err == nil {
		real = r
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, root := range p.Roots {
		rr := filepath.Clean(root)
		if r, err := filepath.EvalSymlinks(rr); err == nil {
			rr = r
		}
		if within(real, rr) {
			// The resolved path is what is bound, so that a link swapped
			// later cannot redirect the mount.
			return real, nil
		}
	}
	if len(p.Roots) == 0 {
		return "", fmt.Errorf("%s is outside the allowed mount roots (none are configured: set mounts.roots)", clean)
	}
	return "", fmt.Errorf("%s is outside the allowed mount roots (%s)", clean, strings.Join(p.Roots, ", "))
}

func within(path, root string) bool {
	if root == "/" {
		return true
	}
	return path == root || strings.HasPrefix(path, root+string(filepath.Separator))
}
