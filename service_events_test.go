package abaco_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
	"github.com/abaco-hpc/abaco/storage"
)

// quietScheduler is a scheduler that runs nothing: these tests only look
// at what the service validates and stores.
type quietScheduler struct{}

func (quietScheduler) ActorChanged(string, string)                              {}
func (quietScheduler) ActorDeleted(string, string)                              {}
func (quietScheduler) Enqueued(string, string)                                  {}
func (quietScheduler) Halt(string)                                              {}
func (quietScheduler) WaitFinished(context.Context, *abaco.Execution) error     { return nil }
func (quietScheduler) StopWorker(context.Context, string, string, string) error { return nil }
func (quietScheduler) AddWorkers(context.Context, *abaco.Actor, int) (int, int, error) {
	return 0, 0, nil
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func setupService(t *testing.T) (*abaco.Service, *fixedClock) {
	t.Helper()
	store, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "abaco.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(t.Context()))
	clock := &fixedClock{t: time.Date(2026, 11, 26, 17, 26, 11, 0, time.UTC)}
	return abaco.NewService(store, quietScheduler{}, clock, abaco.DefaultConfig(), nil), clock
}

var alice = abaco.Principal{Tenant: "dev", User: "alice"}

func spec(fields ...func(*abaco.ActorSpec)) abaco.ActorSpec {
	img := "abacosamples/test"
	s := abaco.ActorSpec{Image: &img}
	for _, f := range fields {
		f(&s)
	}
	return s
}

func link(id string) func(*abaco.ActorSpec)   { return func(s *abaco.ActorSpec) { s.Link = &id } }
func webhook(u string) func(*abaco.ActorSpec) { return func(s *abaco.ActorSpec) { s.Webhook = &u } }
func cron(c string) func(*abaco.ActorSpec)    { return func(s *abaco.ActorSpec) { s.CronSchedule = &c } }
func cronOn(on bool) func(*abaco.ActorSpec)   { return func(s *abaco.ActorSpec) { s.CronOn = &on } }

func requireInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, abaco.Invalid, abaco.KindOf(err), "%v", err)
	require.Equal(t, msg, err.(*abaco.Error).Msg)
}

func TestLinkValidation(t *testing.T) {
	svc, _ := setupService(t)
	ctx := t.Context()
	b, err := svc.CreateActor(ctx, alice, spec())
	require.NoError(t, err)
	a, err := svc.CreateActor(ctx, alice, spec(link(b.ID)))
	require.NoError(t, err)
	require.Equal(t, b.ID, a.Link)

	_, err = svc.CreateActor(ctx, alice, spec(link("nosuchactor")))
	requireInvalid(t, err, "Invalid link parameter; unable to retrieve linked actor data. The link must be a valid actor id or alias for which you have EXECUTE permission. ")

	bobs, err := svc.CreateActor(ctx, abaco.Principal{Tenant: "dev", User: "bob"}, spec())
	require.NoError(t, err)
	_, err = svc.CreateActor(ctx, alice, spec(link(bobs.ID)))
	require.Error(t, err)
	require.Equal(t, abaco.Invalid, abaco.KindOf(err))
	require.Contains(t, err.Error(), "Invalid link parameter. The link must be a valid actor id or alias for which you have EXECUTE permission.")
	// Another tenant's actor does not exist for alice.
	other, err := svc.CreateActor(ctx, abaco.Principal{Tenant: "other", User: "alice"}, spec())
	require.NoError(t, err)
	_, err = svc.CreateActor(ctx, alice, spec(link(other.ID)))
	requireInvalid(t, err, "Invalid link parameter; unable to retrieve linked actor data. The link must be a valid actor id or alias for which you have EXECUTE permission. ")

	_, err = svc.UpdateActor(ctx, alice, a.ID, spec(link(a.ID)))
	requireInvalid(t, err, "Invalid link parameter. An actor cannot link to itself.")

	// a → b; b → a closes a cycle.
	_, err = svc.UpdateActor(ctx, alice, b.ID, spec(link(a.ID)))
	requireInvalid(t, err, "Error: this update would result in a cycle of linked actors.")
	// c → a is fine; then b → c closes the longer cycle b → c → a → b.
	c, err := svc.CreateActor(ctx, alice, spec(link(a.ID)))
	require.NoError(t, err)
	_, err = svc.UpdateActor(ctx, alice, b.ID, spec(link(c.ID)))
	requireInvalid(t, err, "Error: this update would result in a cycle of linked actors.")
	// Refused updates changed nothing.
	got, err := svc.GetActor(ctx, alice, b.ID)
	require.NoError(t, err)
	require.Equal(t, "", got.Link)
	// A chain without a cycle is fine: b → d.
	d, err := svc.CreateActor(ctx, alice, spec())
	require.NoError(t, err)
	_, err = svc.UpdateActor(ctx, alice, b.ID, spec(link(d.ID)))
	require.NoError(t, err)
	// Removing a link is always fine.
	_, err = svc.UpdateActor(ctx, alice, a.ID, spec())
	require.NoError(t, err)
}

