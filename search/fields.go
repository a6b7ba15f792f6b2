package search

// Collection names a searchable collection: the last segment of
// /actors/search/{collection}.
type Collection string

// The searchable collections.
const (
	Actors     Collection = "actors"
	Executions Collection = "executions"
	Workers    Collection = "workers"
	Logs       Collection = "logs"
)

// Collections lists every searchable collection.
var Collections = []Collection{Actors, Executions, Workers, Logs}

// Type is what a field holds; it decides how a parameter's value is parsed
// and which operators apply.
type Type int

const (
	// String is text, compared as text.
	String Type = iota
	// Number is an integer or float column.
	Number
	// Bool is true or false.
	Bool
	// Time is a point in time; values are loose ISO 8601 dates.
	Time
	// List is a JSON list of strings; a filter matches when an element does.
	List
	// JSON is a JSON object; filters name a key inside it (final_state.ExitCode).
	JSON
)

// fields is the whitelist: the wire name of every field a user may filter
// on, per collection. Anything else is a 400. Internal columns (tenant,
// message bodies, environments, api_server) are deliberately absent.
var fields = map[Collection]map[string]Type{
	Actors: {
		"id": String, "name": String, "owner": String, "image": String,
		"description": String, "stateless": Bool, "privileged": Bool, "type": String,
		"link": String, "webhook": String, "token": Bool, "hints": List,
		"default_environment": JSON, "max_workers": Number, "mem_limit": String,
		"max_cpus": Number, "use_container_uid": Bool, "run_as_executor": Bool,
		"queue": String, "revision": Number, "status": String, "status_message": String,
		"state": JSON, "log_ex": Number, "cron_schedule": String, "cron_on": Bool,
		"cron_next_ex": String, "create_time": Time, "last_update_time": Time,
	},
	Executions: {
		"id": String, "actor_id": String, "executor": String, "worker_id": String,
		"status": String, "message_received_time": Time, "start_time": Time,
		"finish_time": Time, "runtime": Number, "cpu": Number, "io": Number,
		"exit_code": Number, "final_state": JSON,
	},
	Workers: {
		"id": String, "actor_id": String, "status": String, "image": String,
		"revision": Number, "location": String, "host_id": String, "create_time": Time,
		"last_execution_time": Time, "last_health_check_time": Time,
	},
	Logs: {
		"execution_id": String, "actor_id": String, "logs": String,
	},
}

// Fields returns the whitelist of c: field name to type. The map must not
// be modified.
func Fields(c Collection) map[string]Type { return fields[c] }

// timeKeys are the keys inside JSON fields whose values are times (the
// reference's list); a value given for them is parsed as a date.
var timeKeys = []string{"start_time", "message_received_time", "last_execution_time",
	"last_update_time", "StartedAt", "FinishedAt", "create_time", "last_health_check_time"}
