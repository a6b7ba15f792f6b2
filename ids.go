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
	u, err := uuid.NewUUID()
	if err != nil {
		u = uuid.New()
	}
	n := int64(binary.BigEndian.Uint64(u[:8]) >> 1)
	id, err := idHasher().EncodeInt64([]int64{n})
	if err != nil {
		panic(fmt.Sprintf("hashids encode: %v", err)) // non-negative input: cannot fail
	}
	return id
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
