package process

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// messageCatch subscribes the token to a message: the customer's next message in the linked
// session, or a named message with a correlation key evaluated now. A message published
// before the wait and kept for it completes the wait at once. A receive task also arms its
// boundary events; every key is computed before anything is stored.
func (r *runner) messageCatch(t *token, el *bpmn.Element) error {
	key, err := r.correlationKey(el)
	if err != nil {
		return r.incident(t, el, err)
	}
	keys, err := r.boundaryKeys(el)
	if err != nil {
		return r.incident(t, el, err)
	}
	if key != "" {
		if taken, err := r.catchBuffered(t, el, key); taken || err != nil {
			return err
		}
	}
	if left, err := r.startActivity(t, el, keys); left || err != nil {
		return err
	}
	if err := r.subscribe(t, el, key); err != nil {
		return err
	}
	t.Wait = waitMessage
	r.record(el, evWaiting, "message")
	return nil
}

// correlationKey evaluates the key of a named message wait now; "" means a session wait. An
// undefined or empty key, or a session wait without a session, is an error the caller turns
// into an incident: waiting on "" would catch another instance's message or wait forever.
func (r *runner) correlationKey(el *bpmn.Element) (string, error) {
	prog := r.st.v.Program().Key(el.ID)
	if prog == nil {
		if r.st.sessionID == "" {
			return "", fmt.Errorf("the message wait %s needs a linked session, and the instance has none", el.ID)
		}
		return "", nil
	}
	out, err := expr.Run(prog, r.env())
	if err != nil {
		err = r.exprFailed(prog, el.Message.CorrelationKeyRaw, err)
	} else {
		var key string
		if key, err = el.Message.Key(out); err == nil {
			return key, nil
		}
	}
	return "", fmt.Errorf("the correlation key cannot be computed: %w", err)
}

// subscribe stores a message wait of the token at el: a catch event, an event after an
// event-based gateway or a boundary event. key is "" for the session wait.
func (r *runner) subscribe(t *token, el *bpmn.Element, key string) error {
	var session string
	var after int64
	if key == "" {
		session = r.st.sessionID
		var err error
		if after, err = r.lastEventSeq(); err != nil {
			return err
		}
	}
	m := el.Message
	return waits.Subscribe(r.ctx, r.tx, waits.Subscription{Instance: r.st.id, Token: t.ID, Element: el.ID,
		Session: session, Name: m.Name, Key: key, Variable: m.Variable, After: after})
}

// lastEventSeq is the newest chat event at the time a session wait starts, so that only a
// message that arrives after it completes the wait.
func (r *runner) lastEventSeq() (int64, error) {
	if r.s.deps.Chat == nil {
		return 0, nil
	}
	return r.s.deps.Chat.LastEventSeq(r.ctx, r.tx)
}

