package httpapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

// renderConfig shows a config; a secret's value is already the placeholder.
func renderConfig(c *abaco.ActorConfig) map[string]any {
	return map[string]any{"name": c.Name, "value": c.Value, "is_secret": c.IsSecret, "actors": c.Actors}
}

func (a *API) configSpec(r *http.Request) (abaco.ConfigSpec, error) {
	var s abaco.ConfigSpec
	f, err := readFields(r, a.opts.MaxBodyBytes)
	if err != nil {
		return s, err
	}
	if s.Name, err = f.str("The name of the config.", "name"); err != nil {
		return s, invalid("Invalid config description", err)
	}
	if s.Value, err = f.str("The value of the config.", "value"); err != nil {
		return s, invalid("Invalid config description", err)
	}
	if s.IsSecret, err = f.boolean("Whether the config value is secret.", "is_secret", "isSecret"); err != nil {
		return s, invalid("Invalid config description", err)
	}
	if s.Actors, err = f.str("Comma-separated actor ids or aliases the config applies to.", "actors"); err != nil {
		return s, invalid("Invalid config description", err)
	}
	return s, nil
}

func (a *API) listConfigs(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	cs, err := a.svc.ListConfigs(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, renderConfig(c))
	}
	ok(w, "Configs retrieved successfully.", out)
}

func (a *API) createConfig(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.configSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.svc.CreateConfig(r.Context(), p, spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Config created successfully.", renderConfig(c))
}

func (a *API) getConfig(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	c, err := a.svc.GetConfig(r.Context(), p, ps.ByName("name"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Config retrieved successfully.", renderConfig(c))
}

func (a *API) updateConfig(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	spec, err := a.configSpec(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.svc.UpdateConfig(r.Context(), p, ps.ByName("name"), spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Config updated successfully.", renderConfig(c))
}

func (a *API) deleteConfig(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	if err := a.svc.DeleteConfig(r.Context(), p, ps.ByName("name")); err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "Config deleted successfully.", nil)
}