func TestWebhookValidation(t *testing.T) {
	svc, _ := setupService(t)
	ctx := t.Context()
	for _, bad := range []string{"ftp://example.org/x", "example.org/hook", "http://", "not a url at all", "://x"} {
		_, err := svc.CreateActor(ctx, alice, spec(webhook(bad)))
		require.Error(t, err, bad)
		require.Equal(t, abaco.Invalid, abaco.KindOf(err), bad)
		require.Contains(t, err.Error(), "Invalid webhook parameter; the webhook must be an http or https URL")
	}
	a, err := svc.CreateActor(ctx, alice, spec(webhook("https://example.org/hook?x=1")))
	require.NoError(t, err)
	require.Equal(t, "https://example.org/hook?x=1", a.Webhook)
	_, err = svc.UpdateActor(ctx, alice, a.ID, spec(webhook("gopher://x")))
	require.Equal(t, abaco.Invalid, abaco.KindOf(err))
}

func TestCronFields(t *testing.T) {
	svc, clock := setupService(t)
	ctx := t.Context()
	a, err := svc.CreateActor(ctx, alice, spec(cron("2026-11-27 23 + 6 hours")))
	require.NoError(t, err)
	require.True(t, a.CronOn, "a schedule on create turns cron on")
	require.Equal(t, "2026-11-27 23 + 6 hours", *a.CronSchedule)
	require.Equal(t, "2026-11-27 23", *a.CronNextEx)

	n, err := svc.CreateActor(ctx, alice, spec(cron("now + 1 hour")))
	require.NoError(t, err)
	require.Equal(t, "2026-11-26 17", *n.CronNextEx)
	require.Equal(t, "now + 1 hour", *n.CronSchedule, "the schedule is echoed as given")

	// PUT is a full replacement: without cron_on it is off; the schedule
	// restarts cron_next_ex at its start.
	clock.mu.Lock()
	clock.t = clock.t.Add(2 * time.Hour)
	clock.mu.Unlock()
	u, err := svc.UpdateActor(ctx, alice, a.ID, spec(cron("2099-09-6 20 + 3 months")))
	require.NoError(t, err)
	require.False(t, u.CronOn)
	require.Equal(t, "2099-09-6 20", *u.CronNextEx)
	u, err = svc.UpdateActor(ctx, alice, a.ID, spec(cron("now + 1 day"), cronOn(true)))
	require.NoError(t, err)
	require.True(t, u.CronOn)
	require.Equal(t, "2026-11-26 19", *u.CronNextEx)
	stored, err := svc.GetActor(ctx, alice, a.ID)
	require.NoError(t, err)
	require.Equal(t, "2026-11-26 19", *stored.CronNextEx)
	u, err = svc.UpdateActor(ctx, alice, a.ID, spec())
	require.NoError(t, err)
	require.Nil(t, u.CronSchedule)
	require.Nil(t, u.CronNextEx)
	require.False(t, u.CronOn)

	for in, msg := range map[string]string{
		"every hour":              "The cron is not in the correct format",
		"2026-11-27 xx + 1 hour":  "The starting date 2026-11-27 xx is not in the correct format",
		"2020-01-01 00 + 1 hour":  "The starting datetime is old. The current UTC time is 2026-11-26 19:00:00",
		"2026-11-27 23 + 1 moons": "moons is an invalid unit of time; the units are hour(s), day(s), week(s) and month(s)",
	} {
		_, err := svc.CreateActor(ctx, alice, spec(cron(in)))
		requireInvalid(t, err, msg)
	}
}
