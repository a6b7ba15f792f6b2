package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/alecthomas/kong"
	"go.yaml.in/yaml/v3"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/identity"
)

// configFile is the optional YAML configuration. Scalar keys set flag
// defaults (a flag or environment variable still wins); tenants and queues
// have no flag form.
type configFile struct {
	Flags   map[string]any    `yaml:",inline"`
	Tenants []identity.Tenant `yaml:"tenants"`
	Queues  []string          `yaml:"queues"`
	// Directory and Mounts: who executions run as and what they see
	// (docs/hpc.md).
	Directory identity.DirectoryConfig `yaml:"directory"`
	Mounts    abaco.MountPolicy        `yaml:"mounts"`
}

// configPath finds --config in the arguments or ABACO_CONFIG in the
// environment, before kong parses anything (kong needs the file's values as
// defaults).
func configPath(args []string) string {
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
	}
	return os.Getenv("ABACO_CONFIG")
}

func loadConfigFile(path string) (*configFile, error) {
	c := &configFile{}
	if path == "" {
		return c, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	delete(c.Flags, "tenants")
	delete(c.Flags, "queues")
	delete(c.Flags, "directory")
	delete(c.Flags, "mounts")
	return c, nil
}

// resolver serves flag values from the file; "data-dir" may be written
// data_dir or data-dir.
func (c *configFile) resolver() kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, key := range []string{flag.Name, strings.ReplaceAll(flag.Name, "-", "_")} {
			if v, ok := c.Flags[key]; ok {
				return v, nil
			}
		}
		return nil, nil
	})
}
