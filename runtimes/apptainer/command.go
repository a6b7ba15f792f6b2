package apptainer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/abaco-hpc/abaco/runtimes"
)

// invocation is exactly what runs one container: apptainer's arguments,
// the environment of the apptainer process, and the credential it runs
// with (nil: the server's own).
type invocation struct {
	Args       []string
	Env        []string
	Credential *syscall.Credential
}

// envName is what a shell inside the image accepts as a variable name;
// apptainer sets the container environment through one, so other names
// (e.g. "_abaco_Content-Type") cannot be passed and are left out.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// hostPath is what --bind can carry: its syntax separates with ':' and ','.
func checkBindPath(p string) error {
	if !filepath.IsAbs(p) || strings.ContainsAny(p, ":,") {
		return fmt.Errorf("cannot bind %q: paths must be absolute and contain no ':' or ','", p)
	}
	return nil
}

// command builds the invocation of spec with image (a .sif path or a
// docker:// reference):
//
//	apptainer run --containall --cleanenv --no-home --pwd / [--memory N] [--cpus N]
//	    [--pids-limit N] [--bind host:container:ro|rw]... IMAGE
//
// run executes the image's runscript, which for an image from a Docker
// registry is its ENTRYPOINT and CMD, as Docker would. --containall gives
// the container its own PID and IPC namespaces and a private /tmp and keeps
// the host's home and devices out; --cleanenv keeps the server's
// environment out, and the context environment goes in through
// APPTAINERENV_ variables, which need no quoting whatever the values hold.
func (r *Runtime) command(spec runtimes.Spec, image, home string) (invocation, error) {
	args := []string{"run", "--containall", "--cleanenv", "--no-home", "--pwd", "/"}
	if spec.MemoryBytes > 0 {
		args = append(args, "--memory", strconv.FormatInt(spec.MemoryBytes, 10))
	}
	if spec.NanoCPUs > 0 {
		args = append(args, "--cpus", strconv.FormatFloat(float64(spec.NanoCPUs)/1e9, 'f', -1, 64))
	}
	if spec.PidsLimit > 0 {
		args = append(args, "--pids-limit", strconv.FormatInt(spec.PidsLimit, 10))
	}
	for _, m := range spec.Mounts {
		for _, p := range []string{m.HostPath, m.ContainerPath} {
			if err := checkBindPath(p); err != nil {
				return invocation{}, err
			}
		}
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		args = append(args, "--bind", m.HostPath+":"+m.ContainerPath+":"+mode)
	}
	args = append(args, image)

	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home,
		"LANG=C.UTF-8",
	}
	var names []string
	for k := range spec.Env {
		if envName.MatchString(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		env = append(env, "APPTAINERENV_"+k+"="+spec.Env[k])
	}

	cred, err := r.credential(spec)
	if err != nil {
		return invocation{}, err
	}
	return invocation{Args: args, Env: env, Credential: cred}, nil
}

// credential is who the process runs as. Root switches to the spec's user;
// anyone else can only be themselves.
func (r *Runtime) credential(spec runtimes.Spec) (*syscall.Credential, error) {
	if spec.User == "" {
		return nil, nil
	}
	uid, gid, err := parseUser(spec.User)
	if err != nil {
		return nil, err
	}
	groups := make([]uint32, 0, len(spec.Groups))
	for _, g := range spec.Groups {
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("group %q is not a number", g)
		}
		groups = append(groups, uint32(n))
	}
	if r.euid != 0 {
		if int(uid) == r.uid && int(gid) == r.gid && len(groups) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot run as %s: the server runs as uid %d, and only root can start processes as other users", spec.User, r.uid)
	}
	return &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}, nil
}

func parseUser(s string) (uint32, uint32, error) {
	u, g, ok := strings.Cut(s, ":")
	uid, err1 := strconv.ParseUint(u, 10, 32)
	gid, err2 := strconv.ParseUint(g, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("user %q is not uid:gid", s)
	}
	return uint32(uid), uint32(gid), nil
}

// imageRef turns an actor image into what apptainer takes: a .sif file as
// it is, a reference with a transport (docker://, oras://, library://) as
// it is, anything else as a Docker registry reference.
func imageRef(image string) string {
	if isSIF(image) || strings.Contains(image, "://") {
		return image
	}
	return "docker://" + image
}

func isSIF(image string) bool { return strings.HasSuffix(image, ".sif") && filepath.IsAbs(image) }

// cachedSIF is where PrepareImage keeps the image pulled for a reference.
func (r *Runtime) cachedSIF(ref string) string {
	safe := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, ref)
	return filepath.Join(imagesDir(r.state), safe+".sif")
}

// runImage is what a container of image runs: the pulled SIF when there is
// one, else the reference itself (apptainer then pulls it).
func (r *Runtime) runImage(image string) string {
	ref := imageRef(image)
	if isSIF(ref) {
		return ref
	}
	if sif := r.cachedSIF(ref); fileExists(sif) {
		return sif
	}
	return ref
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
