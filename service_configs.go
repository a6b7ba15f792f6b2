package abaco

import "context"

// configReserved are words a config name may not be.
var configReserved = []string{"executions", "nonces", "logs", "messages", "adapters", "admin", "utilization"}

// configForbidden are characters a config name may not contain.
const configForbidden = ":/?#[]@!$&'()*+,;= "

// ConfigSpec is a config POST or PUT as decoded from the wire; nil fields
// were not sent.
type ConfigSpec struct {
	Name     *string
	Value    *string
	IsSecret *bool
	Actors   *string
}

// CreateConfig stores a config; the caller gets UPDATE on it. As in the
// reference, every listed actor or alias must exist in the tenant, but the
// caller needs no permission on them (the reference's tests attach a
// regular user's config to an admin's actor).
func (s *Service) CreateConfig(ctx context.Context, p Principal, spec ConfigSpec) (*ActorConfig, error) {
	if spec.Name == nil || *spec.Name == "" {
		return nil, E(Invalid, "Invalid config description: {'name': 'The name of the config.'}")
	}
	if err := checkName(*spec.Name, configReserved, configForbidden); err != nil {
		return nil, err
	}
	c := &ActorConfig{Tenant: p.Tenant, Name: *spec.Name, Owner: p.User, CreateTime: s.clock.Now()}
	if err := s.applyConfigSpec(ctx, p, c, spec); err != nil {
		return nil, err
	}
	if err := s.store.ConfigCreate(ctx, c); err != nil {
		return nil, kinded(err, "create config")
	}
	return displayConfig(c), nil
}

// UpdateConfig replaces a config's value, secrecy and actors (PUT).
func (s *Service) UpdateConfig(ctx context.Context, p Principal, name string, spec ConfigSpec) (*ActorConfig, error) {
	c, err := s.configFor(ctx, p, name, LevelUpdate)
	if err != nil {
		return nil, err
	}
	if err := s.applyConfigSpec(ctx, p, c, spec); err != nil {
		return nil, err
	}
	if err := s.store.ConfigUpdate(ctx, c); err != nil {
		return nil, notFound(err, "No config found: "+name+".")
	}
	return displayConfig(c), nil
}

// applyConfigSpec validates spec and copies it onto c, sealing a secret.
func (s *Service) applyConfigSpec(ctx context.Context, p Principal, c *ActorConfig, spec ConfigSpec) error {
	if spec.Value == nil {
		return E(Invalid, "Invalid config description: {'value': 'The value of the config.'}")
	}
	if spec.IsSecret == nil {
		return E(Invalid, "Invalid config description: {'is_secret': 'Whether the config value is secret.'}")
	}
	actors := deref(spec.Actors, "")
	for _, id := range splitActors(actors) {
		if err := s.actorExists(ctx, p.Tenant, id); err != nil {
			return err
		}
	}
	c.Value, c.IsSecret, c.Actors = *spec.Value, *spec.IsSecret, actors
	if c.IsSecret {
		if s.secrets == nil {
			return E(Unavailable, "Secret configs are unavailable: the server has no config key.")
		}
		sealed, err := s.secrets.Seal(c.Value)
		if err != nil {
			return internal(err, "seal config")
		}
		c.Value = sealed
	}
	return nil
}

// actorExists checks that identifier names an actor of the tenant, by id
// or through an alias.
func (s *Service) actorExists(ctx context.Context, tenant, identifier string) error {
	actorID := identifier
	if !IsID(identifier) {
		al, err := s.store.AliasGet(ctx, tenant, identifier)
		if err != nil {
			return notFound(err, "No actor or alias found with id: "+identifier+".")
		}
		actorID = al.ActorID
	}
	if _, err := s.store.ActorGet(ctx, tenant, actorID); err != nil {
		return notFound(err, "No actor or alias found with id: "+identifier+".")
	}
	return nil
}

// displayConfig hides a secret's value.
func displayConfig(c *ActorConfig) *ActorConfig {
	out := *c
	if out.IsSecret {
		out.Value = SecretPlaceholder
	}
	return &out
}

// GetConfig returns a config the caller may read, its secret hidden.
func (s *Service) GetConfig(ctx context.Context, p Principal, name string) (*ActorConfig, error) {
	c, err := s.configFor(ctx, p, name, LevelRead)
	if err != nil {
		return nil, err
	}
	return displayConfig(c), nil
}

// ListConfigs returns the configs of the tenant the caller may read.
func (s *Service) ListConfigs(ctx context.Context, p Principal) ([]*ActorConfig, error) {
	all, err := s.store.ConfigList(ctx, p.Tenant)
	if err != nil {
		return nil, internal(err, "list configs")
	}
	out := make([]*ActorConfig, 0, len(all))
	for _, c := range all {
		lv, err := s.levelOf(ctx, p, KindConfig, c.Name, c.Owner)
		if err != nil {
			return nil, err
		}
		if lv >= LevelRead {
			out = append(out, displayConfig(c))
		}
	}
	return out, nil
}

// DeleteConfig removes a config the caller may update.
func (s *Service) DeleteConfig(ctx context.Context, p Principal, name string) error {
	c, err := s.configFor(ctx, p, name, LevelUpdate)
	if err != nil {
		return err
	}
	if err := s.store.ConfigDelete(ctx, p.Tenant, c.Name); err != nil {
		return notFound(err, "No config found: "+name+".")
	}
	return nil
}

// configFor loads a config of the caller's tenant (secret still sealed) and
// checks the caller's level on it.
func (s *Service) configFor(ctx context.Context, p Principal, name string, level Level) (*ActorConfig, error) {
	c, err := s.store.ConfigGet(ctx, p.Tenant, name)
	if err != nil {
		return nil, notFound(err, "No config found: "+name+".")
	}
	if err := s.require(ctx, p, KindConfig, c.Name, c.Owner, level, "You do not have sufficient access to this actor config."); err != nil {
		return nil, err
	}
	return c, nil
}

// ConfigsForActor returns {name: clear value} of the tenant's configs that
// list the actor by its id or by any of aliases; executions receive them as
// _actor_configs.
func (s *Service) ConfigsForActor(ctx context.Context, tenant, actorID string, aliases []string) (map[string]string, error) {
	all, err := s.store.ConfigList(ctx, tenant)
	if err != nil {
		return nil, internal(err, "list configs")
	}
	names := map[string]bool{actorID: true}
	for _, a := range aliases {
		names[a] = true
	}
	out := map[string]string{}
	for _, c := range all {
		applies := false
		for _, id := range splitActors(c.Actors) {
			applies = applies || names[id]
		}
		if !applies {
			continue
		}
		v := c.Value
		if c.IsSecret {
			if s.secrets == nil {
				return nil, E(Internal, "secret config %s but no config key", c.Name)
			}
			if v, err = s.secrets.Open(v); err != nil {
				return nil, internal(err, "open secret config "+c.Name)
			}
		}
		out[c.Name] = v
	}
	return out, nil
}
