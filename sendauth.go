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

// sendTarget is what a send needs of its actor.
type sendTarget struct {
	Tenant   string
	ID       string
	Owner    string
	Revision int
	// Actor is the whole actor as read (shared by the cache's users: never
	// modified), for a scheduler that starts the message at once
	// (directStarter): its status, limits and image.
	Actor *Actor
}

type sendAuthEntry struct {
	target sendTarget
	// level is the user's level from the permission rows, read only when
	// the user is neither the owner nor an admin (levelRead says so).
	level     Level
	levelRead bool
}

// senderTarget authorizes p to send to the actor named by identifier (id
// or alias) and returns what the send needs of it, from the cache when it
// can; it refuses exactly as actorFor(…, LevelExecute) does.
func (s *Service) senderTarget(ctx context.Context, p Principal, identifier string) (sendTarget, error) {
	k := sendAuthKey{tenant: p.Tenant, identifier: identifier, user: p.User}
	now := s.clock.Now()
	privileged := func(t sendTarget) bool { return p.IsAdmin() || p.User == t.Owner }
	e, gen, hit := s.sendAuth.get(k, now)
	if !hit || (!e.levelRead && !privileged(e.target)) {
		id, err := s.resolveActorID(ctx, p.Tenant, identifier)
		if err != nil {
			return sendTarget{}, err
		}
		a, err := s.store.ActorGet(ctx, p.Tenant, id)
		if err != nil {
			return sendTarget{}, notFound(err, "No actor found with identifier: "+identifier+".")
		}
		e = sendAuthEntry{target: sendTarget{Tenant: a.Tenant, ID: a.ID, Owner: a.Owner, Revision: a.Revision, Actor: a}}
		if !privileged(e.target) {
			lv, err := s.levelOf(ctx, p, KindActor, a.ID, a.Owner)
			if err != nil {
				return sendTarget{}, err
			}
			e.level, e.levelRead = lv, true
		}
		s.sendAuth.put(k, e, now, gen)
	}
	if !privileged(e.target) && e.level < LevelExecute {
		return sendTarget{}, E(Permission, "Not authorized -- you do not have access to this actor.")
	}
	return e.target, nil
}
