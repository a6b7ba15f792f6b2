package abaco

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that every layer can decide on it without
// string matching. The list is closed and append-only; httpapi maps each kind
// to exactly one HTTP status.
type Kind int

const (
	// Internal is a bug or an unexpected failure of a dependency.
	Internal Kind = iota
	// Invalid is bad input from the caller.
	Invalid
	// Unauthenticated means missing or unverifiable credentials.
	Unauthenticated
	// Permission means the caller is known but may not do this.
	Permission
	// NotExist means the named object does not exist (or is hidden).
	NotExist
	// Conflict means the request clashes with the object's current state.
	Conflict
	// TooLarge means a body or value exceeds a configured limit.
	TooLarge
	// Unavailable means a dependency is down; retrying later may work.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthenticated:
		return "unauthenticated"
	case Permission:
		return "permission"
	case NotExist:
		return "not exist"
	case Conflict:
		return "conflict"
	case TooLarge:
		return "too large"
	case Unavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is the one error type of the domain. Msg is safe to show to the
// caller; Err (if any) is the underlying cause, kept for logs.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Msg, e.Err)
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an Error of the given kind with a caller-facing message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap builds an Error that keeps err as its cause.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: err}
}

// KindOf reports the kind of err; errors that are not *Error are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ErrNotFound is returned by stores when a row does not exist. The service
// turns it into a NotExist error with the reference's message.
var ErrNotFound = errors.New("not found")
