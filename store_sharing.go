package abaco

import (
	"context"
	"time"
)

// sharingStore holds the queries of sharing: permissions, aliases, nonces
// and actor configs. Every method is scoped to one tenant.
type sharingStore interface {
	// PermissionSet creates or replaces a user's level on a resource;
	// LevelNone removes the row.
	PermissionSet(ctx context.Context, p PermissionRow) error
	// PermissionList returns a resource's rows as {user: level}.
	PermissionList(ctx context.Context, tenant string, kind PermissionKind, resource string) (map[string]Level, error)
	// PermissionLevels returns the user's own level and the ABACO_WORLD level
	// on a resource (LevelNone where there is no row), and whether the user
	// has a row of their own.
	PermissionLevels(ctx context.Context, tenant string, kind PermissionKind, resource, user string) (PermissionLevels, error)
	// PermissionDeleteResource removes every row of a resource.
	PermissionDeleteResource(ctx context.Context, tenant string, kind PermissionKind, resource string) error
	// ActorListReadable returns the tenant's actors that user owns or holds
	// at least READ on (by a row of their own or by ABACO_WORLD), oldest first.
	ActorListReadable(ctx context.Context, tenant, user string) ([]*Actor, error)

	// AliasCreate inserts an alias and its creator's UPDATE row in one
	// transaction; an existing alias is a Conflict.
	AliasCreate(ctx context.Context, a *Alias) error
	AliasGet(ctx context.Context, tenant, alias string) (*Alias, error)
	AliasList(ctx context.Context, tenant string) ([]*Alias, error)
	AliasListForActor(ctx context.Context, tenant, actorID string) ([]string, error)
	AliasSetActor(ctx context.Context, tenant, alias, actorID string) error
	// AliasDelete removes the alias with its permissions and nonces.
	AliasDelete(ctx context.Context, tenant, alias string) error

	NonceCreate(ctx context.Context, n *Nonce) error
	NonceGet(ctx context.Context, tenant, id string) (*Nonce, error)
	// NonceList returns the nonces of an actor (alias "") or of an alias.
	NonceList(ctx context.Context, tenant, actorID, alias string) ([]*Nonce, error)
	NonceDelete(ctx context.Context, tenant, id string) error
	// NonceRedeem spends one use of the nonce if it has one left (or is
	// unlimited), in one conditional UPDATE; it reports whether it did.
	NonceRedeem(ctx context.Context, tenant, id string, now time.Time) (bool, error)

	// ConfigCreate inserts a config and its creator's UPDATE row in one
	// transaction; an existing name is a Conflict.
	ConfigCreate(ctx context.Context, c *ActorConfig) error
	ConfigGet(ctx context.Context, tenant, name string) (*ActorConfig, error)
	ConfigList(ctx context.Context, tenant string) ([]*ActorConfig, error)
	ConfigUpdate(ctx context.Context, c *ActorConfig) error
	// ConfigDelete removes the config with its permissions.
	ConfigDelete(ctx context.Context, tenant, name string) error
}

// PermissionRow is one user's level on one resource.
type PermissionRow struct {
	Tenant   string
	Kind     PermissionKind
	Resource string
	User     string
	Level    Level
}

// PermissionLevels is what Store.PermissionLevels finds.
type PermissionLevels struct {
	Own    Level
	HasOwn bool
	World  Level
}
