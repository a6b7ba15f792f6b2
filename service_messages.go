package abaco

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Message is one message as decoded from a POST to an actor's inbox.
type Message struct {
	Body        []byte
	ContentType string            // ContentString, ContentJSON or ContentBinary
	Params      map[string]string // query parameters other than `message`
	APIServer   string            // the base URL the caller used, for _abaco_api_server
}

// SendMessage queues a message for an actor. When it returns, the
// execution is committed: it will run even if the server crashes now.
func (s *Service) SendMessage(ctx context.Context, p Principal, actorID string, m Message, synchronous bool) (*Execution, error) {
	a, err := s.senderTarget(ctx, p, actorID)
	if err != nil {
		return nil, err
	}
	if int64(len(m.Body)) > s.cfg.MaxMessageBytes {
		return nil, E(TooLarge, "Message exceeds max content length of: %d", s.cfg.MaxMessageBytes)
	}
	switch m.ContentType {
	case ContentString, ContentJSON, ContentBinary:
	default:
		return nil, E(Invalid, "unknown message content type %q", m.ContentType)
	}
	for k := range m.Params {
		if !envNamePattern.MatchString(k) {
			return nil, E(Invalid, "query parameter %q cannot become an environment variable.", k)
		}
		if reservedParam(k) {
			return nil, E(Invalid, "query parameter %q is reserved: Abaco sets it for the execution.", k)
		}
	}
	if synchronous {
		n, err := s.store.ExecutionCountPending(ctx, a.Tenant, a.ID)
		if err != nil {
			return nil, internal(err, "count pending messages")
		}
		if n > s.cfg.SyncMaxPending {
			return nil, E(Conflict, "Cannot issue synchronous execution when actor message queue > %d.", s.cfg.SyncMaxPending)
		}
	}
	e := &Execution{
		Tenant:              a.Tenant,
		ID:                  NewID(),
		ActorID:             a.ID,
		Executor:            p.User,
		Status:              ExecSubmitted,
		Message:             m.Body,
		ContentType:         m.ContentType,
		APIServer:           m.APIServer,
		MessageReceivedTime: s.clock.Now(),
	}
	if !p.ViaNonce {
		e.Username = p.User
	}
	e.Env = make(map[string]string, len(m.Params)+4)
	for k, v := range m.Params {
		if k != "x-nonce" { // a credential: never handed to the container
			e.Env[k] = v
		}
	}
	e.Env["_abaco_execution_id"] = e.ID
	e.Env["_abaco_Content_Type"] = e.ContentType
	e.Env["_abaco_actor_revision"] = strconv.Itoa(a.Revision)
	if e.Username != "" {
		e.Env["_abaco_username"] = e.Username
	}
	if err := s.queue(ctx, a, e); err != nil {
		// The actor may be gone (deleted here since it was authorized, or
		// by another server): its foreign key refused the row.
		if _, gerr := s.store.ActorGet(ctx, a.Tenant, a.ID); errors.Is(gerr, ErrNotFound) {
			s.sendAuth.clear()
			return nil, E(NotExist, "No actor found with identifier: %s.", actorID)
		}
		return nil, internal(err, "queue message")
	}
	return e, nil
}

// queue stores the new execution e of a and hands it to the scheduler:
// claimed by a worker reserved for it and started at once when the
// scheduler can (directStarter), else queued with the scheduler woken.
func (s *Service) queue(ctx context.Context, a *Actor, e *Execution) error {
	direct, ok := s.sched.(directStarter)
	workerID := ""
	if ok {
		workerID = direct.Reserve(a)
	}
	if workerID == "" {
		if err := s.store.ExecutionCreate(ctx, e); err != nil {
			return err
		}
		s.sched.Enqueued(e.Tenant, e.ActorID)
		return nil
	}
	claimed, err := s.store.ExecutionCreateClaimed(ctx, e, workerID)
	switch {
	case err != nil:
		direct.Unreserve(workerID, true)
		return err
	case claimed:
		direct.StartClaimed(e)
	default: // older messages wait: this one queues behind them
		direct.Unreserve(workerID, false)
		s.sched.Enqueued(e.Tenant, e.ActorID)
	}
	return nil
}

// SyncReply is the answer to a synchronous message: the first result if
// the execution sent one, else its logs.
type SyncReply struct {
	Result []byte
	Logs   string
	// IsResult tells which of the two it is.
	IsResult bool
}

// WaitSync blocks until the execution finishes (or ctx ends) and returns
// what a synchronous message answers with.
func (s *Service) WaitSync(ctx context.Context, e *Execution) (*SyncReply, error) {
	if err := s.sched.WaitFinished(ctx, e); err != nil {
		if KindOf(err) == NotExist {
			return nil, err
		}
		return nil, Wrap(Unavailable, err, "the execution %s did not finish while the request waited", e.ID)
	}
	data, err := s.store.ResultPop(ctx, e.ID, s.clock.Now())
	switch {
	case err == nil:
		return &SyncReply{Result: data, IsResult: true}, nil
	case !errors.Is(err, ErrNotFound):
		return nil, internal(err, "read result")
	}
	l, err := s.store.LogGet(ctx, e.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, internal(err, "read logs")
	}
	if l == nil {
		return &SyncReply{}, nil
	}
	return &SyncReply{Logs: l.Text}, nil
}

// PendingMessages counts the messages waiting in an actor's inbox.
func (s *Service) PendingMessages(ctx context.Context, p Principal, actorID string) (*Actor, int, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelRead)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.store.ExecutionCountPending(ctx, a.Tenant, a.ID)
	if err != nil {
		return nil, 0, internal(err, "count pending messages")
	}
	return a, n, nil
}

// PurgeMessages drops every message no worker has taken yet; their
// executions are deleted, since they never ran.
func (s *Service) PurgeMessages(ctx context.Context, p Principal, actorID string) (*Actor, int, error) {
	a, err := s.actorFor(ctx, p, actorID, LevelUpdate)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.store.ExecutionDeletePending(ctx, a.Tenant, a.ID)
	if err != nil {
		return nil, 0, internal(err, fmt.Sprintf("purge messages of %s", a.ID))
	}
	return a, n, nil
}

// reservedParam reports whether a query parameter would overwrite the
// context Abaco gives the execution (and so let a sender forge, say, the
// `_abaco_username` of a nonce-authenticated send). `_abaco_synchronous`
// is the one `_abaco_` parameter a client sets.
func reservedParam(name string) bool {
	switch {
	case name == "_abaco_synchronous":
		return false
	case strings.HasPrefix(name, "_abaco"), name == "MSG", name == "_actor_configs":
		return true
	}
	return false
}
