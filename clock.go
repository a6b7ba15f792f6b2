package abaco

import "time"

// Clock is the source of time, injected so that tests never sleep.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC and truncated to the millisecond
// precision the stores keep.
type SystemClock struct{}

// Now returns the current UTC time at millisecond precision.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
