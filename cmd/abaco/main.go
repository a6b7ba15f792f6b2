// Command abaco is the Abaco for HPC server and its tools: `serve` runs the
// API with its scheduler, `migrate` applies database migrations, and
// `token` mints development tokens.
package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"
)

type cli struct {
	Config string `help:"YAML configuration file; its keys are the flag names, plus tenants and queues." env:"ABACO_CONFIG" type:"path" placeholder:"FILE"`

	Serve   serveCmd   `cmd:"" help:"Run the API server and its local workers."`
	Migrate migrateCmd `cmd:"" help:"Apply database migrations and exit."`
	Token   tokenCmd   `cmd:"" help:"Print a development token that a server with the same data dir accepts."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

func main() {
	file, err := loadConfigFile(configPath(os.Args[1:]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "abaco:", err)
		os.Exit(2)
	}
	var c cli
	ctx := kong.Parse(&c,
		kong.Name("abaco"),
		kong.Description("Abaco for HPC: functions as a service for research computing, compatible with Tapis v3 Actors."),
		kong.UsageOnError(),
		kong.Resolvers(file.resolver()),
		kong.Bind(file),
	)
	if err := ctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "abaco:", err)
		os.Exit(1)
	}
}
