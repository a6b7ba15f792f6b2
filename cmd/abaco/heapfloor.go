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
// to the collector, and the requests it overlapped waited for it.
const heapFloor = 32 << 20

// keepHeapFloor raises the GC percentage while the live heap is small, so
// that the next collection starts at about heapFloor; once the live heap
// is half of heapFloor or more, the Go default applies. It does nothing
// when GOGC is set: the operator has chosen. It returns when ctx ends.
func keepHeapFloor(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	set := 100
	for {
		metrics.Read(live)
		percent := 100
		if n := live[0].Value.Uint64(); n > 0 && 2*n < heapFloor {
			percent = int(heapFloor/n)*100 - 100
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
