package main

import (
	"path/filepath"

	"github.com/abaco-hpc/abaco/secretbox"
)

// configKey loads the key that seals secret actor configs: the file the
// operator named, which must exist, or else <data-dir>/config.key, created
// on first start like the dev signing key.
func configKey(file, dataDir string) (*secretbox.Box, error) {
	if file != "" {
		return secretbox.Load(file)
	}
	return secretbox.Ensure(filepath.Join(dataDir, "config.key"))
}
