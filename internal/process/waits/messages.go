package waits

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

// Kept is a published message as the buffer keeps it.
type Kept struct {
	Name, CorrelationKey, Text string
	Variables                  map[string]json.RawMessage
	// MessageID, when set, remembers the message so that a repeat within its TTL is known.
	MessageID string
}

// MessageTTL reads a published message's ttl: empty means zero (the message is not kept),
// anything else must be an ISO 8601 duration of at most MaxMessageTTL from now. It checks the
// message_id's length too, since the buffer indexes it.
func MessageTTL(messageID, ttlText string, now time.Time) (time.Duration, error) {
	if len(messageID) > maxMessageIDLength {
		return 0, errs.Field("message_id", "at most %d characters", maxMessageIDLength)
	}
	if ttlText == "" {
		return 0, nil
	}
	d, err := bpmn.ParseDuration(ttlText)
	if err != nil {
		return 0, errs.Field("ttl", "an ISO 8601 duration such as PT1H is needed, got %q: %v", ttlText, err)
	}
	ttl := d.AddTo(now).Sub(now)
	if ttl > MaxMessageTTL {
		return 0, errs.Field("ttl", "at most P7D, got %s", ttlText)
	}
	return ttl, nil
}

// LockCorrelation serialises, on PostgreSQL, the transactions that publish or wait for one
// message name and correlation key until they commit. Without it a publish that finds no wait
// and a wait that finds no buffered message could pass each other unseen under READ COMMITTED,
// leaving the message buffered and the instance waiting. SQLite's single writer already
// serialises them.
func LockCorrelation(ctx context.Context, tx *store.Tx, name, key string) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))", name, key)
	return err
}

// PurgeMessages deletes the kept messages whose time to live has passed.
func PurgeMessages(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, "DELETE FROM process_message_buffer WHERE expires_at <= ?", store.TS(tx.Now()))
	return err
}

// KeepMessage stores a published message until it expires, pending (waiting for a wait to
// take it) or not (only remembered by its message_id). It reports false when a message with
// the same message_id is already kept: the message is a repeat.
func KeepMessage(ctx context.Context, tx *store.Tx, m Kept, pending bool, expires time.Time) (bool, error) {
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

// BufferKept makes a message remembered by its message_id pending, or keeps it pending.
func BufferKept(ctx context.Context, tx *store.Tx, m Kept, expires time.Time) error {
	if m.MessageID == "" {
		_, err := KeepMessage(ctx, tx, m, true, expires)
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

// Buffered is a kept message a wait takes.
type Buffered struct {
	ID, Text string
	Vars     map[string]json.RawMessage
}

// TakeBuffered claims the oldest pending message with the name and key that has not expired,
// or returns nil. The claim is a conditional update, so a message is taken once even if two
// waits look at it at the same time.
func TakeBuffered(ctx context.Context, tx *store.Tx, name, key string) (*Buffered, error) {
	if err := LockCorrelation(ctx, tx, name, key); err != nil {
		return nil, err
	}
	var b Buffered
	var vars string
	err := tx.QueryRow(ctx, `SELECT id, text, variables FROM process_message_buffer
		WHERE pending = 1 AND name = ? AND correlation_key = ? AND expires_at > ? ORDER BY created_at, id LIMIT 1`,
		name, key, store.TS(tx.Now())).Scan(&b.ID, &b.Text, &vars)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, "UPDATE process_message_buffer SET pending = 0 WHERE id = ? AND pending = 1", b.ID)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vars), &b.Vars); err != nil {
		return nil, fmt.Errorf("buffered message %s: %w", b.ID, err)
	}
	return &b, nil
}

// Subscription is one waiting message catch of an instance's token at an element: a named
// message with a correlation key, or (Key "") the next customer message in a session after
// the chat event After.
type Subscription struct {
	Instance string
	Token    int
	Element  string
	After    int64
	// Written by Subscribe; the queries that find subscriptions do not read them back.
	Session, Name, Key, Variable string
}

