package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/abaco-hpc/abaco"
)

// A list of 100 actors spent a seventh of its CPU in encoding/json's
// reflection over the views. appendJSON writes an actor's view by hand,
// byte for byte what encoding/json writes for it (actorjson_test.go
// compares the two on random actors): the fields in declaration order,
// strings HTML-escaped. A string that is not plain printable ASCII, a
// token of another type or a state that is not valid JSON is handed to
// encoding/json, so its rules apply unchanged where they are subtle.

// appendJSON appends v as encoding/json encodes it.
func (v *actorView) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"_links":{"executions":`...)
	b = appendString(b, v.Links.Executions)
	b = append(b, `,"owner":`...)
	b = appendString(b, v.Links.Owner)
	b = append(b, `,"self":`...)
	b = appendString(b, v.Links.Self)
	b = append(b, `},"create_time":`...)
	b = appendStringPtr(b, v.CreateTime)
	b = append(b, `,"cron_next_ex":`...)
	b = appendStringPtr(b, v.CronNextEx)
	b = append(b, `,"cron_on":`...)
	b = strconv.AppendBool(b, v.CronOn)
	b = append(b, `,"cron_schedule":`...)
	b = appendStringPtr(b, v.CronSchedule)
	b = append(b, `,"default_environment":`...)
	b = appendStringMap(b, v.DefaultEnvironment)
	b = append(b, `,"description":`...)
	b = appendString(b, v.Description)
	b = append(b, `,"gid":`...)
	b = appendIntPtr(b, v.GID)
	b = append(b, `,"hints":`...)
	b = appendStrings(b, v.Hints)
	b = append(b, `,"id":`...)
	b = appendString(b, v.ID)
	b = append(b, `,"image":`...)
	b = appendString(b, v.Image)
	b = append(b, `,"last_update_time":`...)
	b = appendStringPtr(b, v.LastUpdateTime)
	b = append(b, `,"link":`...)
	b = appendString(b, v.Link)
	b = append(b, `,"log_ex":`...)
	b = appendIntPtr(b, v.LogEx)
	b = append(b, `,"max_cpus":`...)
	if v.MaxCPUs == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *v.MaxCPUs, 10)
	}
	b = append(b, `,"max_workers":`...)
	b = appendIntPtr(b, v.MaxWorkers)
	b = append(b, `,"mem_limit":`...)
	b = appendStringPtr(b, v.MemLimit)
	b = append(b, `,"mounts":`...)
	b = appendMounts(b, v.Mounts)
	b = append(b, `,"name":`...)
	b = appendStringPtr(b, v.Name)
	b = append(b, `,"owner":`...)
	b = appendString(b, v.Owner)
	b = append(b, `,"privileged":`...)
	b = strconv.AppendBool(b, v.Privileged)
	b = append(b, `,"queue":`...)
	b = appendString(b, v.Queue)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(v.Revision), 10)
	b = append(b, `,"run_as_executor":`...)
	b = strconv.AppendBool(b, v.RunAsExecutor)
	b = append(b, `,"state":`...)
	b, err := appendRaw(b, v.State)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"stateless":`...)
	b = strconv.AppendBool(b, v.Stateless)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"status_message":`...)
	b = appendString(b, v.StatusMessage)
	b = append(b, `,"tasdir":`...)
	b = appendStringPtr(b, v.Tasdir)
	b = append(b, `,"token":`...)
	switch t := v.Token.(type) {
	case *bool:
		if t == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendBool(b, *t)
		}
	case string:
		b = appendString(b, t)
	default:
		if b, err = appendMarshal(b, t); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"type":`...)
	b = appendString(b, v.Type)
	b = append(b, `,"uid":`...)
	b = appendIntPtr(b, v.UID)
	b = append(b, `,"use_container_uid":`...)
	b = strconv.AppendBool(b, v.UseContainerUID)
	b = append(b, `,"webhook":`...)
	b = appendString(b, v.Webhook)
	return append(b, '}'), nil
}

// actorBodies holds the buffers okActors encodes into.
var actorBodies = sync.Pool{New: func() any { return new([]byte) }}

// okActors answers 200 with the views in the success envelope, as ok
// does, encoding them with appendJSON.
func okActors(w http.ResponseWriter, message string, views []actorView) {
	if views == nil {
		ok(w, message, views)
		return
	}
	okActorViews(w, message, len(views), func(i int) *actorView { return &views[i] })
}

// okActorViews is okActors for the n views that view returns one at a
// time, so that a list need not hold them all (a hundred views were a
// third of what a list of actors allocated). The view returned may be
// overwritten by the next call.
func okActorViews(w http.ResponseWriter, message string, n int, view func(i int) *actorView) {
	p := actorBodies.Get().(*[]byte)
	b := append((*p)[:0], `{"result":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = view(i).appendJSON(b); err != nil {
			actorBodies.Put(p)
			views := make([]actorView, n)
			for i := range views {
				views[i] = *view(i)
			}
			ok(w, message, views) // encoding/json reports it its way
			return
		}
	}
	b = append(b, `],"status":"success","message":`...)
	b = appendString(b, message)
	b = append(b, `,"version":`...)
	b = appendString(b, abaco.Version)
	b = append(b, `,"metadata":{}}`...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	if cap(b) <= maxPooledBody {
		*p = b
		actorBodies.Put(p)
	}
}

// plainJSON reports whether encoding/json writes s as it is between
// quotes: printable ASCII without ", \ or the HTML characters <, > and &.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte holds the bytes plainJSON lets through (a table: one load a
// byte instead of seven comparisons).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func appendString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always encodes
	return append(b, q...)
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendIntPtr(b []byte, n *int) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*n), 10)
}

func appendStrings(b []byte, xs []string) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, x)
	}
	return append(b, ']')
}

// appendStringMap writes m with its keys sorted, as encoding/json does.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func appendMounts(b []byte, ms []abaco.Mount) []byte {
	if ms == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"host_path":`...)
		b = appendString(b, m.HostPath)
		b = append(b, `,"container_path":`...)
		b = appendString(b, m.ContainerPath)
		b = append(b, `,"mode":`...)
		b = appendString(b, m.Mode)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendRaw writes a stored JSON value as encoding/json writes a
// json.RawMessage: null when empty, else compacted with HTML escaping. A
// valid value of printable ASCII without spaces or HTML characters is
// compact and escaped already, and is copied as it is.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(b, "null"...), nil
	}
	plain := true
	for _, c := range raw {
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		}
	}
	if plain && json.Valid(raw) {
		return append(b, raw...), nil
	}
	return appendMarshal(b, raw)
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	q, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, q...), nil
}
