package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/abaco-hpc/abaco"
)

// fields are a request's parameters merged the way the reference's parser
// merges them: the JSON body (when it is an object), then form fields, then
// the query string. A value from JSON keeps its JSON type; the others are
// strings (or lists of strings, when repeated).
type fields map[string]any

// readFields reads and merges a request's parameters. Earlier sources win.
func readFields(r *http.Request, limit int64) (fields, error) {
	f := fields{}
	add := func(k string, v any) {
		if _, seen := f[k]; !seen {
			f[k] = v
		}
	}
	ct := mediaType(r)
	body, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	switch {
	case ct == "application/json" || (ct == "" && looksLikeJSON(body)):
		if len(bytes.TrimSpace(body)) > 0 {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil {
				return nil, abaco.E(abaco.Invalid, "The request body is not a valid JSON object: %v", err)
			}
			for k, v := range obj {
				add(k, v)
			}
		}
	case ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(limit)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, abaco.E(abaco.Invalid, "The request form could not be parsed: %v", err)
		}
		for k, vs := range r.PostForm {
			add(k, listOrOne(vs))
		}
	}
	for k, vs := range r.URL.Query() {
		add(k, listOrOne(vs))
	}
	return f, nil
}

func listOrOne(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	return vs
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// mediaType is the request's Content-Type without parameters, lower case.
func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// readBody reads at most limit bytes; a longer body is a 413.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, abaco.E(abaco.TooLarge, "The request body exceeds the limit of %d bytes.", limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, abaco.E(abaco.Invalid, "The request body could not be read: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, abaco.E(abaco.TooLarge, "The request body exceeds the limit of %d bytes.", limit)
	}
	return body, nil
}

// fieldError is a value of the wrong type; the caller prefixes its context.
type fieldError struct{ field, help string }

func (e *fieldError) Error() string { return fmt.Sprintf("{'%s': '%s'}", e.field, e.help) }

func (f fields) lookup(names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := f[n]; ok && v != nil {
			return v, true
		}
	}
	return nil, false
}

// str reads a string field; JSON numbers and booleans are taken as text.
func (f fields) str(help string, names ...string) (*string, error) {
	v, ok := f.lookup(names...)
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return &x, nil
	case json.Number:
		s := x.String()
		return &s, nil
	case bool:
		s := strconv.FormatBool(x)
		return &s, nil
	case []string:
		return &x[len(x)-1], nil
	}
	return nil, &fieldError{names[0], help}
}

// boolean reads true/false/1/0 in any case, or a JSON boolean.
func (f fields) boolean(help string, names ...string) (*bool, error) {
	v, ok := f.lookup(names...)
	if !ok {
		return nil, nil
	}
	var b bool
	switch x := v.(type) {
	case bool:
		b = x
	case json.Number:
		switch x.String() {
		case "1":
			b = true
		case "0":
		default:
			return nil, &fieldError{names[0], help}
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			b = true
		case "false", "0":
		default:
			return nil, &fieldError{names[0], help}
		}
	default:
		return nil, &fieldError{names[0], help}
	}
	return &b, nil
}

// integer reads a JSON integer or a numeric string.
func (f fields) integer(help string, names ...string) (*int64, error) {
	v, ok := f.lookup(names...)
	if !ok {
		return nil, nil
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return nil, &fieldError{names[0], help}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, &fieldError{names[0], help}
	}
	return &n, nil
}

// list reads a JSON list of strings, repeated form fields, or one
// comma-separated string.
func (f fields) list(help string, names ...string) ([]string, error) {
	v, ok := f.lookup(names...)
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case []string:
		return x, nil
	case string:
		out := []string{}
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, item := range x {
			s, isStr := item.(string)
			if !isStr {
				return nil, &fieldError{names[0], help}
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, &fieldError{names[0], help}
}

// object reads a JSON object (or a form value holding one) as a map of
// strings; non-string values become their JSON text.
func (f fields) object(help string, names ...string) (map[string]string, error) {
	v, ok := f.lookup(names...)
	if !ok {
		return nil, nil
	}
	if s, isStr := v.(string); isStr {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return nil, &fieldError{names[0], help}
		}
		v = obj
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, &fieldError{names[0], help}
	}
	out := make(map[string]string, len(obj))
	for k, val := range obj {
		switch x := val.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out, nil
}

// invalid wraps a field error with the controller's prefix.
func invalid(prefix string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return abaco.E(abaco.Invalid, "%s: %s", prefix, fe.Error())
	}
	return err
}
