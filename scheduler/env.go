package scheduler

import (
	"strconv"
	"strings"

	"github.com/abaco-hpc/abaco"
)

// environment builds an execution's container environment, in the
// reference's order of precedence: the actor's default_environment, then
// the message's query parameters and `_abaco_*` keys, then the context the
// worker sets, then MSG (absent for binary messages).
func environment(a *abaco.Actor, e *abaco.Execution, workerID, accessToken, apiServer string) map[string]string {
	env := make(map[string]string, len(a.DefaultEnvironment)+len(e.Env)+12)
	for k, v := range a.DefaultEnvironment {
		env[k] = v
	}
	for k, v := range e.Env {
		env[k] = v
	}
	name := "None"
	if a.Name != nil {
		name = *a.Name
	}
	state := string(a.State)
	if state == "" {
		state = "{}"
	}
	ctx := map[string]string{
		"_abaco_access_token":    accessToken,
		"_abaco_actor_dbid":      a.DBID(),
		"_abaco_actor_id":        a.ID,
		"_abaco_worker_id":       workerID,
		"_abaco_execution_id":    e.ID,
		"_abaco_container_repo":  a.Image,
		"_abaco_actor_state":     state,
		"_abaco_api_server":      strings.TrimSuffix(apiServer, "/"),
		"_abaco_actor_name":      name,
		"_abaco_actor_revision":  strconv.Itoa(a.Revision),
		"_abaco_jwt_header_name": "X-Tapis-Token",
		"_abaco_Content_Type":    e.ContentType,
		// tapipy's get_context reads the hyphenated name.
		"_abaco_Content-Type": e.ContentType,
	}
	if e.Username != "" {
		ctx["_abaco_username"] = e.Username
	}
	for k, v := range ctx {
		env[k] = v
	}
	if e.ContentType != abaco.ContentBinary {
		env["MSG"] = string(e.Message)
	}
	return env
}
