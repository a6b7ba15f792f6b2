package abaco

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ActorSpec is a registration or update request as decoded from the wire.
// A nil field was not sent; PUT is a full replacement, so an unsent field
// takes its default there too.
type ActorSpec struct {
	Image              *string
	Name               *string
	Description        *string
	Stateless          *bool
	Privileged         *bool
	Type               *string
	Link               *string
	Webhook            *string
	Token              *bool
	Hints              []string
	DefaultEnvironment map[string]string
	MaxWorkers         *int
	MemLimit           *string
	MaxCPUs            *int64
	UseContainerUID    *bool
	RunAsExecutor      *bool
	Queue              *string
	LogEx              *int
	CronSchedule       *string
	CronOn             *bool
	Force              *bool
}

// invalidActor builds the reference's "Invalid actor description" error.
func invalidActor(field, help string) error {
	return E(Invalid, "Invalid actor description: {'%s': '%s'}", field, help)
}

var memLimitPattern = regexp.MustCompile(`^[0-9]+[bkmgBKMG]?$`)

// envNamePattern accepts what a container runtime accepts as a variable name.
var envNamePattern = regexp.MustCompile(`^[^=\x00]+$`)

// CreateActor registers a new actor owned by the caller.
func (s *Service) CreateActor(ctx context.Context, p Principal, spec ActorSpec) (*Actor, error) {
	now := s.clock.Now()
	a := &Actor{
		Tenant:     p.Tenant,
		ID:         NewID(),
		Owner:      p.User,
		Revision:   1,
		Status:     ActorSubmitted,
		State:      json.RawMessage("{}"),
		CreateTime: now,
	}
	if err := s.applySpec(p, a, spec, nil); err != nil {
		return nil, err
	}
	if err := s.checkEvents(ctx, p, a); err != nil {
		return nil, err
	}
	a.LastUpdateTime = now
	if err := s.store.ActorCreate(ctx, a); err != nil {
		return nil, internal(err, "create actor")
	}
	s.sched.ActorChanged(a.Tenant, a.ID)
	return a, nil
}

// GetActor returns an actor the caller may read.
func (s *Service) GetActor(ctx context.Context, p Principal, id string) (*Actor, error) {
	return s.actorFor(ctx, p, id, LevelRead)
}

// ListActors returns the actors of its tenant the caller owns or may read,
// oldest first.
func (s *Service) ListActors(ctx context.Context, p Principal) ([]*Actor, error) {
	actors, err := s.store.ActorListReadable(ctx, p.Tenant, p.User)
	if err != nil {
		return nil, internal(err, "list actors")
	}
	return actors, nil
}

// UpdateActor replaces an actor's definition (PUT). A new image, or force,
// gives the actor a new revision that the scheduler brings up.
func (s *Service) UpdateActor(ctx context.Context, p Principal, id string, spec ActorSpec) (*Actor, error) {
	old, err := s.actorFor(ctx, p, id, LevelUpdate)
	if err != nil {
		return nil, err
	}
	a := *old
	if err := s.applySpec(p, &a, spec, old); err != nil {
		return nil, err
	}
	if err := s.checkEvents(ctx, p, &a); err != nil {
		return nil, err
	}
	a.Name = old.Name // the reference ignores name on update
	newRevision := a.Image != old.Image || (spec.Force != nil && *spec.Force)
	if newRevision {
		a.Revision = old.Revision + 1
		a.Status = ActorSubmitted
		a.StatusMessage = ""
	}
	a.LastUpdateTime = s.clock.Now()
	err = s.store.ActorUpdate(ctx, &a)
	s.sendAuth.clear()
	s.execConfigs.clear()
	if err != nil {
		return nil, notFound(err, "No actor found with identifier: "+id+".")
	}
	if newRevision {
		s.sched.ActorChanged(a.Tenant, a.ID)
	}
	return &a, nil
}

// DeleteActor removes an actor with its queue, executions, logs and
// results; running containers are stopped.
func (s *Service) DeleteActor(ctx context.Context, p Principal, id string) error {
	a, err := s.actorFor(ctx, p, id, LevelUpdate)
	if err != nil {
		return err
	}
	err = s.store.ActorDelete(ctx, a.Tenant, a.ID)
	s.sendAuth.clear()
	s.execConfigs.clear()
	if err != nil {
		return notFound(err, "No actor found with identifier: "+id+".")
	}
	s.sched.ActorDeleted(a.Tenant, a.ID)
	return nil
}

// GetState returns a stateful actor's state.
func (s *Service) GetState(ctx context.Context, p Principal, id string) (json.RawMessage, error) {
	a, err := s.actorFor(ctx, p, id, LevelRead)
	if err != nil {
		return nil, err
	}
	if a.Stateless {
		return nil, E(NotExist, "actor is stateless.")
	}
	return a.State, nil
}

