package httpapi

import (
	"net/http"

	"github.com/abaco-hpc/abaco"
)

// runAs renders the owner's uid and gid (null without a directory) and the
// mounts the actor's executions get, as the reference's uid, gid and
// mounts fields.
func (a *API) runAs(r *http.Request, x *abaco.Actor) (uid, gid any, mounts []abaco.Mount) {
	acct, mounts := a.svc.ActorRunAs(r.Context(), x)
	if mounts == nil {
		mounts = []abaco.Mount{}
	}
	if acct == nil {
		return nil, nil, mounts
	}
	return acct.UID, acct.GID, mounts
}
