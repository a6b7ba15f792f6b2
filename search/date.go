package search

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateBody matches the date-and-time part of a loose ISO 8601 string: a
// year, then optionally month, day, hour, minute, second and a fraction,
// each only if the one before is present. The fraction may follow a "." or,
// as the user documentation writes it, a ":" (2020-04-29T20:15:52:246Z).
// "T" or a space separates the time; "2020-04-29T" alone is accepted too.
var dateBody = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](?:(\d{2})(?::(\d{2})(?::(\d{2})(?:[.:](\d{1,9}))?)?)?)?)?)?)?$`)

// dateZone matches a UTC offset at the end of the string: Z, ±HH, ±HHMM or ±HH:MM.
var dateZone = regexp.MustCompile(`(?:Z|[+-]\d{2}(?::?\d{2})?)$`)

var errDate = errors.New("not an ISO 8601 date")

// ParseTime reads the loose ISO 8601 dates of the user documentation:
// 2020, 2020-04Z, 2020-04-29-06:00, 2020-04-29T20-06:00,
// 2020-04-29T20:15-06:00, 2020-04-29T20:15:52:246Z,
// 2020-04-29T20:15:52.246252-06:00 and everything in between. Missing
// parts round down to their minimum (2020 is 2020-01-01T00:00:00Z); a time
// without an offset is UTC. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	// Without an offset first, so that 2020-04 is April rather than 2020 at
	// UTC-4; then with the longest offset the end of the string allows.
	if t, err := parseDateBody(s, time.UTC); err == nil {
		return t, nil
	}
	loc := dateZone.FindStringIndex(s)
	if loc == nil {
		return time.Time{}, errDate
	}
	zone, err := parseZone(s[loc[0]:])
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseDateBody(s[:loc[0]], zone)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func parseDateBody(s string, loc *time.Location) (time.Time, error) {
	m := dateBody.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, errDate
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i]) // the pattern allows digits only
		return n
	}
	year, month, day := num(1, 0), num(2, 1), num(3, 1)
	hour, minute, sec := num(4, 0), num(5, 0), num(6, 0)
	nsec := 0
	if f := m[7]; f != "" {
		nsec, _ = strconv.Atoi((f + "000000000")[:9])
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	// time.Date normalizes 2020-02-30 to March; a real date survives unchanged.
	if t.Year() != year || int(t.Month()) != month || t.Day() != day ||
		t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, errDate
	}
	return t, nil
}

func parseZone(z string) (*time.Location, error) {
	if z == "Z" {
		return time.UTC, nil
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, _ := strconv.Atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	if h > 23 || m > 59 {
		return nil, errDate
	}
	return time.FixedZone(z, sign*(h*3600+m*60)), nil
}
