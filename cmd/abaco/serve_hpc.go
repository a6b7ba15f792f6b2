package main

import (
	"fmt"
	"log/slog"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/identity"
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
