// Package httpapi serves the Tapis v3 Actors REST API ("Abaco") over the
// domain service: routing, the Tapis envelope, authentication, and decoding
// of form, JSON, query and binary bodies. It holds no business rules.
package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// Authenticator turns a request's credentials into a principal.
type Authenticator interface {
	// Authenticate verifies a Tapis JWT.
	Authenticate(token string) (abaco.Principal, error)
}

// Directory lists what GET /v3/tenants and /v3/sites show.
type Directory interface {
	TenantList() any
	SiteList() any
}

// Options configure the API.
type Options struct {
	// PublicURL, if set, is the base URL used in links and given to
	// executions as _abaco_api_server; otherwise the request's own is used.
	PublicURL string
	// MaxBodyBytes caps request bodies other than messages.
	MaxBodyBytes int64
	Log          *slog.Logger
}

// API is the HTTP face of the service.
type API struct {
	svc     *abaco.Service
	auth    Authenticator
	dir     Directory
	opts    Options
	log     *slog.Logger
	actors  *httprouter.Router // /actors and /actors/{id}/...
	named   *httprouter.Router // /actors/{aliases,search,configs,admin,utilization}/...
	general *httprouter.Router // /v3/tenants, /v3/sites
}

// collectionSegments are the words after /actors/ that name collections
// rather than actors. httprouter cannot mix them with an :id wildcard at the
// same position, so they get a router of their own; no actor id can be one
// of these words, since ids are Hashids.
var collectionSegments = map[string]bool{"aliases": true, "search": true, "configs": true, "admin": true, "utilization": true}

// New builds the handler.
func New(svc *abaco.Service, auth Authenticator, dir Directory, opts Options) *API {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := &API{svc: svc, auth: newTokenCache(auth, time.Now), dir: dir, opts: opts, log: opts.Log.With("component", "httpapi")}
	a.actors, a.named, a.general = a.newRouter(), a.newRouter(), a.newRouter()
	a.routes()
	return a
}

func (a *API) newRouter() *httprouter.Router {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleOPTIONS = false
	r.NotFound = http.HandlerFunc(a.notFound)
	r.MethodNotAllowed = http.HandlerFunc(a.methodNotAllowed)
	return r
}

func (a *API) routes() {
	r := a.actors
	r.GET("/actors", a.authed(a.listActors))
	r.POST("/actors", a.authed(a.createActor))
	r.GET("/actors/:id", a.authed(a.getActor))
	r.PUT("/actors/:id", a.authed(a.updateActor))
	r.DELETE("/actors/:id", a.authed(a.deleteActor))
	r.GET("/actors/:id/state", a.authed(a.getState))
	r.POST("/actors/:id/state", a.authed(a.setState))
	r.GET("/actors/:id/messages", a.authed(a.getMessages))
	r.POST("/actors/:id/messages", a.authed(a.sendMessage))
	r.DELETE("/actors/:id/messages", a.authed(a.purgeMessages))
	r.GET("/actors/:id/executions", a.authed(a.listExecutions))
	r.GET("/actors/:id/executions/:eid", a.authed(a.getExecution))
	r.DELETE("/actors/:id/executions/:eid", a.authed(a.haltExecution))
	r.GET("/actors/:id/executions/:eid/logs", a.authed(a.getLogs))
	r.GET("/actors/:id/executions/:eid/results", a.authed(a.getResult))
	r.GET("/actors/:id/workers", a.authed(a.listWorkers))
	r.GET("/actors/:id/workers/:wid", a.authed(a.getWorker))
	a.sharingRoutes()
	a.operatorRoutes()
	a.searchRoutes()

	a.general.GET("/tenants", a.listTenants)
	a.general.GET("/sites", a.listSites)
}

// ServeHTTP normalizes the path, answers CORS, recovers from panics, and
// hands the request to the router that owns the path.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeEnvelope(w, http.StatusInternalServerError, "error", "Internal error; the server log has the details.", nil)
		}
	}()
	if r.Header.Get("Origin") != "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	if r.Method == http.MethodOptions {
		a.preflight(w, r)
		return
	}
	r.URL.Path = cleanPath(r.URL.Path)
	r.URL.RawPath = ""
	path := strings.TrimPrefix(r.URL.Path, "/v3")
	switch {
	case path == "/actors" || strings.HasPrefix(path, "/actors/"):
		r.URL.Path = path
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/actors/"), "/")
		if collectionSegments[seg] {
			a.named.ServeHTTP(w, r)
			return
		}
		a.actors.ServeHTTP(w, r)
	default:
		r.URL.Path = path
		a.general.ServeHTTP(w, r)
	}
}

// cleanPath collapses repeated slashes (tapipy posts to
// /v3/actors/{id}//messages) and drops a trailing one.
func cleanPath(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	prevSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' && prevSlash {
			continue
		}
		prevSlash = c == '/'
		b.WriteByte(c)
	}
	s := b.String()
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	if s == "" {
		s = "/"
	}
	return s
}

// preflight answers a CORS preflight. Browsers send no credentials on a
// preflight, so it needs none.
func (a *API) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
	if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
		w.Header().Set("Access-Control-Allow-Headers", h)
	}
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusOK)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	writeEnvelope(w, http.StatusNotFound, "error", "Invalid request: the API endpoint does not exist.", nil)
}

func (a *API) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeEnvelope(w, http.StatusMethodNotAllowed, "error", "Invalid request: the API endpoint does not exist or the provided HTTP method is not allowed.", nil)
}

// handler is a route that knows its caller.
type handler func(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal)

// authed authenticates the request, by token or else by nonce, before
// calling h.
func (a *API) authed(h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		token := r.Header.Get("X-Tapis-Token")
		var (
			p   abaco.Principal
			err error
		)
		switch nonce := r.URL.Query().Get("x-nonce"); {
		case token != "":
			p, err = a.auth.Authenticate(token)
		case nonce != "":
			p, err = a.nonceAuth(r, ps, nonce)
		default:
			err = abaco.E(abaco.Unauthenticated, "No JWT or nonce provided.")
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		h(w, r, ps, p)
	}
}

func (a *API) listTenants(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	ok(w, "Tenants retrieved successfully.", a.dir.TenantList())
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	ok(w, "Sites retrieved successfully.", a.dir.SiteList())
}

// baseURL is the URL clients reach us at, for links and _abaco_api_server.
func (a *API) baseURL(r *http.Request) string {
	if a.opts.PublicURL != "" {
		return strings.TrimSuffix(a.opts.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
