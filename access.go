package abaco

import (
	"context"
	"errors"
)

// Level is a permission level on an actor, alias or config; levels are ordered.
type Level int

// Permission levels, lowest first (reference §12).
const (
	LevelNone Level = iota
	LevelRead
	LevelExecute
	LevelUpdate
)

func (l Level) String() string {
	switch l {
	case LevelRead:
		return "READ"
	case LevelExecute:
		return "EXECUTE"
	case LevelUpdate:
		return "UPDATE"
	}
	return "NONE"
}

// actorFor loads the actor named by identifier (an actor id, or an alias
// of the caller's tenant) and checks that the caller holds at least level
// on it. Other tenants' actors and aliases do not exist for the caller.
func (s *Service) actorFor(ctx context.Context, p Principal, identifier string, level Level) (*Actor, error) {
	id, err := s.resolveActorID(ctx, p.Tenant, identifier)
	if err != nil {
		return nil, err
	}
	a, err := s.store.ActorGet(ctx, p.Tenant, id)
	if err != nil {
		return nil, notFound(err, "No actor found with identifier: "+identifier+".")
	}
	if err := s.require(ctx, p, KindActor, a.ID, a.Owner, level, "Not authorized -- you do not have access to this actor."); err != nil {
		return nil, err
	}
	return a, nil
}

// resolveActorID turns a path identifier into an actor id: an identifier
// that decodes as one of our ids is one; anything else is an alias.
func (s *Service) resolveActorID(ctx context.Context, tenant, identifier string) (string, error) {
	if IsID(identifier) {
		return identifier, nil
	}
	al, err := s.store.AliasGet(ctx, tenant, identifier)
	if err != nil {
		return "", notFound(err, "Actor with identifier '"+identifier+"' not found")
	}
	return al.ActorID, nil
}

// aliasFor loads an alias of the caller's tenant and checks the caller's
// level on the alias itself (not on its actor).
func (s *Service) aliasFor(ctx context.Context, p Principal, alias string, level Level) (*Alias, error) {
	al, err := s.store.AliasGet(ctx, p.Tenant, alias)
	if err != nil {
		return nil, notFound(err, "No alias found: "+alias+".")
	}
	if err := s.require(ctx, p, KindAlias, al.Alias, al.Owner, level, "Not authorized -- you do not have access to this alias."); err != nil {
		return nil, err
	}
	return al, nil
}

// require refuses with denied unless the caller holds level on the resource.
func (s *Service) require(ctx context.Context, p Principal, kind PermissionKind, resource, owner string, level Level, denied string) error {
	have, err := s.levelOf(ctx, p, kind, resource, owner)
	if err != nil {
		return err
	}
	if have < level {
		return E(Permission, "%s", denied)
	}
	return nil
}

// levelOf is the caller's level on a resource of its tenant: admins of the
// tenant and the owner hold UPDATE whatever the rows say; otherwise the
// caller's own row decides, even when ABACO_WORLD's is higher, and without
// one ABACO_WORLD's row grants its level to everyone.
func (s *Service) levelOf(ctx context.Context, p Principal, kind PermissionKind, resource, owner string) (Level, error) {
	if p.IsAdmin() || p.User == owner {
		return LevelUpdate, nil
	}
	lv, err := s.store.PermissionLevels(ctx, p.Tenant, kind, resource, p.User)
	if err != nil {
		return LevelNone, internal(err, "read permissions")
	}
	if lv.HasOwn {
		return lv.Own, nil
	}
	return lv.World, nil
}

// kinded returns the domain error inside err, so that a store's wrapped
// Conflict reaches the caller with its own message.
func kinded(err error, what string) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err, what)
}
