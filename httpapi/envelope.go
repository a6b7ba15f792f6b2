package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/abaco-hpc/abaco"
)

// envelope is the Tapis response body. tapipy needs Content-Type exactly
// "application/json" (no charset) and the same envelope on errors.
type envelope struct {
	Result   any      `json:"result"`
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	Version  string   `json:"version"`
	Metadata struct{} `json:"metadata"` // always {}
}

// bodies holds the buffers writeEnvelope encodes into. json.Marshal
// grows a buffer of its own and returns a copy of it, which was a quarter
// of what a list of 100 actors allocates.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody bounds the buffers bodies keeps, so that one huge answer
// does not stay in memory.
const maxPooledBody = 1 << 20

func writeEnvelope(w http.ResponseWriter, code int, status, message string, result any) {
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	// An Encoder writes what Marshal returns (HTML escaping included),
	// followed by a newline, which is not part of the body.
	err := json.NewEncoder(buf).Encode(envelope{Result: result, Status: status, Message: message, Version: abaco.Version})
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		code = http.StatusInternalServerError
		body = []byte(`{"result":null,"status":"error","message":"could not encode the response","version":"` + abaco.Version + `","metadata":{}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(body)
}

// ok answers 200 with result in the success envelope.
func ok(w http.ResponseWriter, message string, result any) {
	writeEnvelope(w, http.StatusOK, "success", message, result)
}

// statusOf maps each error kind to its HTTP status; this is the only place
// that does so.
func statusOf(k abaco.Kind) int {
	switch k {
	case abaco.Invalid:
		return http.StatusBadRequest
	case abaco.Unauthenticated:
		return http.StatusUnauthorized
	case abaco.Permission:
		return http.StatusForbidden
	case abaco.NotExist:
		return http.StatusNotFound
	case abaco.Conflict:
		return http.StatusConflict
	case abaco.TooLarge:
		return http.StatusRequestEntityTooLarge
	case abaco.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers with the error's status and message. Internal errors are
// logged with their cause and shown without it.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := abaco.KindOf(err)
	msg := err.Error()
	if e, isE := err.(*abaco.Error); isE {
		msg = e.Msg
	}
	if kind == abaco.Internal || kind == abaco.Unavailable {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		if kind == abaco.Internal {
			msg = "Internal error; the server log has the details."
		}
	} else {
		a.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", statusOf(kind), "msg", msg)
	}
	writeEnvelope(w, statusOf(kind), "error", msg, nil)
}
