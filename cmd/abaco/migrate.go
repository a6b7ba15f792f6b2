package main

import (
	"context"
	"fmt"

	"github.com/abaco-hpc/abaco/storage"
)

type migrateCmd struct {
	DataDir  string `help:"Data directory (SQLite database, dev keys, runtime files)." env:"ABACO_DATA_DIR" default:"abaco-data" type:"path"`
	Database string `help:"Database: a postgres:// URL, or a SQLite file (default: <data-dir>/abaco.db)." env:"ABACO_DATABASE"`
}

func (m *migrateCmd) Run() error {
	ctx := context.Background()
	st, err := storage.Open(ctx, databaseOf(m.Database, m.DataDir))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Println("migrations applied")
	return nil
}

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println(versionString())
	return nil
}
