package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// hostID names this server in worker records and on the containers it
// starts. It is the hostname plus a suffix kept in the data dir, so that
// two servers on one Docker host (or a test suite's many) never take each
// other's containers for leftovers, while a restarted server keeps its name
// and finds its own containers again.
func hostID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "host-id")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "abaco"
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	id := name + "-" + hex.EncodeToString(suffix)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", err
	}
	return id, nil
}
