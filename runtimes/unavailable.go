package runtimes

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Unavailable stands in when no container runtime answers on this host.
// The server still starts (the API, the queue and the store all work), and
// every actor says clearly why it cannot run.
type Unavailable struct {
	// Reason says what was tried, e.g. "the Docker socket did not answer".
	Reason string
}

var _ Runtime = Unavailable{}

func (u Unavailable) err() error {
	return fmt.Errorf("no container runtime is available on this host: %s", u.Reason)
}

// Name implements Runtime.
func (Unavailable) Name() string { return "none" }

// Location implements Runtime.
func (Unavailable) Location() string { return "" }

// PrepareImage implements Runtime.
func (u Unavailable) PrepareImage(context.Context, string) error { return u.err() }

// Create implements Runtime.
func (u Unavailable) Create(context.Context, Spec) (Handle, error) { return Handle{}, u.err() }

// Start implements Runtime.
func (u Unavailable) Start(context.Context, Handle) error { return u.err() }

// Find implements Runtime; with no runtime there is nothing to find.
func (Unavailable) Find(context.Context, string) (Handle, State, error) {
	return Handle{}, "", ErrNotFound
}

// Wait implements Runtime.
func (u Unavailable) Wait(context.Context, Handle) (Exit, error) { return Exit{}, u.err() }

// Logs implements Runtime.
func (u Unavailable) Logs(context.Context, Handle, io.Writer) error { return u.err() }

// Stats implements Runtime.
func (u Unavailable) Stats(context.Context, Handle) (Stats, error) { return Stats{}, u.err() }

// Stop implements Runtime.
func (Unavailable) Stop(context.Context, Handle, time.Duration) error { return nil }

// Remove implements Runtime.
func (Unavailable) Remove(context.Context, Handle) error { return nil }

// List implements Runtime.
func (Unavailable) List(context.Context, map[string]string) ([]Handle, error) { return nil, nil }
