// Package examples holds the example actors and builds their images, so that
// the test suites and `make examples` run exactly what a researcher would
// register.
package examples

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// digestLabel on an image holds the digest of the context it was built
// from, so an unchanged example is not built again.
const digestLabel = "org.abaco-hpc.examples.digest"

// Names lists the examples that have an image.
func Names() []string { return []string{"test", "wc"} }

// Image is the tag Build gives the example's image.
func Image(name string) string { return "abacosamples/" + name + ":latest" }

// Build compiles each named example into a static binary and builds its
// image FROM scratch on the local Docker engine. An image already built
// from the same binary and Dockerfile is left alone, so repeated builds cost
// about one cached `go build`.
func Build(ctx context.Context, names ...string) error {
	for _, name := range names {
		if !slices.Contains(Names(), name) {
			return fmt.Errorf("build example %q: no such example (have %v)", name, Names())
		}
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("build examples: docker client: %w", err)
	}
	defer cli.Close()
	// The engine decides the platform: the binaries must run where it runs.
	v, err := cli.ServerVersion(ctx)
	if err != nil {
		return fmt.Errorf("build examples: the Docker engine at %s is not available: %w", cli.DaemonHost(), err)
	}
	root, err := moduleRoot()
	if err != nil {
		return fmt.Errorf("build examples: %w", err)
	}
	tmp, err := os.MkdirTemp("", "abaco-examples-")
	if err != nil {
		return fmt.Errorf("build examples: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range names {
		b := builder{cli: cli, root: root, tmp: tmp, goos: v.Os, goarch: v.Arch}
		if err := b.build(ctx, name); err != nil {
			return fmt.Errorf("build example %s: %w", name, err)
		}
	}
	return nil
}

type builder struct {
	cli          *client.Client
	root, tmp    string
	goos, goarch string
}

func (b builder) build(ctx context.Context, name string) error {
	bin, err := b.compile(ctx, name)
	if err != nil {
		return err
	}
	dockerfile, err := os.ReadFile(filepath.Join(b.root, "examples", name, "Dockerfile"))
	if err != nil {
		return err
	}
	sum := sha256.New()
	sum.Write(dockerfile)
	sum.Write(bin)
	digest := hex.EncodeToString(sum.Sum(nil))

	img, err := b.cli.ImageInspect(ctx, Image(name))
	switch {
	case err == nil && img.Config != nil && img.Config.Labels[digestLabel] == digest:
		return nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return fmt.Errorf("inspect %s: %w", Image(name), err)
	}

	tarball, err := buildContext(name, dockerfile, bin)
	if err != nil {
		return err
	}
	resp, err := b.cli.ImageBuild(ctx, tarball, build.ImageBuildOptions{
		Tags:        []string{Image(name)},
		Labels:      map[string]string{digestLabel: digest},
		Remove:      true,
		ForceRemove: true,
	})
	if err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	defer resp.Body.Close()
	// Build failures arrive inside the progress stream, not as a status.
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	return nil
}

// compile builds ./examples/<name> as a static binary for the engine's
// platform and returns its bytes.
func (b builder) compile(ctx context.Context, name string) ([]byte, error) {
	out := filepath.Join(b.tmp, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s", "-o", out, "./examples/"+name)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+b.goos, "GOARCH="+b.goarch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, msg)
	}
	return os.ReadFile(out)
}

// buildContext is the tar the engine builds from: the Dockerfile and the
// binary, nothing else, so nothing in the work tree leaks into an image.
func buildContext(name string, dockerfile, bin []byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, dockerfile}, {name, 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// moduleRoot walks up from the working directory to go.mod, so Build works
// from a test in any package as well as from the repository root.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
