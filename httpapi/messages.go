package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/abaco-hpc/abaco"
)

const badMessageBody = "message POST body could not be serialized. Pass JSON data or use the message attribute."

// decodeMessage reads a message POST in any of the reference's forms: raw
// bytes (application/octet-stream), a `message` field (JSON, form or
// query), or a JSON body that is the message itself. Every query parameter
// but `message` is kept for the container's environment.
func (a *API) decodeMessage(r *http.Request) (abaco.Message, error) {
	m := abaco.Message{Params: map[string]string{}, APIServer: a.baseURL(r)}
	query := r.URL.Query()
	for k, vs := range query {
		if k != "message" && k != "x-nonce" && len(vs) > 0 { // a nonce is a credential, never an env var
			m.Params[k] = vs[len(vs)-1]
		}
	}
	limit := a.svc.Config().MaxMessageBytes
	ct := mediaType(r)
	if ct == "application/octet-stream" {
		if r.ContentLength < 0 {
			return m, abaco.E(abaco.Invalid, "Content Length required for application/octet-stream.")
		}
		if r.ContentLength > limit {
			return m, abaco.E(abaco.TooLarge, "Message exceeds max content length of: %d", limit)
		}
		body, err := readBody(r, limit)
		if err != nil {
			return m, err
		}
		m.Body, m.ContentType = body, abaco.ContentBinary
		return m, nil
	}
	if ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
		f, err := readFields(r, limit)
		if err != nil {
			return m, err
		}
		if v, ok := f.lookup("message"); ok {
			return withText(m, v), nil
		}
		return m, abaco.E(abaco.Invalid, badMessageBody)
	}
	body, err := readBody(r, limit)
	if err != nil {
		return m, err
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			if ct == "application/json" || !query.Has("message") {
				return m, abaco.E(abaco.Invalid, badMessageBody)
			}
		} else if obj, isObj := v.(map[string]any); isObj && obj["message"] != nil {
			return withText(m, obj["message"]), nil
		} else if !query.Has("message") {
			var compact bytes.Buffer
			json.Compact(&compact, trimmed)
			m.Body, m.ContentType = compact.Bytes(), abaco.ContentJSON
			return m, nil
		}
	}
	if query.Has("message") {
		return withText(m, query.Get("message")), nil
	}
	return m, abaco.E(abaco.Invalid, badMessageBody)
}

// withText sets a `message` field's value as a string message; a JSON
// value that is not a string is kept as its JSON text.
func withText(m abaco.Message, v any) abaco.Message {
	switch x := v.(type) {
	case string:
		m.Body = []byte(x)
	case []string:
		m.Body = []byte(x[len(x)-1])
	default:
		b, _ := json.Marshal(x)
		m.Body = b
	}
	m.ContentType = abaco.ContentString
	return m
}

func (a *API) sendMessage(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	m, err := a.decodeMessage(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sync := strings.EqualFold(r.URL.Query().Get("_abaco_synchronous"), "true")
	e, err := a.svc.SendMessage(r.Context(), p, ps.ByName("id"), m, sync)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if sync {
		a.answerSync(w, r, e)
		return
	}
	msg := string(e.Message)
	if e.ContentType == abaco.ContentBinary {
		msg = "binary - omitted"
	}
	self := a.actorURL(r, e.ActorID)
	ok(w, "The request was successful", &messageAccepted{
		ExecutionID:  e.ID,
		ExecutionID2: e.ID,
		Msg:          msg,
		Links: messageLinks{
			Self:     self + "/executions/" + e.ID,
			Owner:    a.ownerURL(r, e.Executor),
			Messages: self + "/messages",
		},
	})
}

// messageAccepted is the answer to an asynchronous message, a struct
// rather than a map because every message gets one. Its fields are in the
// order a map's keys were encoded in (sorted), so the bytes are the same.
type messageAccepted struct {
	Links        messageLinks `json:"_links"`
	ExecutionID2 string       `json:"executionId"`
	ExecutionID  string       `json:"execution_id"`
	Msg          string       `json:"msg"`
}

type messageLinks struct {
	Messages string `json:"messages"`
	Owner    string `json:"owner"`
	Self     string `json:"self"`
}

// answerSync waits for a synchronous execution and answers with its first
// result (application/octet-stream) or else its logs (text/html), with no
// envelope, as the reference does.
func (a *API) answerSync(w http.ResponseWriter, r *http.Request, e *abaco.Execution) {
	reply, err := a.svc.WaitSync(r.Context(), e)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client left; the execution carries on
		}
		a.fail(w, r, err)
		return
	}
	w.Header().Set("X-Abaco-Execution-Id", e.ID)
	if reply.IsResult {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(reply.Result)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(reply.Logs))
}

func (a *API) getMessages(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	actor, n, err := a.svc.PendingMessages(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "The request was successful", map[string]any{
		"messages": n,
		"_links": map[string]string{
			"self":  a.actorURL(r, actor.ID) + "/messages",
			"owner": a.ownerURL(r, actor.Owner),
		},
	})
}

func (a *API) purgeMessages(w http.ResponseWriter, r *http.Request, ps httprouter.Params, p abaco.Principal) {
	actor, _, err := a.svc.PurgeMessages(r.Context(), p, ps.ByName("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, "The request was successful", map[string]any{
		"msg": "Actor mailbox purged.",
		"_links": map[string]string{
			"self":  a.actorURL(r, actor.ID) + "/messages",
			"owner": a.ownerURL(r, actor.Owner),
		},
	})
}
