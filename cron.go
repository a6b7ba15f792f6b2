package abaco

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The cron message and its content type (reference §15).
const CronMessage = "This is your cron execution"

// A cron schedule is "<start> + <N> <unit>" (reference §15): start is
// "YYYY-MM-DD HH" (UTC, zero padding optional) or "now", unit is hour(s),
// day(s), week(s) or month(s). Times have hour granularity.
var (
	cronPattern      = regexp.MustCompile(`^(.+?) \+ (.+?) (.+)$`)
	cronStartPattern = regexp.MustCompile(`^(.+?)-(.+?)-(.+?) (.+)$`)
)

// CronSchedule is a parsed cron_schedule.
type CronSchedule struct {
	// Start is the first execution hour, as cron_next_ex shows it: the
	// text given, or the current hour as "YYYY-M-D H" for "now".
	Start string
	Every int
	Unit  string // "hour", "day", "week" or "month"
}

// ParseCronSchedule parses and validates a cron_schedule at now, with the
// reference's messages. One deliberate difference: an unknown unit (or an
// increment that is not a positive integer) is a 400 here; the reference
// answers 500.
// The checks run in the reference's order: the format, the start, its
// age, then the unit.
func ParseCronSchedule(s string, now time.Time) (CronSchedule, error) {
	m := cronPattern.FindStringSubmatch(s)
	if m == nil {
		return CronSchedule{}, E(Invalid, "The cron is not in the correct format")
	}
	start := m[1]
	nowHour := now.UTC().Truncate(time.Hour)
	if start == "now" || start == "Now" {
		start = FormatCronTime(nowHour)
	} else {
		t, err := ParseCronTime(start)
		if err != nil {
			return CronSchedule{}, E(Invalid, "The starting date %s is not in the correct format", start)
		}
		if t.Before(nowHour) {
			return CronSchedule{}, E(Invalid, "The starting datetime is old. The current UTC time is %s",
				nowHour.Format("2006-01-02 15:04:05"))
		}
	}
	c, err := CronRule(s)
	if err != nil {
		return CronSchedule{}, err
	}
	c.Start = start
	return c, nil
}

// CronRule parses the increment and unit of a schedule, leaving Start as
// written; the cron loop uses it on stored schedules, whose start may be
// long past.
func CronRule(s string) (CronSchedule, error) {
	m := cronPattern.FindStringSubmatch(s)
	if m == nil {
		return CronSchedule{}, E(Invalid, "The cron is not in the correct format")
	}
	start, every, unit := m[1], m[2], m[3]
	u := strings.TrimSuffix(unit, "s")
	switch u {
	case "hour", "day", "week", "month":
	default:
		return CronSchedule{}, E(Invalid, "%s is an invalid unit of time; the units are hour(s), day(s), week(s) and month(s)", unit)
	}
	n, err := strconv.Atoi(every)
	if err != nil || n < 1 {
		return CronSchedule{}, E(Invalid, "The cron is not in the correct format: the increment %q must be a positive integer", every)
	}
	return CronSchedule{Start: start, Every: n, Unit: u}, nil
}

// ParseCronTime reads "YYYY-M-D H" (UTC; zero padding optional).
func ParseCronTime(s string) (time.Time, error) {
	m := cronStartPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("cron time %q is not YYYY-MM-DD HH", s)
	}
	var v [4]int
	for i := range v {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return time.Time{}, fmt.Errorf("cron time %q is not YYYY-MM-DD HH", s)
		}
		v[i] = n
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], v[3], 0, 0, 0, time.UTC)
	if t.Year() != v[0] || int(t.Month()) != v[1] || t.Day() != v[2] || t.Hour() != v[3] {
		return time.Time{}, fmt.Errorf("cron time %q is not a valid date and hour", s)
	}
	return t, nil
}

// FormatCronTime writes t as cron_next_ex shows it: "YYYY-M-D H", no zero
// padding.
func FormatCronTime(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d-%d-%d %d", t.Year(), int(t.Month()), t.Day(), t.Hour())
}

// Add returns t plus one increment of the schedule. Months are calendar
// months with the day clamped to the month's end, as dateutil's
// relativedelta does upstream (so Jan 31 + 1 month is Feb 28, and the next
// step starts from the 28th).
func (c CronSchedule) Add(t time.Time) time.Time {
	switch c.Unit {
	case "hour":
		return t.Add(time.Duration(c.Every) * time.Hour)
	case "day":
		return t.AddDate(0, 0, c.Every)
	case "week":
		return t.AddDate(0, 0, 7*c.Every)
	}
	first := time.Date(t.Year(), t.Month()+time.Month(c.Every), 1, t.Hour(), 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}

// Step is what the cron loop does for one actor at now, given its
// cron_next_ex (reference §15): a next execution in the future waits; one
// in the past first moves forward by whole increments to the first hour at
// or after now; one at the current hour fires (if cron_on is set; the
// caller decides) and moves on by one increment. It returns whether to fire
// and the new cron_next_ex.
func (c CronSchedule) Step(next, now time.Time) (fire bool, newNext time.Time) {
	nowHour := now.UTC().Truncate(time.Hour)
	for next.Before(nowHour) {
		next = c.Add(next)
	}
	if next.After(nowHour) {
		return false, next
	}
	return true, c.Add(next)
}

// NewCronExecution builds the execution a cron schedule sends: executor
// "cron", the message "This is your cron execution" as a string.
func NewCronExecution(a *Actor, apiServer string, now time.Time) *Execution {
	e := &Execution{
		Tenant:              a.Tenant,
		ID:                  NewID(),
		ActorID:             a.ID,
		Executor:            ExecutorCron,
		Status:              ExecSubmitted,
		Message:             []byte(CronMessage),
		ContentType:         ContentString,
		APIServer:           apiServer,
		MessageReceivedTime: now,
	}
	e.Env = map[string]string{
		"_abaco_execution_id":   e.ID,
		"_abaco_Content_Type":   ContentString,
		"_abaco_actor_revision": strconv.Itoa(a.Revision),
	}
	return e
}

// applyCron sets cron_schedule, cron_on and cron_next_ex from spec on a
// create (create) or a full-replacement update. A schedule on create turns
// cron on, as the reference does; on update cron_on is what was sent
// (false when unsent) and a schedule restarts cron_next_ex at its start.
func applyCron(a *Actor, spec ActorSpec, create bool, now time.Time) error {
	a.CronSchedule = spec.CronSchedule
	a.CronOn = deref(spec.CronOn, false)
	a.CronNextEx = nil
	if spec.CronSchedule == nil {
		return nil
	}
	c, err := ParseCronSchedule(*spec.CronSchedule, now)
	if err != nil {
		return err
	}
	start := c.Start
	a.CronNextEx = &start
	if create {
		a.CronOn = true
	}
	return nil
}