// receive completes a message wait of an instance with the message's text (or payload): the
// token leaves by the element the wait belongs to, which cancels the waits that lost to it.
func (s *Service) receive(ctx context.Context, tx *store.Tx, sub waits.Subscription, text string, vars map[string]value.Value) error {
	st, err := s.loadState(ctx, tx, sub.Instance, true)
	if err != nil {
		return err
	}
	if el := st.v.Process.Elements[sub.Element]; el != nil && el.Kind == bpmn.KindEventStart {
		return s.receiveScopeStart(ctx, tx, st, sub, el, text, vars)
	}
	t, el, key, err := takeSubscription(ctx, tx, st, sub)
	if err != nil || t == nil {
		return err
	}
	if err := receivedValues(st, el.Message.Variable, text, vars); err != nil {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	if t, err = r.catchMessage(t, el, key); err != nil {
		return err
	}
	r.record(el, evCompleted, "")
	r.leave(t, el)
	if err := r.run(); err != nil {
		return err
	}
	return r.finish()
}

// takeSubscription deletes a message wait and returns its token, the element it waits at and
// its correlation key ("" for a session wait); a nil token means there is nothing to complete: another
// delivery, a timer or the task itself got there first, or the instance ended. The row is
// looked up again under the instance's lock, which is what makes the first event win.
func takeSubscription(ctx context.Context, tx *store.Tx, st *state, sub waits.Subscription) (*token, *bpmn.Element, string, error) {
	key, found, err := waits.DeleteSubscription(ctx, tx, sub)
	if err != nil || !found {
		return nil, nil, "", err
	}
	t, el := st.toks.Token(sub.Token), st.v.Process.Elements[sub.Element]
	if t == nil || el == nil || st.done() || (el.Kind.IsBoundary() && t.El != el.AttachedTo) {
		return nil, nil, "", nil
	}
	return t, el, key, nil
}

func receivedValues(st *state, variable, text string, vars map[string]value.Value) error {
	for name, v := range vars {
		st.set(name, v)
	}
	if variable == "" {
		return nil
	}
	x, ok := st.v.Variable(variable)
	if !ok {
		return nil
	}
	v, err := value.FromNative(x.Type, text)
	if err != nil {
		return value.InField(variable, err)
	}
	st.set(variable, v)
	return nil
}

// Message is a named message published to the instances waiting for it with its key.
type Message struct {
	Name           string                     `json:"name"`
	CorrelationKey string                     `json:"correlation_key"`
	Text           string                     `json:"text"`
	Variables      map[string]json.RawMessage `json:"variables"`
	// TTL (ISO 8601, at most P7D) keeps a message that finds no waiting instance until a wait
	// with its name and key appears; empty or zero delivers only to the waits there are now.
	TTL string `json:"ttl"`
	// MessageID makes a publish idempotent within the TTL: a repeat delivers nothing.
	MessageID string `json:"message_id"`
}

// kept is the message as the buffer keeps it.
func (m Message) kept() waits.Kept {
	return waits.Kept{Name: m.Name, CorrelationKey: m.CorrelationKey, Text: m.Text, Variables: m.Variables, MessageID: m.MessageID}
}

// MessageResult says what became of a published message.
type MessageResult struct {
	Delivered int  // instances the message reached now
	Buffered  bool // kept until its TTL for a wait to come
	Duplicate bool // a message with this message_id was published within its TTL: nothing done
	Started   int  // instances started by the message's start events
}

// PublishMessage delivers a named message to every instance waiting for it with that
// correlation key, or keeps it for its TTL when none waits. Administrators and outside
// workers may.
func (s *Service) PublishMessage(ctx context.Context, m Message) (MessageResult, error) {
	if err := policy.Check(ctx, policy.MessagePublish); err != nil {
		return MessageResult{}, err
	}
	if m.Name == "" {
		return MessageResult{}, errs.Field("name", "a message needs a name")
	}
	if _, err := waits.MessageTTL(m.MessageID, m.TTL, s.db.Now()); err != nil {
		return MessageResult{}, err
	}
	var res MessageResult
	err := s.db.Tx(ctx, func(tx *store.Tx) (err error) {
		res, err = s.publishMessageTx(ctx, tx, m)
		return err
	})
	return res, err
}

// publishMessageTx publishes in one transaction: the message is remembered by its message_id before
// it is delivered, so that a repeat racing it waits for this commit and then finds it.
func (s *Service) publishMessageTx(ctx context.Context, tx *store.Tx, m Message) (MessageResult, error) {
	ttl, err := waits.MessageTTL(m.MessageID, m.TTL, tx.Now())
	if err != nil {
		return MessageResult{}, err
	}
	if err := waits.PurgeMessages(ctx, tx); err != nil {
		return MessageResult{}, err
	}
	if err := waits.LockCorrelation(ctx, tx, m.Name, m.CorrelationKey); err != nil {
		return MessageResult{}, err
	}
	expires := tx.Now().Add(ttl)
	if ttl > 0 && m.MessageID != "" {
		fresh, err := waits.KeepMessage(ctx, tx, m.kept(), false, expires)
		if err != nil || !fresh {
			return MessageResult{Duplicate: !fresh}, err
		}
	}
	// Without a key the message can only start instances: an empty key is a session wait's.
	var subs []waits.Subscription
	if m.CorrelationKey != "" {
		subs, err = waits.Correlated(ctx, tx, m.Name, m.CorrelationKey)
	}
	if err != nil {
		return MessageResult{}, err
	}
	var res MessageResult
	for _, sub := range subs {
		if err := s.deliverPublished(ctx, tx, sub, m); err != nil {
			return MessageResult{}, err
		}
		res.Delivered++
	}
	if res.Started, err = s.startByMessages(ctx, tx, m); err != nil {
		return MessageResult{}, err
	}
	if m.CorrelationKey == "" && res.Started == 0 {
		return MessageResult{}, errs.Field("correlation_key", "a message needs a correlation_key unless it starts a process, and no published process has a message start event %q", m.Name)
	}
	if res.Delivered == 0 && res.Started == 0 && ttl > 0 {
		res.Buffered = true
		return res, waits.BufferKept(ctx, tx, m.kept(), expires)
	}
	return res, nil
}

func (s *Service) deliverPublished(ctx context.Context, tx *store.Tx, sub waits.Subscription, m Message) error {
	st, err := s.loadState(ctx, tx, sub.Instance, false)
	if err != nil {
		return err
	}
	vars, err := st.v.ParseInputs(m.Variables)
	if err != nil {
		return err
	}
	if err := s.checkRefs(ctx, tx, vars); err != nil {
		return err
	}
	return s.receive(ctx, tx, sub, m.Text, vars)
}

// DeliverCustomerMessageTx completes the session waits of the session that were waiting
// before the message's event (seq) with the message's text. The chat consumer calls it for
// each customer message, in the transaction that advances its cursor. Each wait is completed
// in its own savepoint: one that fails becomes an incident of its instance, holding the
// message, and the others are completed all the same.
func (s *Service) DeliverCustomerMessageTx(ctx context.Context, tx *store.Tx, sessionID string, seq int64, text string) error {
	subs, err := waits.SessionWaits(ctx, tx, sessionID, seq)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		err := tx.Savepoint(ctx, func() error { return s.receive(ctx, tx, sub, text, nil) })
		if err == nil {
			continue
		}
		s.log.Warn("a customer message failed to complete a session wait; raising an incident",
			"instance", sub.Instance, "session", sessionID, "seq", seq, "err", err)
		if err := s.failDelivery(ctx, tx, sub, seq, text, err); err != nil {
			return err
		}
	}
	return nil
}

