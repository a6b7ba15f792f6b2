package runtimes

import (
	"strconv"
	"strings"
)

// ParseSize reads a Docker-style size such as "512m" or "3g" as bytes.
// Zero or a negative value (e.g. "-1") means "no limit" and returns 0.
func ParseSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k':
			mult, s = 1<<10, s[:n-1]
		case 'm':
			mult, s = 1<<20, s[:n-1]
		case 'g':
			mult, s = 1<<30, s[:n-1]
		case 'b':
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if v <= 0 {
		return 0, nil
	}
	return v * mult, nil
}
