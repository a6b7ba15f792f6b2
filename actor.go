package abaco

import (
	"encoding/json"
	"time"
)

// Actor statuses (reference §6).
const (
	ActorSubmitted    = "SUBMITTED"
	ActorReady        = "READY"
	ActorError        = "ERROR"
	ActorShuttingDown = "SHUTTING_DOWN"
)

// Actor is a registered container image with an inbox. Field names follow the
// reference's snake_case wire names; httpapi renders them.
type Actor struct {
	Tenant             string
	ID                 string
	Owner              string
	Name               *string
	Image              string
	Description        string
	Stateless          bool
	Privileged         bool
	Type               string
	Link               string
	Webhook            string
	Token              *bool // nil: the configured default
	Hints              []string
	DefaultEnvironment map[string]string
	MaxWorkers         *int
	MemLimit           *string
	MaxCPUs            *int64
	UseContainerUID    bool
	RunAsExecutor      bool
	Queue              string
	Revision           int
	Status             string
	StatusMessage      string
	State              json.RawMessage // JSON; "{}" when unset
	LogEx              *int
	CronSchedule       *string
	CronOn             bool
	CronNextEx         *string
	CreateTime         time.Time
	LastUpdateTime     time.Time
}

// DBID is the actor's internal id, unique across tenants
// (the `_abaco_actor_dbid` of the in-container protocol).
func (a *Actor) DBID() string { return DBID(a.Tenant, a.ID) }

// DBID joins a tenant and an actor id the way the reference does.
func DBID(tenant, id string) string { return tenant + "_" + id }

// HasHint reports whether the actor carries the given hint.
func (a *Actor) HasHint(h string) bool {
	for _, x := range a.Hints {
		if x == h {
			return true
		}
	}
	return false
}
