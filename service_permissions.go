package abaco

import (
	"context"
	"strings"
)

// recordOwner writes the owner's UPDATE row, as the reference does, so that
// the permissions map shows the owner. The owner rule in levelOf holds
// without the row, so a failure here is logged, not returned.
func (s *Service) recordOwner(ctx context.Context, a *Actor) {
	err := s.store.PermissionSet(ctx, PermissionRow{Tenant: a.Tenant, Kind: KindActor, Resource: a.ID, User: a.Owner, Level: LevelUpdate})
	if err != nil {
		s.log.Warn("could not record the owner's permission", "actor", a.ID, "err", err)
	}
}

// forgetSharing removes a deleted actor's permission rows and nonces; their
// absence only matters if the id were ever reused, so failures are logged.
func (s *Service) forgetSharing(ctx context.Context, a *Actor) {
	if err := s.store.SharingDeleteActor(ctx, a.Tenant, a.ID); err != nil {
		s.log.Warn("could not delete the sharing of a deleted actor", "actor", a.ID, "err", err)
	}
}

// PermissionGrant is a POST to a permissions endpoint as decoded from the
// wire; empty strings were not sent.
type PermissionGrant struct {
	User  string
	Level string
}

// ActorPermissions returns {user: level} of an actor the caller may read.
func (s *Service) ActorPermissions(ctx context.Context, p Principal, identifier string) (map[string]string, error) {
	a, err := s.actorFor(ctx, p, identifier, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindActor, a.ID, a.Owner)
}

// SetActorPermission grants (or, with NONE, removes) a user's level on an
// actor the caller may update, and returns the new map.
func (s *Service) SetActorPermission(ctx context.Context, p Principal, identifier string, g PermissionGrant) (map[string]string, error) {
	a, err := s.actorFor(ctx, p, identifier, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if err := s.setPermission(ctx, p.Tenant, KindActor, a.ID, g); err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindActor, a.ID, a.Owner)
}

// AliasPermissions returns {user: level} of an alias the caller may read.
func (s *Service) AliasPermissions(ctx context.Context, p Principal, alias string) (map[string]string, error) {
	al, err := s.aliasFor(ctx, p, alias, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindAlias, al.Alias, al.Owner)
}

// SetAliasPermission grants a user a level on an alias the caller may update.
func (s *Service) SetAliasPermission(ctx context.Context, p Principal, alias string, g PermissionGrant) (map[string]string, error) {
	al, err := s.aliasFor(ctx, p, alias, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if err := s.setPermission(ctx, p.Tenant, KindAlias, al.Alias, g); err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindAlias, al.Alias, al.Owner)
}

// ConfigPermissions returns {user: level} of a config the caller may read.
func (s *Service) ConfigPermissions(ctx context.Context, p Principal, name string) (map[string]string, error) {
	c, err := s.configFor(ctx, p, name, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindConfig, c.Name, c.Owner)
}

// SetConfigPermission grants a user a level on a config the caller may update.
func (s *Service) SetConfigPermission(ctx context.Context, p Principal, name string, g PermissionGrant) (map[string]string, error) {
	c, err := s.configFor(ctx, p, name, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if err := s.setPermission(ctx, p.Tenant, KindConfig, c.Name, g); err != nil {
		return nil, err
	}
	return s.permissionMap(ctx, p.Tenant, KindConfig, c.Name, c.Owner)
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
	if err := s.store.PermissionSet(ctx, PermissionRow{Tenant: tenant, Kind: kind, Resource: resource, User: user, Level: level}); err != nil {
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
