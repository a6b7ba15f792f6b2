package abaco

import (
	"strings"
	"time"
)

// WorldUser is the special username whose permission row grants its level
// to every user of the tenant (a public actor, alias or config).
const WorldUser = "ABACO_WORLD"

// PermissionKind names what a permission row is about.
type PermissionKind string

// The kinds of permission rows; alias and config permissions are separate
// from the permissions of the actor behind them.
const (
	KindActor  PermissionKind = "actor"
	KindAlias  PermissionKind = "alias"
	KindConfig PermissionKind = "config"
)

// ParseLevel reads a level name (any case).
func ParseLevel(s string) (Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "NONE":
		return LevelNone, true
	case "READ":
		return LevelRead, true
	case "EXECUTE":
		return LevelExecute, true
	case "UPDATE":
		return LevelUpdate, true
	}
	return LevelNone, false
}

// invalidLevel is the reference's message for an unknown level name.
func invalidLevel(s string) error {
	return E(Invalid, "Invalid permission level: %s. The valid values are ('NONE', 'READ', 'EXECUTE', 'UPDATE')", s)
}

// Alias is a user-defined name for an actor of its tenant.
type Alias struct {
	Tenant     string
	Alias      string
	ActorID    string
	Owner      string
	CreateTime time.Time
}

// Nonce stands in for its owner's token on one actor or one alias, at a
// capped level and for a limited number of uses.
type Nonce struct {
	Tenant        string
	ID            string // {tenant}_{hashid}
	ActorID       string // set for an actor nonce
	Alias         string // set for an alias nonce
	Owner         string
	Roles         []string
	Level         Level
	MaxUses       int // -1: unlimited
	CurrentUses   int
	RemainingUses int // -1 when unlimited
	Description   string
	APIServer     string
	CreateTime    time.Time
	LastUseTime   time.Time
}

// nonceTenant is the tenant part of a nonce id, as the reference reads it
// (everything before the last underscore).
func nonceTenant(id string) string {
	i := strings.LastIndex(id, "_")
	if i <= 0 {
		return ""
	}
	return id[:i]
}

// ActorConfig is a named value given to the executions of the actors it
// lists. The store holds a secret's value sealed (see SecretBox).
type ActorConfig struct {
	Tenant     string
	Name       string
	Value      string
	IsSecret   bool
	Actors     string // as given: ids or aliases, comma-separated
	Owner      string
	CreateTime time.Time
}

// ActorList returns the config's actor identifiers, trimmed, without empties.
func (c *ActorConfig) ActorList() []string { return splitActors(c.Actors) }

func splitActors(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
