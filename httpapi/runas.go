package httpapi

import (
	"net/http"

	"github.com/abaco-hpc/abaco"
)

// runAs resolves the owner's uid and gid (nil without a directory) and the
// mounts the actor's executions get, as the reference's uid, gid and
// mounts fields.
func (a *API) runAs(r *http.Request, x *abaco.Actor) runAsView {
	acct, mounts := a.svc.ActorRunAs(r.Context(), x)
	if acct == nil {
		return runAsView{mounts: mounts}
	}
	uid, gid := acct.UID, acct.GID
	return runAsView{uid: &uid, gid: &gid, mounts: mounts}
}
