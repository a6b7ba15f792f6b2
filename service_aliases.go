package abaco

import (
	"context"
	"fmt"
	"strings"
)

// aliasReserved are words an alias may not be (they name routes).
var aliasReserved = []string{"executions", "nonces", "logs", "messages", "adapters", "admin"}

// aliasForbidden are characters an alias may not contain; dots are allowed.
const aliasForbidden = "\\ \":/?#[]@!$&'()*+,;="

// checkName refuses reserved words and forbidden characters with the
// reference's messages.
func checkName(name string, reserved []string, forbidden string) error {
	for _, w := range reserved {
		if strings.EqualFold(name, w) {
			return E(Invalid, "%s is a reserved word. The following reserved words cannot be used: %s.", name, strings.Join(reserved, ", "))
		}
	}
	if i := strings.IndexAny(name, forbidden); i >= 0 {
		return E(Invalid, "'%c' is a forbidden character. The following characters cannot be used: %s", name[i], forbidden)
	}
	return nil
}

// AliasSpec is an alias POST or PUT as decoded from the wire; nil fields
// were not sent.
type AliasSpec struct {
	Alias   *string
	ActorID *string
}

// CreateAlias names an actor the caller may update; the caller gets
// UPDATE on the alias.
func (s *Service) CreateAlias(ctx context.Context, p Principal, spec AliasSpec) (*Alias, error) {
	if spec.Alias == nil || *spec.Alias == "" {
		return nil, E(Invalid, "Invalid alias description: {'alias': 'The alias to create.'}")
	}
	if spec.ActorID == nil || *spec.ActorID == "" {
		return nil, E(Invalid, "Invalid alias description: {'actor_id': 'The actor id to associate with the alias.'}")
	}
	name := *spec.Alias
	if IsID(name) {
		return nil, E(Invalid, "Invalid alias description. Alias cannot be an Abaco hash id.")
	}
	if err := checkName(name, aliasReserved, aliasForbidden); err != nil {
		return nil, err
	}
	a, err := s.aliasTarget(ctx, p, *spec.ActorID, "Not authorized -- you do not have access to "+*spec.ActorID+".")
	if err != nil {
		return nil, err
	}
	al := &Alias{Tenant: p.Tenant, Alias: name, ActorID: a.ID, Owner: p.User, CreateTime: s.clock.Now()}
	err = s.store.AliasCreate(ctx, al)
	s.sendAuth.clear()
	s.execConfigs.clear()
	if err != nil {
		return nil, kinded(err, "create alias")
	}
	return al, nil
}

// aliasTarget loads the actor an alias is to name; the caller needs UPDATE on it.
func (s *Service) aliasTarget(ctx context.Context, p Principal, actorID, denied string) (*Actor, error) {
	a, err := s.store.ActorGet(ctx, p.Tenant, actorID)
	if err != nil {
		return nil, notFound(err, "No actor found with id: "+actorID+".")
	}
	if err := s.require(ctx, p, KindActor, a.ID, a.Owner, LevelUpdate, denied); err != nil {
		return nil, err
	}
	return a, nil
}

// ListAliases returns every alias of the caller's tenant, as the reference does.
func (s *Service) ListAliases(ctx context.Context, p Principal) ([]*Alias, error) {
	as, err := s.store.AliasList(ctx, p.Tenant)
	if err != nil {
		return nil, internal(err, "list aliases")
	}
	return as, nil
}

// GetAlias returns an alias the caller may read.
func (s *Service) GetAlias(ctx context.Context, p Principal, alias string) (*Alias, error) {
	return s.aliasFor(ctx, p, alias, LevelRead)
}

// UpdateAlias points an alias at another actor; the caller needs UPDATE on
// the alias and on the new actor.
func (s *Service) UpdateAlias(ctx context.Context, p Principal, alias string, spec AliasSpec) (*Alias, error) {
	al, err := s.aliasFor(ctx, p, alias, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if spec.Alias != nil {
		return nil, E(Invalid, "Invalid alias update description. The alias itself cannot be updated in a PUT request.")
	}
	if spec.ActorID == nil || *spec.ActorID == "" {
		return nil, E(Invalid, "Invalid alias description: {'actor_id': 'The actor id to associate with the alias.'}")
	}
	a, err := s.aliasTarget(ctx, p, *spec.ActorID, "Not authorized -- you do not have UPDATE access to the actor you want to associate with this alias.")
	if err != nil {
		return nil, err
	}
	err = s.store.AliasSetActor(ctx, p.Tenant, al.Alias, a.ID)
	s.sendAuth.clear()
	s.execConfigs.clear()
	if err != nil {
		return nil, notFound(err, "No alias found: "+alias+".")
	}
	al.ActorID = a.ID
	return al, nil
}

// DeleteAlias removes an alias the caller may update, with its nonces and permissions.
func (s *Service) DeleteAlias(ctx context.Context, p Principal, alias string) error {
	al, err := s.aliasFor(ctx, p, alias, LevelUpdate)
	if err != nil {
		return err
	}
	err = s.store.AliasDelete(ctx, p.Tenant, al.Alias)
	s.sendAuth.clear()
	s.execConfigs.clear()
	if err != nil {
		return notFound(err, "No alias found: "+alias+".")
	}
	return nil
}

// aliasAndActor checks the caller's level on an alias and on its actor,
// as alias nonces require.
func (s *Service) aliasAndActor(ctx context.Context, p Principal, alias string, level Level) (*Alias, error) {
	al, err := s.store.AliasGet(ctx, p.Tenant, alias)
	if err != nil {
		return nil, notFound(err, "No alias found: "+alias+".")
	}
	aliasLevel, err := s.levelOf(ctx, p, KindAlias, al.Alias, al.Owner)
	if err != nil {
		return nil, err
	}
	a, err := s.store.ActorGet(ctx, p.Tenant, al.ActorID)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("No actor found with id: %s.", al.ActorID))
	}
	actorLevel, err := s.levelOf(ctx, p, KindActor, a.ID, a.Owner)
	if err != nil {
		return nil, err
	}
	if aliasLevel < level || actorLevel < level {
		return nil, E(Permission, "Not authorized -- you do not have access to this alias and actor.")
	}
	return al, nil
}
