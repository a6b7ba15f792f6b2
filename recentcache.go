package abaco

import (
	"sync"
	"time"
)

// recentCache remembers facts read from the store for a short while, for
// reads made many times a second (authorizing each message, the configs of
// each execution). Every write of this process that could change them
// clears the whole cache once it has committed, and a read that raced with
// such a write is not kept (the generation check in put): a read that
// starts after one of this server's writes never sees what was before it.
// A second server sharing the database cannot tell us of its writes: they
// are seen at most recentTTL later. Failures are never cached.
type recentCache[K comparable, V any] struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every clear
	entries map[K]recentEntry[V]
}

type recentEntry[V any] struct {
	v     V
	until time.Time
}

// recentTTL bounds how long another server's write can go unseen.
const recentTTL = time.Second

// recentSize bounds a cache; a full cache is dropped rather than tracking
// use, as the token cache does.
const recentSize = 4096

// get returns k's value if it is fresh at now, and the generation to give
// put with what is read instead.
func (c *recentCache[K, V]) get(k K, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok && !now.Before(e.until) {
		delete(c.entries, k)
		ok = false
	}
	return e.v, c.gen, ok
}

// put keeps v for recentTTL from now unless the cache was cleared since gen
// was read: v may predate that write.
func (c *recentCache[K, V]) put(k K, v V, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil || len(c.entries) >= recentSize {
		c.entries = map[K]recentEntry[V]{}
	}
	c.entries[k] = recentEntry[V]{v: v, until: now.Add(recentTTL)}
}

// clear forgets everything; call it after a write that may change what is
// cached, whether or not the write succeeded.
func (c *recentCache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
