package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/abaco-hpc/abaco/metrics"
)

// Instrumented is the API counting its requests by route pattern and
// status code, and the messages it accepted.
func (a *API) Instrumented() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		a.ServeHTTP(rec, r)
		// ServeHTTP has rewritten r.URL.Path to the router's form.
		route := a.routeOf(r.Method, r.URL.Path)
		metrics.HTTPRequests.WithLabelValues(r.Method, route, strconv.Itoa(rec.code)).Inc()
		if r.Method == http.MethodPost && route == "/actors/:id/messages" && rec.code == http.StatusOK {
			metrics.MessagesAccepted.Inc()
		}
	})
}

// routeOf names the route pattern a path matched (e.g.
// /actors/:id/executions/:eid), so that metric labels stay few.
func (a *API) routeOf(method, path string) string {
	if method == http.MethodOptions {
		return "preflight"
	}
	router := a.general
	if path == "/actors" || strings.HasPrefix(path, "/actors/") {
		router = a.actors
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/actors/"), "/")
		if collectionSegments[seg] {
			router = a.named
		}
	}
	h, params, _ := router.Lookup(method, path)
	if h == nil {
		return "unmatched"
	}
	parts := strings.Split(path, "/")
	next := 0
	for _, p := range params {
		for i := next; i < len(parts); i++ {
			if parts[i] == p.Value {
				parts[i], next = ":"+p.Key, i+1
				break
			}
		}
	}
	return strings.Join(parts, "/")
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