// Subscribe stores a message wait.
func Subscribe(ctx context.Context, tx *store.Tx, s Subscription) error {
	touched(ctx, s.Session)
	_, err := tx.Exec(ctx, `INSERT INTO process_messages (instance_id, token_id, element_id, session_id, name, correlation_key, variable, after_seq, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Instance, s.Token, s.Element, s.Session, s.Name, s.Key, s.Variable, s.After, store.TS(tx.Now()))
	return err
}

// Correlated returns the waits for a named message with its correlation key, oldest first.
func Correlated(ctx context.Context, tx *store.Tx, name, key string) ([]Subscription, error) {
	return subscriptions(ctx, tx, "WHERE name = ? AND correlation_key = ?", name, key)
}

// SessionWaits returns the waits for a session's next customer message that began before the
// message's event seq, oldest first. Under a context from WithSessionWaits it answers from the
// round's read when that read still holds for the session (see sessionRound).
func SessionWaits(ctx context.Context, tx *store.Tx, sessionID string, seq int64) ([]Subscription, error) {
	if r, _ := ctx.Value(roundKey{}).(*sessionRound); r != nil {
		if subs, ok := r.lookup(sessionID, seq); ok {
			return subs, nil
		}
	}
	// session_id <> '' lets both databases use the partial index on session_id.
	return subscriptions(ctx, tx, "WHERE session_id = ? AND session_id <> '' AND after_seq < ?", sessionID, seq)
}

// sessionRound is the session waits of a round of customer messages, read with one query
// rather than one per message. It answers for a session only while nothing the round did can
// have changed that session's waits since the read:
//   - a wait the round adds to a session (Subscribe) makes the session's next lookup read the
//     database again, so a later message of the round finds it as it always did;
//   - a lookup that found waits does the same, since delivering them deletes them: a delivered
//     wait is never offered to a later message, and what the delivery wrote is read back.
//
// Both only ever send a lookup to the database, so a savepoint that undoes part of the round's
// work cannot leave the read wrong. A wait deleted some other way (its instance ended while
// moving on another session) may still be offered; the delivery finds it gone under the
// instance's lock and completes nothing, as when two messages race for one wait.
type sessionRound struct {
	upTo  int64                     // the read holds the waits that began before this seq
	waits map[string][]Subscription // session -> its waits, oldest first; every read session has a key
	stale map[string]bool           // sessions to read again
}

type roundKey struct{}

func (r *sessionRound) lookup(session string, seq int64) ([]Subscription, bool) {
	subs, ok := r.waits[session]
	if !ok || r.stale[session] || seq > r.upTo {
		return nil, false
	}
	var out []Subscription
	for _, s := range subs {
		if s.After < seq {
			out = append(out, s)
		}
	}
	if len(out) > 0 {
		r.stale[session] = true
	}
	return out, true
}

// touched marks a session whose waits the round changed.
func touched(ctx context.Context, session string) {
	if r, _ := ctx.Value(roundKey{}).(*sessionRound); r != nil && session != "" {
		r.stale[session] = true
	}
}

// sessionsPerQuery bounds the sessions one SQLite query names, under its parameter limit.
const sessionsPerQuery = 500

// WithSessionWaits reads the waits of the sessions that began before seq upTo, with one query
// (on SQLite one per sessionsPerQuery sessions), and returns a context under which SessionWaits
// answers for those sessions and seqs up to upTo without asking the database again. It is for
// a consumer that delivers a round of customer messages in one transaction: the round's
// deliveries must run under the returned context, which is only good within tx.
func WithSessionWaits(ctx context.Context, tx *store.Tx, sessions []string, upTo int64) (context.Context, error) {
	r := &sessionRound{upTo: upTo, waits: map[string][]Subscription{}, stale: map[string]bool{}}
	var ids []string
	for _, s := range sessions {
		if _, ok := r.waits[s]; !ok && s != "" {
			r.waits[s] = nil
			ids = append(ids, s)
		}
	}
	const cols = "SELECT session_id, instance_id, token_id, element_id, after_seq FROM process_messages WHERE "
	const rest = " AND session_id <> '' AND after_seq < ? ORDER BY created_at, instance_id, token_id, element_id"
	var err error
	if tx.Dialect() == store.Postgres {
		if len(ids) > 0 {
			// One statement of one shape for any number of sessions, prepared once per connection.
			err = r.read(ctx, tx, cols+"session_id = ANY(CAST(? AS TEXT[]))"+rest, []any{ids, upTo})
		}
	} else {
		err = store.Chunks(ids, sessionsPerQuery, func(args []any) error {
			return r.read(ctx, tx, cols+"session_id "+store.In(len(args))+rest, append(args, upTo))
		})
	}
	if err != nil {
		return nil, err
	}
	return context.WithValue(ctx, roundKey{}, r), nil
}

func (r *sessionRound) read(ctx context.Context, tx *store.Tx, q string, args []any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var session string
		var s Subscription
		if err := rows.Scan(&session, &s.Instance, &s.Token, &s.Element, &s.After); err != nil {
			return err
		}
		r.waits[session] = append(r.waits[session], s)
	}
	return rows.Err()
}

func subscriptions(ctx context.Context, tx *store.Tx, where string, args ...any) ([]Subscription, error) {
	rows, err := tx.Query(ctx, "SELECT instance_id, token_id, element_id, after_seq FROM process_messages "+where+" ORDER BY created_at, instance_id, token_id, element_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var s Subscription
		if err := rows.Scan(&s.Instance, &s.Token, &s.Element, &s.After); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSubscription deletes a message wait and returns its correlation key; false means it
// was gone already.
func DeleteSubscription(ctx context.Context, tx *store.Tx, sub Subscription) (string, bool, error) {
	var key string
	where := " FROM process_messages WHERE instance_id = ? AND token_id = ? AND element_id = ?"
	err := tx.QueryRow(ctx, "SELECT correlation_key"+where, sub.Instance, sub.Token, sub.Element).Scan(&key)
	if errs.Is(err, errs.NotFound) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	_, err = tx.Exec(ctx, "DELETE"+where, sub.Instance, sub.Token, sub.Element)
	return key, err == nil, err
}
