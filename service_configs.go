package abaco

import (
	"context"
	"maps"
)

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

// CreateConfig stores a config; the caller gets UPDATE on it. Every listed
// actor or alias must exist in the tenant and the caller must hold EXECUTE
// on it: a config reaches the actor's executions as input, like a message.
// (The reference checks nothing here, so anyone could feed values into
// anyone's executions.)
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
	err := s.store.ConfigCreate(ctx, c)
	s.execConfigs.clear()
	if err != nil {
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
	err = s.store.ConfigUpdate(ctx, c)
	s.execConfigs.clear()
	if err != nil {
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
		if _, err := s.actorFor(ctx, p, id, LevelExecute); err != nil {
			if KindOf(err) == NotExist {
				return E(NotExist, "No actor or alias found with id: %s.", id)
			}
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
	err = s.store.ConfigDelete(ctx, p.Tenant, c.Name)
	s.execConfigs.clear()
	if err != nil {
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

// ExecutionConfigs returns the configs an execution of the actor receives
// as `_actor_configs`: those attached to its id or to any of its aliases.
func (s *Service) ExecutionConfigs(ctx context.Context, tenant, actorID string) (map[string]string, error) {
	// Read for every execution; remembered for a moment (recentcache.go),
	// and forgotten by this server's config, alias and actor writes.
	ref, now := ActorRef{Tenant: tenant, ActorID: actorID}, s.clock.Now()
	configs, gen, hit := s.execConfigs.get(ref, now)
	if hit {
		return maps.Clone(configs), nil
	}
	aliases, err := s.store.AliasListForActor(ctx, tenant, actorID)
	if err != nil {
		return nil, internal(err, "list aliases of "+actorID)
	}
	configs, err = s.ConfigsForActor(ctx, tenant, actorID, aliases)
	if err != nil {
		return nil, err
	}
	s.execConfigs.put(ref, configs, now, gen)
	return maps.Clone(configs), nil
}
