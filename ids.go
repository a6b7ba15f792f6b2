package abaco

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/speps/go-hashids"
)

// hashidSalt is the reference implementation's salt. Using it keeps our ids
// in the same space as Abaco's, so "is this segment an id or an alias?" is
// answered the same way by both.
const hashidSalt = "eJa5wZlEX4eWU"

var (
	hashOnce sync.Once
	hasher   *hashids.HashID
)

func idHasher() *hashids.HashID {
	hashOnce.Do(func() {
		data := hashids.NewData()
		data.Salt = hashidSalt
		h, err := hashids.NewWithData(data)
		if err != nil {
			panic(fmt.Sprintf("hashids: %v", err)) // constant input: cannot fail
		}
		hasher = h
	})
	return hasher
}

// NewID returns a fresh actor, execution or worker id: the Hashid of the top
// 63 bits of a time-based UUID, as the reference does (the top bit is dropped
// because hashids encodes non-negative int64s).
func NewID() string {
	n := idNumbers.next(func() int64 {
		u, err := uuid.NewUUID()
		if err != nil {
			u = uuid.New()
		}
		return int64(binary.BigEndian.Uint64(u[:8]) >> 1)
	})
	id, err := idHasher().EncodeInt64([]int64{n})
	if err != nil {
		panic(fmt.Sprintf("hashids encode: %v", err)) // non-negative input: cannot fail
	}
	return id
}

// idNumbers keeps the ids of this process apart. The top 63 bits of a
// time-based UUID are its timestamp in 100 ns ticks, and the UUID tells two
// of one tick apart only by its clock sequence, in the bits dropped; a
// dispatch pass makes several workers within one tick (more so on a coarse
// clock). So the n-th id of a tick adds n-1 to the number: that touches
// only the timestamp's slowest bits, which repeat after centuries.
var idNumbers idSequence

type idSequence struct {
	mu     sync.Mutex
	tick   int64 // the last tick's number
	repeat int64 // how many more ids it gave
}

// next returns a number from tick (called under the lock, so that ticks
// come in call order) that this sequence has not returned before.
func (q *idSequence) next(tick func() int64) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := tick()
	if n == q.tick {
		q.repeat++
	} else {
		q.tick, q.repeat = n, 0
	}
	return n + q.repeat
}

// IsID reports whether s decodes as an id of ours. An alias must never do so.
func IsID(s string) bool {
	if s == "" {
		return false
	}
	nums, err := idHasher().DecodeInt64WithError(s)
	if err != nil || len(nums) != 1 {
		return false
	}
	again, err := idHasher().EncodeInt64(nums)
	return err == nil && again == s
}
