package abaco

import (
	"encoding/json"
	"strconv"
	"time"
)

// Event types (reference §6, §10). EXECUTION_STARTED is defined upstream but
// never sent, so it is not here.
const (
	EventActorReady        = "ACTOR_READY"
	EventActorError        = "ACTOR_ERROR"
	EventExecutionComplete = "EXECUTION_COMPLETE"
)

// Event delivery targets: an actor's events go to its link, its webhook, or
// both, each as its own delivery so that one slow target never holds the
// other back.
const (
	TargetLink    = "link"
	TargetWebhook = "webhook"
)

// Event delivery statuses.
const (
	DeliveryPending   = "PENDING"
	DeliveryDelivered = "DELIVERED"
	DeliveryFailed    = "FAILED"
)

// Event is something that happened to an actor, as its link and webhook
// receive it. Data holds the type-specific fields: status_message for the
// actor events; execution_id, status and exit_code for EXECUTION_COMPLETE.
type Event struct {
	Tenant  string
	ActorID string
	Type    string
	Time    time.Time
	Link    string
	Webhook string
	Data    map[string]any
}

// Payload is the event's JSON document (reference §10): the type-specific
// fields plus tenant_id, event_type, event_time_utc, event_time_display,
// actor_id, actor_dbid, _abaco_link and _abaco_webhook.
func (ev *Event) Payload() ([]byte, error) {
	doc := make(map[string]any, len(ev.Data)+8)
	for k, v := range ev.Data {
		doc[k] = v
	}
	when := ev.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	doc["tenant_id"] = ev.Tenant
	doc["event_type"] = ev.Type
	doc["event_time_utc"] = when
	doc["event_time_display"] = when
	doc["actor_id"] = ev.ActorID
	doc["actor_dbid"] = DBID(ev.Tenant, ev.ActorID)
	doc["_abaco_link"] = ev.Link
	doc["_abaco_webhook"] = ev.Webhook
	return json.Marshal(doc)
}

// Targets lists the deliveries the event needs: none when the actor has
// neither a link nor a webhook (then no event is published at all).
func (ev *Event) Targets() []string {
	var ts []string
	if ev.Link != "" {
		ts = append(ts, TargetLink)
	}
	if ev.Webhook != "" {
		ts = append(ts, TargetWebhook)
	}
	return ts
}

// ActorStatusEvent returns the event type published when an actor enters
// status, or "" when that status publishes none.
func ActorStatusEvent(status string) string {
	switch status {
	case ActorReady:
		return EventActorReady
	case ActorError:
		return EventActorError
	}
	return ""
}

// EventDelivery is one event on its way to one target, a row of the outbox.
// Deliveries of one actor and target kind are made strictly in Seq order.
type EventDelivery struct {
	Seq           int64
	Tenant        string
	ActorID       string
	EventType     string
	TargetKind    string // TargetLink or TargetWebhook
	Target        string // the link (actor id or alias) or the URL
	Payload       []byte
	Status        string
	Attempts      int
	CreatedAt     time.Time
	NextAttemptAt time.Time
	FinishedAt    time.Time
	LastError     string
}

// NewEventExecution builds the execution that carries an event to the
// linked actor: executor and `_abaco_username` "Abaco Event", the event
// JSON as the message.
func NewEventExecution(linked *Actor, payload []byte, apiServer string, now time.Time) *Execution {
	e := &Execution{
		Tenant:              linked.Tenant,
		ID:                  NewID(),
		ActorID:             linked.ID,
		Executor:            ExecutorEvent,
		Username:            ExecutorEvent,
		Status:              ExecSubmitted,
		Message:             payload,
		ContentType:         ContentJSON,
		APIServer:           apiServer,
		MessageReceivedTime: now,
	}
	e.Env = map[string]string{
		"_abaco_execution_id":   e.ID,
		"_abaco_Content_Type":   ContentJSON,
		"_abaco_actor_revision": strconv.Itoa(linked.Revision),
		"_abaco_username":       ExecutorEvent,
	}
	return e
}
