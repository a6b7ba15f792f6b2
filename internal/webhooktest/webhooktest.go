// Package webhooktest is a webhook target for tests of event delivery.
package webhooktest

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Receiver fails its first Fail requests and keeps the events (JSON
// objects) it accepted after them.
type Receiver struct {
	Fail int

	mu       sync.Mutex
	requests int
	events   []map[string]any
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.requests <= r.Fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	var m map[string]any
	if req.Header.Get("Content-Type") != "application/json" || json.NewDecoder(req.Body).Decode(&m) != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	r.events = append(r.events, m)
}

// Events returns the accepted events, in arrival order.
func (r *Receiver) Events() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.events...)
}

// Requests counts every request, refused ones too.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}
