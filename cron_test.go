package abaco

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func hour(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func TestParseCronSchedule(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 26, 11, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want CronSchedule
		err  string
	}{
		{in: "2026-11-27 23 + 6 hours", want: CronSchedule{Start: "2026-11-27 23", Every: 6, Unit: "hour"}},
		{in: "2099-09-6 20 + 3 months", want: CronSchedule{Start: "2099-09-6 20", Every: 3, Unit: "month"}},
		{in: "2026-11-26 17 + 1 hour", want: CronSchedule{Start: "2026-11-26 17", Every: 1, Unit: "hour"}},
		{in: "now + 1 week", want: CronSchedule{Start: "2026-11-26 17", Every: 1, Unit: "week"}},
		{in: "Now + 2 days", want: CronSchedule{Start: "2026-11-26 17", Every: 2, Unit: "day"}},
		{in: "2030-1-1 0 + 1 month", want: CronSchedule{Start: "2030-1-1 0", Every: 1, Unit: "month"}},

		{in: "tomorrow", err: "The cron is not in the correct format"},
		{in: "2026-11-27 23 6 hours", err: "The cron is not in the correct format"},
		{in: "", err: "The cron is not in the correct format"},
		{in: "2026-13-01 5 + 1 hour", err: "The starting date 2026-13-01 5 is not in the correct format"},
		{in: "2026-02-30 5 + 1 hour", err: "The starting date 2026-02-30 5 is not in the correct format"},
		{in: "2026/11/27 5 + 1 hour", err: "The starting date 2026/11/27 5 is not in the correct format"},
		{in: "2026-11-27 24 + 1 hour", err: "The starting date 2026-11-27 24 is not in the correct format"},
		{in: "2026-11-26 16 + 1 hour", err: "The starting datetime is old. The current UTC time is 2026-11-26 17:00:00"},
		// The reference checks the start's age before the unit.
		{in: "2020-1-1 1 + 1 fortnight", err: "The starting datetime is old. The current UTC time is 2026-11-26 17:00:00"},
		{in: "2026-11-27 23 + 6 fortnights", err: "fortnights is an invalid unit of time; the units are hour(s), day(s), week(s) and month(s)"},
		{in: "2026-11-27 23 + 6 minutes", err: "minutes is an invalid unit of time; the units are hour(s), day(s), week(s) and month(s)"},
		{in: "2026-11-27 23 + x hours", err: `The cron is not in the correct format: the increment "x" must be a positive integer`},
		{in: "2026-11-27 23 + 0 hours", err: `The cron is not in the correct format: the increment "0" must be a positive integer`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCronSchedule(tc.in, now)
			if tc.err != "" {
				require.Error(t, err)
				require.Equal(t, Invalid, KindOf(err))
				require.Equal(t, tc.err, err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCronTimeFormat(t *testing.T) {
	require.Equal(t, "2026-1-5 7", FormatCronTime(hour(2026, 1, 5, 7)))
	got, err := ParseCronTime("2026-01-05 07")
	require.NoError(t, err)
	require.Equal(t, hour(2026, 1, 5, 7), got)
	got, err = ParseCronTime("2026-1-5 7")
	require.NoError(t, err)
	require.Equal(t, hour(2026, 1, 5, 7), got)
}

func TestCronAdd(t *testing.T) {
	month := CronSchedule{Every: 1, Unit: "month"}
	require.Equal(t, hour(2026, 2, 28, 5), month.Add(hour(2026, 1, 31, 5)), "the day is clamped to the month's end")
	require.Equal(t, hour(2024, 2, 29, 5), month.Add(hour(2024, 1, 31, 5)), "leap year")
	require.Equal(t, hour(2027, 1, 15, 5), month.Add(hour(2026, 12, 15, 5)), "across the year")
	require.Equal(t, hour(2026, 3, 29, 1), CronSchedule{Every: 1, Unit: "week"}.Add(hour(2026, 3, 22, 1)))
	require.Equal(t, hour(2026, 1, 1, 2), CronSchedule{Every: 3, Unit: "hour"}.Add(hour(2025, 12, 31, 23)))
	require.Equal(t, hour(2026, 3, 1, 0), CronSchedule{Every: 2, Unit: "day"}.Add(hour(2026, 2, 27, 0)))
}

// TestCronStep is the catch-up arithmetic of the reference's
// tests/test_setnextexpast plus the firing rule of its cron loop.
func TestCronStep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rule     CronSchedule
		next     time.Time
		now      time.Time
		fire     bool
		wantNext time.Time
	}{
		{"future waits", CronSchedule{Every: 1, Unit: "hour"}, hour(2026, 11, 26, 18), hour(2026, 11, 26, 17).Add(59 * time.Minute),
			false, hour(2026, 11, 26, 18)},
		{"the hour has come", CronSchedule{Every: 6, Unit: "hour"}, hour(2026, 11, 26, 17), hour(2026, 11, 26, 17).Add(30 * time.Minute),
			true, hour(2026, 11, 26, 23)},
		{"past, catch-up lands after now", CronSchedule{Every: 3, Unit: "hour"}, hour(2026, 11, 26, 10), hour(2026, 11, 26, 17).Add(26 * time.Minute),
			false, hour(2026, 11, 26, 19)},
		{"past, catch-up lands on now: fires once", CronSchedule{Every: 3, Unit: "hour"}, hour(2026, 11, 26, 11), hour(2026, 11, 26, 17).Add(26 * time.Minute),
			true, hour(2026, 11, 26, 20)},
		{"days", CronSchedule{Every: 2, Unit: "day"}, hour(2026, 11, 20, 17), hour(2026, 11, 26, 17),
			true, hour(2026, 11, 28, 17)},
		{"weeks", CronSchedule{Every: 1, Unit: "week"}, hour(2026, 10, 1, 0), hour(2026, 11, 26, 17),
			false, hour(2026, 12, 3, 0)},
		{"months clamp and drift", CronSchedule{Every: 1, Unit: "month"}, hour(2026, 1, 31, 5), hour(2026, 4, 15, 0),
			false, hour(2026, 4, 28, 5)},
		// The reference's own example: "2021-01-31 05 + 2 month" with cron_next_ex "2020-03-31 12".
		{"reference example", CronSchedule{Every: 2, Unit: "month"}, hour(2020, 3, 31, 12), hour(2020, 12, 1, 0),
			false, hour(2021, 1, 30, 12)},
		{"years behind", CronSchedule{Every: 1, Unit: "hour"}, hour(2020, 1, 1, 0), hour(2026, 11, 26, 17).Add(time.Minute),
			true, hour(2026, 11, 26, 18)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fire, next := tc.rule.Step(tc.next, tc.now)
			require.Equal(t, tc.fire, fire)
			require.Equal(t, tc.wantNext, next)
		})
	}
}
