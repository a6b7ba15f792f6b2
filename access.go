package abaco

import "context"

// Level is a permission level on an actor; levels are ordered.
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

// actorFor loads the actor id of the caller's tenant and checks that the
// caller holds at least level on it. Other tenants' actors do not exist for
// the caller. Until sharing lands, the owner holds UPDATE and admins of the
// tenant hold everything; nobody else holds anything.
func (s *Service) actorFor(ctx context.Context, p Principal, id string, level Level) (*Actor, error) {
	a, err := s.store.ActorGet(ctx, p.Tenant, id)
	if err != nil {
		return nil, notFound(err, "No actor found with identifier: "+id+".")
	}
	if s.levelOf(p, a) < level {
		return nil, E(Permission, "Not authorized -- you do not have access to this actor.")
	}
	return a, nil
}

func (s *Service) levelOf(p Principal, a *Actor) Level {
	if p.Tenant != a.Tenant {
		return LevelNone
	}
	if p.IsAdmin() || p.User == a.Owner {
		return LevelUpdate
	}
	return LevelNone
}
