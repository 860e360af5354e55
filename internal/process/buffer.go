package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// MaxMessageTTL bounds how long a published message may wait for its instance (see package
// waits, which keeps it).
const MaxMessageTTL = waits.MaxMessageTTL

// PurgeExpiredMessages deletes the kept messages whose time to live has passed; the job
// worker calls it now and then, publishing does it too.
func (s *Service) PurgeExpiredMessages(ctx context.Context) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error { return waits.PurgeMessages(ctx, tx) })
}

// catchBuffered completes a named message wait at once with a message published before it
// and kept for it, and reports whether it did. Values that do not fit this process become an
// incident at the wait: the message is taken, and the incident says what was wrong with it.
func (r *runner) catchBuffered(t *token, el *bpmn.Element, key string) (bool, error) {
	b, err := waits.TakeBuffered(r.ctx, r.tx, el.Message.Name, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, r.consumeBuffered(t, el, b)
}

// consumeBuffered completes the wait at el with a kept message that has been taken.
func (r *runner) consumeBuffered(t *token, el *bpmn.Element, b *waits.Buffered) error {
	vars, err := r.st.v.ParseInputs(b.Vars)
	if err == nil {
		err = r.s.checkRefs(r.ctx, r.tx, vars)
	}
	if err == nil {
		err = receivedValues(r.st, el.Message.Variable, b.Text, vars)
	}
	if err != nil {
		return r.incident(t, el, fmt.Errorf("the message %q published before this wait could not be taken: %w", el.Message.Name, err))
	}
	r.record(el, evCompleted, "message published before the wait")
	r.leave(t, el)
	return nil
}
