package abaco

import (
	"sync"
	"testing"
)

// Ids made at once, as a dispatch pass makes workers and concurrent
// messages make executions, are all different and all ids.
func TestNewIDUniqueWithinOneTick(t *testing.T) {
	const goroutines, each = 8, 20000
	ids := make([][]string, goroutines)
	var wg sync.WaitGroup
	for g := range ids {
		wg.Go(func() {
			for range each {
				ids[g] = append(ids[g], NewID())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range ids {
		for _, id := range list {
			if seen[id] {
				t.Fatalf("id %s made twice", id)
			}
			seen[id] = true
			if !IsID(id) {
				t.Fatalf("%s is not an id", id)
			}
		}
	}
}

// Within one clock tick, each id still gets its own number.
func TestIDSequenceWithinOneTick(t *testing.T) {
	var q idSequence
	const tick = int64(1) << 40
	same := func() int64 { return tick }
	got := map[int64]bool{}
	for range 5 {
		got[q.next(same)] = true
	}
	if len(got) != 5 {
		t.Fatalf("5 ids of one tick got %d numbers", len(got))
	}
	if n := q.next(func() int64 { return tick << 1 }); n != tick<<1 {
		t.Fatalf("a new tick starts at its own number, got %d", n)
	}
}
