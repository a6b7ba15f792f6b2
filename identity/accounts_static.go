package identity

import (
	"context"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/abaco-hpc/abaco"
)

// staticUser is one account of a static directory file:
//
//	users:
//	  alice: {uid: 20001, gid: 20001, groups: [30001], home: /home/alice, work_dir: /work/alice}
type staticUser struct {
	UID     int    `yaml:"uid"`
	GID     int    `yaml:"gid"`
	Groups  []int  `yaml:"groups"`
	Home    string `yaml:"home"`
	WorkDir string `yaml:"work_dir"`
}

// staticSource is a directory read once from a file (YAML, or JSON which
// is YAML too), for small sites and tests.
type staticSource struct {
	path  string
	users map[string]staticUser
}

func newStaticSource(path string) (*staticSource, error) {
	if path == "" {
		return nil, fmt.Errorf("the static provider needs a file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Users map[string]staticUser `yaml:"users"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	for name, u := range doc.Users {
		if !abaco.ValidUsername(name) || u.UID <= 0 || u.GID <= 0 {
			return nil, fmt.Errorf("%s: user %q needs a name without slashes and positive uid and gid", path, name)
		}
	}
	return &staticSource{path: path, users: doc.Users}, nil
}

func (s *staticSource) String() string { return "static " + s.path }

func (s *staticSource) lookup(_ context.Context, username string) (*abaco.Account, error) {
	u, ok := s.users[username]
	if !ok {
		return nil, abaco.E(abaco.NotExist, "user %s has no account in the directory", username)
	}
	return &abaco.Account{Username: username, UID: u.UID, GID: u.GID, Groups: append([]int(nil), u.Groups...), Home: u.Home, WorkDir: u.WorkDir}, nil
}
