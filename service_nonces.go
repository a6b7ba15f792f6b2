package abaco

import (
	"context"
	"errors"
)

// NonceSpec is a nonce POST as decoded from the wire; nil fields were not sent.
type NonceSpec struct {
	Level       *string
	MaxUses     *int64
	Description *string
	APIServer   string
}

// CreateActorNonce makes a nonce for an actor the caller may update.
func (s *Service) CreateActorNonce(ctx context.Context, p Principal, identifier string, spec NonceSpec) (*Nonce, error) {
	a, err := s.actorFor(ctx, p, identifier, LevelUpdate)
	if err != nil {
		return nil, err
	}
	return s.createNonce(ctx, p, a.ID, "", spec)
}

// CreateAliasNonce makes a nonce for an alias; the caller needs UPDATE on
// the alias and its actor, and the level is at most EXECUTE.
func (s *Service) CreateAliasNonce(ctx context.Context, p Principal, alias string, spec NonceSpec) (*Nonce, error) {
	al, err := s.aliasAndActor(ctx, p, alias, LevelUpdate)
	if err != nil {
		return nil, err
	}
	return s.createNonce(ctx, p, "", al.Alias, spec)
}

func (s *Service) createNonce(ctx context.Context, p Principal, actorID, alias string, spec NonceSpec) (*Nonce, error) {
	level := LevelExecute
	if spec.Level != nil {
		l, ok := ParseLevel(*spec.Level)
		if !ok || (alias != "" && l == LevelUpdate) {
			if alias != "" {
				return nil, E(Invalid, "Invalid permission level: %s. The valid values are ('NONE', 'READ', 'EXECUTE')", *spec.Level)
			}
			return nil, invalidLevel(*spec.Level)
		}
		level = l
	}
	maxUses := -1
	if spec.MaxUses != nil {
		if *spec.MaxUses == 0 || *spec.MaxUses < -1 || *spec.MaxUses > 1<<31-1 {
			return nil, E(Invalid, "The max uses parameter must be a positive integer or -1 (to denote unlimited uses).")
		}
		maxUses = int(*spec.MaxUses)
	}
	n := &Nonce{
		Tenant: p.Tenant, ID: p.Tenant + "_" + NewID(), ActorID: actorID, Alias: alias,
		Owner: p.User, Roles: p.Roles, Level: level, MaxUses: maxUses, RemainingUses: maxUses,
		Description: deref(spec.Description, ""), APIServer: spec.APIServer, CreateTime: s.clock.Now(),
	}
	if n.Roles == nil {
		n.Roles = []string{}
	}
	if err := s.store.NonceCreate(ctx, n); err != nil {
		return nil, internal(err, "create nonce")
	}
	return n, nil
}

// ActorNonces lists the nonces of an actor the caller may read.
func (s *Service) ActorNonces(ctx context.Context, p Principal, identifier string) ([]*Nonce, error) {
	a, err := s.actorFor(ctx, p, identifier, LevelRead)
	if err != nil {
		return nil, err
	}
	ns, err := s.store.NonceList(ctx, p.Tenant, a.ID, "")
	if err != nil {
		return nil, internal(err, "list nonces")
	}
	return ns, nil
}

// AliasNonces lists the nonces of an alias; the caller needs READ on the
// alias and its actor.
func (s *Service) AliasNonces(ctx context.Context, p Principal, alias string) ([]*Nonce, error) {
	al, err := s.aliasAndActor(ctx, p, alias, LevelRead)
	if err != nil {
		return nil, err
	}
	ns, err := s.store.NonceList(ctx, p.Tenant, "", al.Alias)
	if err != nil {
		return nil, internal(err, "list nonces")
	}
	return ns, nil
}

// GetActorNonce returns one nonce of an actor the caller may read.
func (s *Service) GetActorNonce(ctx context.Context, p Principal, identifier, id string) (*Nonce, error) {
	a, err := s.actorFor(ctx, p, identifier, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.nonceOf(ctx, p.Tenant, id, a.ID, "")
}

// GetAliasNonce returns one nonce of an alias.
func (s *Service) GetAliasNonce(ctx context.Context, p Principal, alias, id string) (*Nonce, error) {
	al, err := s.aliasAndActor(ctx, p, alias, LevelRead)
	if err != nil {
		return nil, err
	}
	return s.nonceOf(ctx, p.Tenant, id, "", al.Alias)
}

// DeleteActorNonce removes a nonce of an actor the caller may update.
func (s *Service) DeleteActorNonce(ctx context.Context, p Principal, identifier, id string) error {
	a, err := s.actorFor(ctx, p, identifier, LevelUpdate)
	if err != nil {
		return err
	}
	return s.deleteNonce(ctx, p.Tenant, id, a.ID, "")
}

// DeleteAliasNonce removes a nonce of an alias.
func (s *Service) DeleteAliasNonce(ctx context.Context, p Principal, alias, id string) error {
	al, err := s.aliasAndActor(ctx, p, alias, LevelUpdate)
	if err != nil {
		return err
	}
	return s.deleteNonce(ctx, p.Tenant, id, "", al.Alias)
}

func (s *Service) deleteNonce(ctx context.Context, tenant, id, actorID, alias string) error {
	if _, err := s.nonceOf(ctx, tenant, id, actorID, alias); err != nil {
		return err
	}
	if err := s.store.NonceDelete(ctx, tenant, id); err != nil {
		return notFound(err, "Nonce not found.")
	}
	return nil
}

// nonceOf loads a nonce that belongs to the actor or the alias.
func (s *Service) nonceOf(ctx context.Context, tenant, id, actorID, alias string) (*Nonce, error) {
	n, err := s.store.NonceGet(ctx, tenant, id)
	if err != nil {
		return nil, notFound(err, "Nonce not found.")
	}
	if n.ActorID != actorID || n.Alias != alias {
		return nil, E(NotExist, "Nonce not found.")
	}
	return n, nil
}

// RedeemNonce authenticates a request by nonce: the nonce must exist, belong
// to identifier (an actor id, or an alias for alias nonces) and hold at
// least level; then one use is spent and the request acts as the nonce's
// owner with the roles captured at creation. A refused level spends nothing.
func (s *Service) RedeemNonce(ctx context.Context, id, identifier string, level Level) (Principal, error) {
	tenant := nonceTenant(id)
	n, err := s.store.NonceGet(ctx, tenant, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !n.belongsTo(identifier)) {
		return Principal{}, E(Unauthenticated, "Nonce does not exist.")
	}
	if err != nil {
		return Principal{}, internal(err, "read nonce")
	}
	if n.Level < level {
		return Principal{}, E(Permission, "Nonce does not have sufficient permissions level.")
	}
	spent, err := s.store.NonceRedeem(ctx, tenant, id, s.clock.Now())
	if err != nil {
		return Principal{}, internal(err, "redeem nonce")
	}
	if !spent {
		return Principal{}, E(Unauthenticated, "No remaining uses left for this nonce.")
	}
	return Principal{Tenant: n.Tenant, User: n.Owner, Roles: n.Roles, ViaNonce: true}, nil
}

// belongsTo reports whether the nonce may be used on the routes of
// identifier: an actor nonce on its actor's id, an alias nonce on its alias.
func (n *Nonce) belongsTo(identifier string) bool {
	if identifier == "" {
		return false
	}
	if IsID(identifier) {
		return n.ActorID == identifier
	}
	return n.Alias == identifier
}
