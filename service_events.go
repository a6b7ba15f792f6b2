package abaco

import (
	"context"
	"errors"
	"net/url"
)

// LinkTarget resolves an actor's link, within its tenant, to the linked
// actor. A link is an actor id today; when aliases exist, a link that is
// not an id (IsID) is an alias and is looked up here, so that validation,
// cycle checks and event delivery all follow the same resolution.
func LinkTarget(ctx context.Context, store Store, tenant, link string) (*Actor, error) {
	return store.ActorGet(ctx, tenant, link)
}

const (
	msgLinkUnresolved = "Invalid link parameter; unable to retrieve linked actor data. The link " +
		"must be a valid actor id or alias for which you have EXECUTE permission. "
	msgLinkPermission = "Invalid link parameter. The link must be a valid actor id or alias for " +
		"which you have EXECUTE permission. Additional info: "
	msgLinkSelf  = "Invalid link parameter. An actor cannot link to itself."
	msgLinkCycle = "Error: this update would result in a cycle of linked actors."
)

// checkEvents validates a's link and webhook as a create or update by p
// would store them (reference §10): the link must resolve to an actor on
// which p holds EXECUTE, must not be the actor itself, and must not close a cycle
// across the tenant's actors; the webhook must be an http(s) URL.
func (s *Service) checkEvents(ctx context.Context, p Principal, a *Actor) error {
	if a.Webhook != "" {
		u, err := url.Parse(a.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return E(Invalid, "Invalid webhook parameter; the webhook must be an http or https URL, not %q.", a.Webhook)
		}
	}
	if a.Link == "" {
		return nil
	}
	linked, err := s.actorFor(ctx, p, a.Link, LevelExecute)
	var kerr *Error
	switch {
	case err == nil:
	case KindOf(err) == NotExist:
		return E(Invalid, msgLinkUnresolved)
	case KindOf(err) == Permission && errors.As(err, &kerr):
		return E(Invalid, "%s%s", msgLinkPermission, kerr.Msg)
	default:
		return err
	}
	if linked.ID == a.ID {
		return E(Invalid, msgLinkSelf)
	}
	return s.checkLinkCycle(ctx, a, linked.ID)
}

// checkLinkCycle follows the chain of links from a (now linking to
// target) across the tenant's actors and refuses the change if the chain
// ever comes back to an actor it passed. Links that no longer resolve end
// the chain.
func (s *Service) checkLinkCycle(ctx context.Context, a *Actor, target string) error {
	actors, err := s.store.ActorList(ctx, a.Tenant, "")
	if err != nil {
		return internal(err, "list actors for the link cycle check")
	}
	links := make(map[string]string, len(actors))
	for _, x := range actors {
		if x.Link == "" || x.ID == a.ID {
			continue
		}
		to, err := LinkTarget(ctx, s.store, x.Tenant, x.Link)
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return internal(err, "resolve a link for the cycle check")
		}
		links[x.ID] = to.ID
	}
	links[a.ID] = target
	seen := map[string]bool{a.ID: true}
	for cur, ok := links[a.ID]; ok; cur, ok = links[cur] {
		if seen[cur] {
			return E(Invalid, msgLinkCycle)
		}
		seen[cur] = true
	}
	return nil
}
