package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/identity"
	"github.com/abaco-hpc/abaco/runtimes"
	"github.com/abaco-hpc/abaco/runtimes/apptainer"
)

// runAsConfig sets up the account directory and the mount policy of the
// config file; mistakes in them stop the server at start.
func (s *serveCmd) runAsConfig(cfg *abaco.Config, file *configFile, log *slog.Logger) error {
	if err := file.Mounts.Validate(); err != nil {
		return fmt.Errorf("mounts: %w", err)
	}
	cfg.Mounts = file.Mounts
	accounts, err := identity.NewAccounts(file.Directory, nil)
	if err != nil {
		return err
	}
	cfg.Accounts = accounts
	log.Info("account directory", "default", accounts.Describe(""), "mount_roots", file.Mounts.Roots)
	return nil
}

// pickRuntime honours --runtime: docker and apptainer are used as asked
// (or explain why they cannot run); auto takes Docker when its socket
// answers, else Apptainer when the command exists.
func (s *serveCmd) pickRuntime(ctx context.Context, log *slog.Logger) runtimes.Runtime {
	if s.Runtime == "docker" {
		return s.dockerRuntime(ctx, log)
	}
	if s.Runtime == "auto" {
		rt := s.dockerRuntime(ctx, log)
		if _, none := rt.(runtimes.Unavailable); !none {
			return rt
		}
	}
	path, err := apptainer.Available(s.ApptainerCommand)
	if err != nil {
		log.Warn("no container runtime; actors will go to ERROR until one is available", "err", err)
		return runtimes.Unavailable{Reason: fmt.Sprintf("Docker did not answer and apptainer was not found (%v)", err)}
	}
	rt, err := apptainer.New(apptainer.Options{Command: path, StateDir: filepath.Join(s.DataDir, "apptainer")})
	if err != nil {
		log.Warn("apptainer runtime", "err", err)
		return runtimes.Unavailable{Reason: err.Error()}
	}
	return rt
}
