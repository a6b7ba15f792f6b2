// Command build builds the example actors' images on the local Docker
// engine: `go run ./examples/build [names...]`, all of them by default.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/abaco-hpc/abaco/examples"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	names := os.Args[1:]
	if len(names) == 0 {
		names = examples.Names()
	}
	for _, name := range names {
		start := time.Now()
		if err := examples.Build(ctx, name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s ready (%s)\n", examples.Image(name), time.Since(start).Round(time.Millisecond))
	}
}
