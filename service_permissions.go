package abaco

import (
	"context"
	"strings"
)

// PermissionGrant is a POST to a permissions endpoint as decoded from the
// wire; empty strings were not sent.
type PermissionGrant struct {
	User  string
	Level string
}

// Permissions returns {user: level} of an actor (id or alias), alias or
// config the caller may read.
func (s *Service) Permissions(ctx context.Context, p Principal, kind PermissionKind, name string) (map[string]string, error) {
	resource, owner, err := s.permissionTarget(ctx, p, kind, name, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, kind, resource, owner)
}

// SetPermission grants (or, with NONE, removes) a user's level on an
// actor, alias or config the caller may update, and returns the new map.
func (s *Service) SetPermission(ctx context.Context, p Principal, kind PermissionKind, name string, g PermissionGrant) (map[string]string, error) {
	resource, owner, err := s.permissionTarget(ctx, p, kind, name, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if err := s.setPermission(ctx, p.Tenant, kind, resource, g); err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, kind, resource, owner)
}

// permissionTarget loads what a permissions endpoint names, checks the
// caller's level on it, and returns its resource key and owner.
func (s *Service) permissionTarget(ctx context.Context, p Principal, kind PermissionKind, name string, level Level) (string, string, error) {
	switch kind {
	case KindActor:
		a, err := s.actorFor(ctx, p, name, level)
		if err != nil {
			return "", "", err
		}
		return a.ID, a.Owner, nil
	case KindAlias:
		al, err := s.aliasFor(ctx, p, name, level)
		if err != nil {
			return "", "", err
		}
		return al.Alias, al.Owner, nil
	case KindConfig:
		c, err := s.configFor(ctx, p, name, level)
		if err != nil {
			return "", "", err
		}
		return c.Name, c.Owner, nil
	}
	return "", "", E(Internal, "unknown permission kind %q", kind)
}

func (s *Service) setPermission(ctx context.Context, tenant string, kind PermissionKind, resource string, g PermissionGrant) error {
	user := strings.TrimSpace(g.User)
	if user == "" {
		return E(Invalid, "Invalid permissions description: {'user': 'User owning the permission.'}")
	}
	if g.Level == "" {
		return E(Invalid, "Invalid permissions description: {'level': 'Level of the permission: NONE, READ, EXECUTE or UPDATE.'}")
	}
	level, ok := ParseLevel(g.Level)
	if !ok {
		return invalidLevel(g.Level)
	}
	err := s.store.PermissionSet(ctx, PermissionRow{Tenant: tenant, Kind: kind, Resource: resource, User: user, Level: level})
	s.sendAuth.clear()
	if err != nil {
		return internal(err, "set permission")
	}
	return nil
}

// permissionMap renders a resource's rows; the owner always shows UPDATE.
func (s *Service) permissionMap(ctx context.Context, tenant string, kind PermissionKind, resource, owner string) (map[string]string, error) {
	rows, err := s.store.PermissionList(ctx, tenant, kind, resource)
	if err != nil {
		return nil, internal(err, "list permissions")
	}
	out := make(map[string]string, len(rows)+1)
	for u, l := range rows {
		out[u] = l.String()
	}
	out[owner] = LevelUpdate.String()
	return out, nil
}