// failDelivery turns a customer's message that could not complete a session wait into an
// incident at the wait, which keeps the message: the consumer's cursor moves past the
// message, so anything less would lose it without a trace. Retrying the incident delivers the
// message again (see redeliver).
func (s *Service) failDelivery(ctx context.Context, tx *store.Tx, sub waits.Subscription, seq int64, text string, cause error) error {
	st, err := s.loadState(ctx, tx, sub.Instance, true)
	if err != nil {
		return err
	}
	t, el, key, err := takeSubscription(ctx, tx, st, sub)
	if err != nil || t == nil {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	if t, err = r.catchMessage(t, el, key); err != nil {
		return err
	}
	cause = fmt.Errorf("the customer's message (event %d) could not be delivered: %w", seq, cause)
	if err := r.raise(t, el, cause, waits.Job{Kind: waits.JobDelivery, Max: 1, Payload: text}); err != nil {
		return err
	}
	return r.finish()
}

// redeliver completes a session wait with the customer's message of a delivery incident that
// an administrator retried. A failure of the step itself becomes the same incident again, with
// the message still kept.
func (r *runner) redeliver(t *token, el *bpmn.Element, text string) error {
	if err := receivedValues(r.st, el.Message.Variable, text, nil); err != nil {
		return r.raise(t, el, err, waits.Job{Kind: waits.JobDelivery, Max: 1, Payload: text})
	}
	r.record(el, evCompleted, "redelivered")
	r.leave(t, el)
	return nil
}
