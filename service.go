package abaco

import (
	"errors"
	"log/slog"
	"time"
)

// Config holds the service rules that an operator may tune.
type Config struct {
	// DefaultToken is the actor `token` default shown when a user sets none.
	DefaultToken bool
	// Queues are the valid actor queues; the first is the default.
	Queues []string
	// MaxMessageBytes caps a message body of any kind.
	MaxMessageBytes int64
	// SyncMaxPending refuses a synchronous message while more than this
	// many messages wait ahead of it.
	SyncMaxPending int
	// LogExDefault is the log retention, in seconds, of actors without log_ex.
	LogExDefault int
	// LogExLimit caps an actor's log_ex when logs are stored.
	LogExLimit int
	// ResultTTL is how long a result datagram is kept.
	ResultTTL time.Duration
	// Accounts resolves run-as identities (nil: no directory); Mounts are
	// the host directories executions see. See runas.go.
	Accounts AccountDirectory
	Mounts   MountPolicy
}

// DefaultConfig returns the settings of a fresh single-machine install.
func DefaultConfig() Config {
	return Config{
		Queues:          []string{"default"},
		MaxMessageBytes: 64 << 20,
		SyncMaxPending:  3,
		LogExDefault:    43200,
		LogExLimit:      86400,
		ResultTTL:       60 * time.Minute,
	}
}

// Service enforces the rules of the actors API: authorization, validation
// and defaults. It is transport-agnostic; package httpapi is its only
// caller in production.
type Service struct {
	store Store
	sched Scheduler
	clock Clock
	cfg   Config
	log   *slog.Logger
	// secrets seals secret actor configs (SetSecretBox).
	secrets SecretBox
	// sendAuth caches what authorizing a message needs (sendauth.go).
	sendAuth sendAuth
	// execConfigs caches the configs of each actor's executions
	// (ExecutionConfigs), cleared by config, alias and actor writes.
	execConfigs recentCache[ActorRef, map[string]string]
}

// NewService builds a Service. A nil clock means the system clock.
func NewService(store Store, sched Scheduler, clock Clock, cfg Config, log *slog.Logger) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Queues) == 0 {
		cfg.Queues = []string{"default"}
	}
	return &Service{store: store, sched: sched, clock: clock, cfg: cfg, log: log}
}

// Config returns the service's settings.
func (s *Service) Config() Config { return s.cfg }

// notFound turns a store's ErrNotFound into a NotExist error with msg, and
// wraps any other error as Internal.
func notFound(err error, msg string) error {
	if errors.Is(err, ErrNotFound) {
		return &Error{Kind: NotExist, Msg: msg}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return Wrap(Internal, err, "storage error")
}

// internal wraps an unexpected store error, keeping kinded errors as they are.
func internal(err error, what string) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return Wrap(Internal, err, "%s", what)
}
