package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapFloor is the heap size below which the server does not collect
// garbage. With the Go default (GOGC=100) a server whose live heap is 2 MB
// collects at 4 MB, that is every 25 lists of 100 actors, and on a small
// machine each collection takes one of the few cores for its marking:
// with 8 clients on 2 cores a seventh of the CPU of listing actors went
// to the collector, and the requests it overlapped waited for it. 16 MB
// takes most of that away (a collection every 100 lists) for less memory
// than 32 MB, which saved little more.
const heapFloor = 16 << 20

// keepHeapFloor raises the GC percentage while the live heap is small, so
// that the next collection starts at about heapFloor; once the live heap
// is half of heapFloor or more, the Go default applies. The runtime sets
// the goal at live + (live + stacks + globals) × GOGC/100, so the
// percentage is worked out from all three. It does nothing when GOGC is
// set: the operator has chosen. It returns when ctx ends.
func keepHeapFloor(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	set := 100
	for {
		metrics.Read(m)
		live, roots := m[0].Value.Uint64(), m[1].Value.Uint64()+m[2].Value.Uint64()
		percent := 100
		if live > 0 && 2*live < heapFloor {
			percent = max(100, int((heapFloor-live)*100/(live+roots)))
		}
		if percent != set {
			debug.SetGCPercent(percent)
			set = percent
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
