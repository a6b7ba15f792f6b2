package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/abaco-hpc/abaco"
)

// WaitFinished blocks until the execution is final. It is woken by the
// run that finalizes it, which says whether it finalized it (then the
// waiter returns at once, without reading the store again: a sync reply
// waits for nothing else); the store is re-read after any other wake-up
// and now and then, in case the execution was finished elsewhere (another
// server, or deleted).
func (s *Local) WaitFinished(ctx context.Context, e *abaco.Execution) error {
	for {
		ch := make(chan bool, 1)
		s.mu.Lock()
		s.waiters[e.ID] = append(s.waiters[e.ID], ch)
		s.mu.Unlock()

		cur, err := s.store.ExecutionGet(ctx, e.Tenant, e.ActorID, e.ID)
		switch {
		case errors.Is(err, abaco.ErrNotFound):
			s.dropWaiter(e.ID, ch)
			return abaco.E(abaco.NotExist, "The execution %s no longer exists.", e.ID)
		case err == nil && cur.Finished():
			s.dropWaiter(e.ID, ch)
			return nil
		}
		select {
		case final := <-ch:
			if final {
				return nil
			}
		case <-time.After(s.opts.SweepInterval):
			s.dropWaiter(e.ID, ch)
		case <-ctx.Done():
			s.dropWaiter(e.ID, ch)
			return ctx.Err()
		}
	}
}

func (s *Local) dropWaiter(id string, ch chan bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.waiters[id]
	for i, c := range list {
		if c == ch {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.waiters, id)
	} else {
		s.waiters[id] = list
	}
}

// notifyFinished wakes everyone waiting for the execution; final says
// that the caller has just finalized it in the store, so that waiters
// need not read it again.
func (s *Local) notifyFinished(id string, final bool) {
	s.mu.Lock()
	list := s.waiters[id]
	delete(s.waiters, id)
	s.mu.Unlock()
	for _, ch := range list {
		ch <- final // buffered, and each waiter's channel is sent to once
	}
}
