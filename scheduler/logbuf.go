package scheduler

import (
	"strings"
	"sync"
)

// truncationNote ends a log that hit the size limit (the reference's text).
const truncationNote = " LOG LIMIT EXCEEDED; this execution log was TRUNCATED!"

// logBuffer collects a container's output up to a limit. It always accepts
// writes, so the log stream keeps draining after the limit is reached.
type logBuffer struct {
	mu        sync.Mutex
	buf       []byte
	limit     int
	truncated bool
	dirty     bool
}

func newLogBuffer(limit int) *logBuffer { return &logBuffer{limit: limit} }

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.limit - len(b.buf)
	switch {
	case room >= len(p):
		b.buf = append(b.buf, p...)
		b.dirty = b.dirty || len(p) > 0
	case !b.truncated:
		b.buf = append(b.buf, p[:max(room, 0)]...)
		b.truncated, b.dirty = true, true
	}
	return len(p), nil
}

// text returns the log as storable text (valid UTF-8, no NUL bytes, which
// PostgreSQL refuses) and whether it changed since the last call.
func (b *logBuffer) text() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := b.dirty
	b.dirty = false
	s := strings.ToValidUTF8(string(b.buf), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if b.truncated {
		s += truncationNote
	}
	return s, changed
}
