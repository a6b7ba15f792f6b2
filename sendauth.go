package abaco

import "context"

// Authorizing a message read the actor, and for a caller other than its
// owner the caller's permission rows, for every POST: one or two queries
// per message besides the insert, a third of the server's CPU in the
// ingest benchmark. Messages come in bursts to the same actor from the
// same users, so sendAuth remembers, per (tenant, actor id or alias,
// user), what a send needs: the actor as read, and the user's own level on
// it.
//
// Staleness is recentCache's: an actor's update or deletion, a permission
// or an alias written by this process clears it; another server's writes
// are seen within recentTTL, so for that long after it revokes a
// permission or updates an actor, this server may still accept messages
// from the revoked user or stamp `_abaco_actor_revision` with the previous
// revision. A deleted actor is never stale in effect: the execution's
// foreign key refuses the insert, and SendMessage answers 404.
type sendAuth = recentCache[sendAuthKey, sendAuthEntry]

type sendAuthKey struct {
	tenant, identifier, user string
}

type sendAuthEntry struct {
	// actor is the actor as read, shared by the cache's users: never
	// modified (a scheduler that starts the message at once,
	// directStarter, reads its status and limits).
	actor *Actor
	// level is the user's level from the permission rows, read only when
	// the user is neither the owner nor an admin (levelRead says so).
	level     Level
	levelRead bool
}

// senderTarget authorizes p to send to the actor named by identifier (id
// or alias) and returns the actor, from the cache when it can (shared:
// read only); it refuses exactly as actorFor(…, LevelExecute) does.
func (s *Service) senderTarget(ctx context.Context, p Principal, identifier string) (*Actor, error) {
	k := sendAuthKey{tenant: p.Tenant, identifier: identifier, user: p.User}
	now := s.clock.Now()
	privileged := func(a *Actor) bool { return p.IsAdmin() || p.User == a.Owner }
	e, gen, hit := s.sendAuth.get(k, now)
	if !hit || (!e.levelRead && !privileged(e.actor)) {
		id, err := s.resolveActorID(ctx, p.Tenant, identifier)
		if err != nil {
			return nil, err
		}
		a, err := s.store.ActorGet(ctx, p.Tenant, id)
		if err != nil {
			return nil, notFound(err, "No actor found with identifier: "+identifier+".")
		}
		e = sendAuthEntry{actor: a}
		if !privileged(e.actor) {
			lv, err := s.levelOf(ctx, p, KindActor, a.ID, a.Owner)
			if err != nil {
				return nil, err
			}
			e.level, e.levelRead = lv, true
		}
		s.sendAuth.put(k, e, now, gen)
	}
	if !privileged(e.actor) && e.level < LevelExecute {
		return nil, E(Permission, "Not authorized -- you do not have access to this actor.")
	}
	return e.actor, nil
}
