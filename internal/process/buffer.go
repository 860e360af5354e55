package process

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
)

// MaxMessageTTL bounds how long a published message may wait for its instance: a week covers
// "the customer answers within days" while keeping the buffer from growing without end.
const MaxMessageTTL = 7 * 24 * time.Hour

// maxMessageIDLength bounds a message_id: it is an index key, not a payload.
const maxMessageIDLength = 200

// messageTTL reads a message's ttl: empty means zero (the message is not kept), anything else
// must be an ISO 8601 duration of at most MaxMessageTTL from now.
func messageTTL(m Message, now time.Time) (time.Duration, error) {
	if len(m.MessageID) > maxMessageIDLength {
		return 0, errs.Field("message_id", "at most %d characters", maxMessageIDLength)
	}
	if m.TTL == "" {
		return 0, nil
	}
	d, err := bpmn.ParseDuration(m.TTL)
	if err != nil {
		return 0, errs.Field("ttl", "an ISO 8601 duration such as PT1H is needed, got %q: %v", m.TTL, err)
	}
	ttl := d.AddTo(now).Sub(now)
	if ttl > MaxMessageTTL {
		return 0, errs.Field("ttl", "at most P7D, got %s", m.TTL)
	}
	return ttl, nil
}

// lockCorrelation serialises, on PostgreSQL, the transactions that publish or wait for one
// message name and correlation key until they commit. Without it a publish that finds no wait
// and a wait that finds no buffered message could pass each other unseen under READ COMMITTED,
// leaving the message buffered and the instance waiting. SQLite's single writer already
// serialises them.
func lockCorrelation(ctx context.Context, tx *store.Tx, name, key string) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))", name, key)
	return err
}

// purgeMessages deletes the kept messages whose time to live has passed.
func purgeMessages(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, "DELETE FROM process_message_buffer WHERE expires_at <= ?", store.TS(tx.Now()))
	return err
}

// PurgeExpiredMessages deletes the kept messages whose time to live has passed; the job
// worker calls it now and then, publishing does it too.
func (s *Service) PurgeExpiredMessages(ctx context.Context) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error { return purgeMessages(ctx, tx) })
}

// keepMessage stores a published message until it expires, pending (waiting for a wait to
// take it) or not (only remembered by its message_id). It reports false when a message with
// the same message_id is already kept: the message is a repeat.
func keepMessage(ctx context.Context, tx *store.Tx, m Message, pending bool, expires time.Time) (bool, error) {
	vars, err := json.Marshal(m.Variables)
	if err != nil {
		return false, err
	}
	var id any
	if m.MessageID != "" {
		id = m.MessageID
	}
	res, err := tx.Exec(ctx, `INSERT INTO process_message_buffer (id, message_id, name, correlation_key, text, variables, pending, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
		store.NewID("msg"), id, m.Name, m.CorrelationKey, m.Text, string(vars), boolInt(pending), store.TS(tx.Now()), store.TS(expires))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// bufferKept makes a message remembered by its message_id pending, or keeps it pending.
func bufferKept(ctx context.Context, tx *store.Tx, m Message, expires time.Time) error {
	if m.MessageID == "" {
		_, err := keepMessage(ctx, tx, m, true, expires)
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE process_message_buffer SET pending = 1 WHERE message_id = ?", m.MessageID)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buffered is a kept message a wait takes.
type buffered struct {
	id, text string
	vars     map[string]json.RawMessage
}

// takeBuffered claims the oldest pending message with the name and key that has not expired,
// or returns nil. The claim is a conditional update, so a message is taken once even if two
// waits look at it at the same time.
func takeBuffered(ctx context.Context, tx *store.Tx, name, key string) (*buffered, error) {
	if err := lockCorrelation(ctx, tx, name, key); err != nil {
		return nil, err
	}
	var b buffered
	var vars string
	err := tx.QueryRow(ctx, `SELECT id, text, variables FROM process_message_buffer
		WHERE pending = 1 AND name = ? AND correlation_key = ? AND expires_at > ? ORDER BY created_at, id LIMIT 1`,
		name, key, store.TS(tx.Now())).Scan(&b.id, &b.text, &vars)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, "UPDATE process_message_buffer SET pending = 0 WHERE id = ? AND pending = 1", b.id)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vars), &b.vars); err != nil {
		return nil, fmt.Errorf("buffered message %s: %w", b.id, err)
	}
	return &b, nil
}

// catchBuffered completes a named message wait at once with a message published before it
// and kept for it, and reports whether it did. Values that do not fit this process become an
// incident at the wait: the message is taken, and the incident says what was wrong with it.
func (r *runner) catchBuffered(t *token, el *bpmn.Element, key string) (bool, error) {
	b, err := takeBuffered(r.ctx, r.tx, el.Message.Name, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, r.consumeBuffered(t, el, b)
}

// consumeBuffered completes the wait at el with a kept message that has been taken.
func (r *runner) consumeBuffered(t *token, el *bpmn.Element, b *buffered) error {
	vars, err := r.st.v.ParseInputs(b.vars)
	if err == nil {
		err = r.s.checkRefs(r.ctx, r.tx, vars)
	}
	if err == nil {
		err = receivedValues(r.st, el.Message.Variable, b.text, vars)
	}
	if err != nil {
		return r.incident(t, el, fmt.Errorf("the message %q published before this wait could not be taken: %w", el.Message.Name, err))
	}
	r.record(el, evCompleted, "message published before the wait")
	r.leave(t, el)
	return nil
}