// SetState replaces a stateful actor's state with any JSON value and
// returns the updated actor.
func (s *Service) SetState(ctx context.Context, p Principal, id string, state json.RawMessage) (*Actor, error) {
	a, err := s.actorFor(ctx, p, id, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if a.Stateless {
		return nil, E(NotExist, "actor is stateless.")
	}
	if len(state) == 0 || !json.Valid(state) {
		return nil, E(Invalid, "Invalid actor state description: state must be JSON serializable.")
	}
	now := s.clock.Now()
	if err := s.store.ActorSetState(ctx, a.Tenant, a.ID, state, now); err != nil {
		return nil, notFound(err, "No actor found with identifier: "+id+".")
	}
	a.State = state
	a.LastUpdateTime = now
	return a, nil
}

// applySpec validates spec and copies it onto a, with defaults for unsent
// fields. old is the stored actor on update, nil on create.
func (s *Service) applySpec(p Principal, a *Actor, spec ActorSpec, old *Actor) error {
	if spec.Image == nil || strings.TrimSpace(*spec.Image) == "" {
		return invalidActor("image", "Reference to image on docker hub for this actor.")
	}
	a.Image = strings.TrimSpace(*spec.Image)
	a.Name = spec.Name
	a.Description = deref(spec.Description, "")
	a.Stateless = deref(spec.Stateless, true)
	a.Privileged = deref(spec.Privileged, false)
	a.Type = deref(spec.Type, "none")
	a.Link = deref(spec.Link, "")
	a.Webhook = deref(spec.Webhook, "")
	a.Token = spec.Token
	a.Hints = spec.Hints
	if a.Hints == nil {
		a.Hints = []string{}
	}
	a.DefaultEnvironment = spec.DefaultEnvironment
	if a.DefaultEnvironment == nil {
		a.DefaultEnvironment = map[string]string{}
	}
	a.MaxWorkers = spec.MaxWorkers
	a.MemLimit = spec.MemLimit
	a.MaxCPUs = spec.MaxCPUs
	a.UseContainerUID = deref(spec.UseContainerUID, false)
	a.RunAsExecutor = deref(spec.RunAsExecutor, false)
	a.Queue = deref(spec.Queue, s.cfg.Queues[0])
	a.LogEx = spec.LogEx
	if err := applyCron(a, spec, old == nil, s.clock.Now()); err != nil {
		return err
	}

	switch a.Type {
	case "none", "bin", "json":
	default:
		return invalidActor("type", "The type of actor: one of none, bin or json.")
	}
	if old != nil && !old.Stateless && a.Stateless {
		return E(Invalid, "Invalid actor description: an actor that was not stateless cannot be updated to be stateless.")
	}
	if a.MaxWorkers != nil && *a.MaxWorkers < 0 {
		return invalidActor("max_workers", "The maximum number of workers: a non-negative integer.")
	}
	if !a.Stateless && a.MaxWorkers != nil && *a.MaxWorkers > 1 {
		return E(Invalid, "Invalid actor description: stateful actors can only have 1 worker.")
	}
	if a.MemLimit != nil && !memLimitPattern.MatchString(*a.MemLimit) && *a.MemLimit != "-1" {
		return invalidActor("mem_limit", "The memory limit, e.g. 512m or 3g, or -1 for none.")
	}
	if a.LogEx != nil && *a.LogEx <= 0 {
		return invalidActor("log_ex", "The log retention in seconds: a positive integer.")
	}
	for k := range a.DefaultEnvironment {
		if !envNamePattern.MatchString(k) {
			return invalidActor("default_environment", fmt.Sprintf("%q is not a valid environment variable name.", k))
		}
	}
	if !contains(s.cfg.Queues, a.Queue) {
		return invalidActor("queue", fmt.Sprintf("Unknown queue %q; the queues are %s.", a.Queue, strings.Join(s.cfg.Queues, ", ")))
	}
	if a.UseContainerUID && a.RunAsExecutor {
		return E(Invalid, "Cannot set both use_container_uid and run_as_executor as true")
	}
	if a.RunAsExecutor && !s.cfg.HasDirectory(a.Tenant) {
		return E(Invalid, "run_as_executor isn't supported for your tenant")
	}
	return checkPrivilegedFields(p, a, old, s.cfg.Queues[0])
}

// checkPrivilegedFields refuses fields that only admins and privileged users
// may set, with the reference's messages. Values kept unchanged from the
// stored actor are allowed, so a regular user can still update an actor an
// admin configured.
func checkPrivilegedFields(p Principal, a, old *Actor, defaultQueue string) error {
	if p.IsPrivileged() {
		return nil
	}
	changed := func(now, before bool) bool { return now && (old == nil || !before) }
	deny := func(what string) error {
		return E(Permission, "Not authorized -- only admins and privileged users can %s.", what)
	}
	switch {
	case changed(a.Privileged, old != nil && old.Privileged):
		return deny("make privileged actors")
	case changed(a.MaxWorkers != nil, old != nil && equalPtr(a.MaxWorkers, old.MaxWorkers)):
		return deny("set max workers")
	case changed(a.MaxCPUs != nil, old != nil && equalPtr(a.MaxCPUs, old.MaxCPUs)):
		return deny("set max CPUs")
	case changed(a.MemLimit != nil, old != nil && equalPtr(a.MemLimit, old.MemLimit)):
		return deny("set mem limit")
	case changed(a.Queue != defaultQueue, old != nil && old.Queue == a.Queue):
		return deny("set queue")
	case changed(a.UseContainerUID, old != nil && old.UseContainerUID):
		return deny("use the container uid")
	}
	return nil
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
