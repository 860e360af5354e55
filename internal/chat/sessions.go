package chat

import (
	"context"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Customer is a contact as one channel knows them.
type Customer struct {
	ID string `json:"id"`
	// Identity is what the channel knows the customer by: a widget visitor id, an email
	// address, an outside messenger's chat id.
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
}

// Session is one conversation between one customer and the company in one live chat over one
// channel.
type Session struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Subject      string      `json:"subject"`
	LiveChatID   string      `json:"live_chat_id"`
	LiveChatName string      `json:"live_chat_name"`
	ChannelID    string      `json:"channel_id"`
	Channel      ChannelType `json:"channel"`
	Customer     Customer    `json:"customer"`
	State        State       `json:"state"`
	Priority     Priority    `json:"priority"`
	// OperatorID is the assigned user, "" when there is none.
	OperatorID     string     `json:"operator_id"`
	MessageCount   int64      `json:"message_count"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	// Rating is the customer's rating of the current closure; it is read for one session
	// (GET /api/v1/sessions/{id}), not for lists, and absent while open or not rated.
	Rating *Rating `json:"rating,omitempty"`
	// Unread is how many messages by others the calling user has not seen (see MarkRead);
	// only the session lists and the single session read give it.
	Unread *int64 `json:"unread,omitempty"`

	lastMessageID string
	eventSeq      int64
	// What "remove from spam" restores.
	spamState    State
	spamOperator string
	spamPriority Priority
	// routedAt is when routing gave the session to its operator, zero once they answered or
	// a person chose the operator; offHoursKey is the out-of-hours period whose auto reply the
	// session got (hours.periodKey).
	routedAt    time.Time
	offHoursKey int64
	// routing and hours are the live chat's routing mode and stored working hours, read with
	// the session so that a customer's message costs no extra query to check them.
	routing RoutingMode
	hours   string
	// channelRetired is true when the session's channel was deleted: it takes no messages.
	channelRetired bool
	// loaded is the lifecycle as read, so that saveSession can tell a message's counter
	// update, the hot path, from a change of state.
	loaded lifecycle
	// cacheGen is the session cache's generation when this was read (sessioncache.go).
	cacheGen uint64
}

// lifecycle is the part of a session that actions change.
type lifecycle struct {
	state, spamState       State
	priority, spamPriority Priority
	operator, spamOperator string
	closedAt, routedAt     time.Time
	offHoursKey            int64
}

func (s *Session) lifecycle() lifecycle {
	l := lifecycle{state: s.State, spamState: s.spamState, priority: s.Priority, spamPriority: s.spamPriority,
		operator: s.OperatorID, spamOperator: s.spamOperator, routedAt: s.routedAt, offHoursKey: s.offHoursKey}
	if s.ClosedAt != nil {
		l.closedAt = *s.ClosedAt
	}
	return l
}

const sessionSelect = `SELECT s.id, s.name, s.subject, s.live_chat_id, lc.name, s.channel_id, ch.type,
	c.id, c.identity, c.name, c.phone, c.email, s.state, s.priority, COALESCE(s.operator_id, ''),
	s.message_count, s.created_at, s.updated_at, s.last_activity_at, s.closed_at,
	s.last_message_id, s.event_seq, s.spam_state, s.spam_operator_id, s.spam_priority, COALESCE(ch.deleted_at, 0),
	s.routed_at, s.off_hours_key, lc.routing_mode, lc.working_hours
	FROM sessions s JOIN live_chats lc ON lc.id = s.live_chat_id JOIN channels ch ON ch.id = s.channel_id
	JOIN customers c ON c.id = s.customer_id `

func scanSession(row interface{ Scan(...any) error }) (*Session, error) {
	var s Session
	var created, updated, activity, closed, routed store.Timestamp
	var retired int64
	err := row.Scan(&s.ID, &s.Name, &s.Subject, &s.LiveChatID, &s.LiveChatName, &s.ChannelID, &s.Channel,
		&s.Customer.ID, &s.Customer.Identity, &s.Customer.Name, &s.Customer.Phone, &s.Customer.Email,
		&s.State, &s.Priority, &s.OperatorID, &s.MessageCount, &created, &updated, &activity, &closed,
		&s.lastMessageID, &s.eventSeq, &s.spamState, &s.spamOperator, &s.spamPriority, &retired,
		&routed, &s.offHoursKey, &s.routing, &s.hours)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt, s.LastActivityAt = created.Time, updated.Time, activity.Time
	s.channelRetired, s.routedAt = retired != 0, routed.Time
	if !closed.IsZero() {
		s.ClosedAt = &closed.Time
	}
	s.loaded = s.lifecycle()
	return &s, nil
}

// lockSuffix locks the session row of a sessionSelect until commit, and only that row: on
// PostgreSQL a plain FOR UPDATE would lock the live chat's row too and serialise every
// message of a live chat.
func lockSuffix(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE OF s"
	}
	return ""
}

// SessionTx returns one session inside the caller's transaction, without permission checks.
func (s *Service) SessionTx(ctx context.Context, tx *store.Tx, id string) (*Session, error) {
	return getSession(ctx, tx, id)
}

func getSession(ctx context.Context, tx *store.Tx, id string) (*Session, error) {
	sess, err := scanSession(tx.QueryRow(ctx, sessionSelect+"WHERE s.id = ?", id))
	return sess, store.NotFound(err, "session %q not found", id)
}

// lockSession reads a session and locks its row until commit, so that concurrent changes to
// one session apply one after the other. On SQLite the single writer is the lock, and the
// session comes from the writer's cache when it is there. On PostgreSQL, in a group of
// customers' messages (store.GroupTx keyed by session id), the group's sessions are read and
// locked with one statement, and each message takes its own.
func lockSession(ctx context.Context, tx *store.Tx, id string) (*Session, error) {
	cache := sessionCacheOf(tx)
	if sess, ok := cache.get(tx, id); ok {
		sess.loaded = sess.lifecycle()
		return sess, nil
	}
	v, ok, err := tx.Shared(ctx, lockedSessionsKey{}, lockSessions)
	if err != nil {
		return nil, err
	}
	if ok {
		locked := v.(map[string]*Session)
		if sess, found := locked[id]; found {
			// Taken once: a second write of the session in the group reads it again, after
			// the first one's rows (store.GroupTx sends them before it).
			delete(locked, id)
			return sess, nil
		}
	}
	sess, err := scanSession(tx.QueryRow(ctx, sessionSelect+"WHERE s.id = ?"+lockSuffix(tx), id))
	cache.stamp(tx, sess)
	return sess, store.NotFound(err, "session %q not found", id)
}

type lockedSessionsKey struct{}

// lockSessions reads and locks a group's sessions by id (keys of store.GroupTx), in id order
// as every group takes its locks.
func lockSessions(ctx context.Context, tx *store.Tx, ids []string) (any, error) {
	rows, err := tx.Query(ctx, sessionSelect+"WHERE s.id = ANY(CAST(? AS TEXT[])) ORDER BY s.id"+lockSuffix(tx), ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	locked := map[string]*Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		locked[sess.ID] = sess
	}
	return locked, rows.Err()
}

// saveSession writes the session's mutable columns back: only the counters when the
// lifecycle is as it was loaded (a message in an ongoing conversation), else all of them.
// The write goes with the change's outbox insert, which commitChange makes next.
func saveSession(ctx context.Context, tx *store.Tx, sess *Session) error {
	sess.UpdatedAt = tx.Now()
	if sess.lifecycle() == sess.loaded {
		sessionCacheOf(tx).put(tx, sess)
		return tx.ExecRows(ctx, sessionCountersRow, sess.MessageCount, sess.lastMessageID, sess.eventSeq, store.TS(sess.UpdatedAt),
			store.TS(sess.LastActivityAt), sess.ID)
	}
	var closed, routed store.Timestamp
	if sess.ClosedAt != nil {
		closed = store.TS(*sess.ClosedAt)
	}
	if sess.State == Assigned {
		routed = store.TS(sess.routedAt)
	}
	err := tx.ExecLater(ctx, `UPDATE sessions SET state = ?, priority = ?, operator_id = ?, spam_state = ?, spam_operator_id = ?,
		spam_priority = ?, message_count = ?, last_message_id = ?, event_seq = ?, updated_at = ?, last_activity_at = ?, closed_at = ?,
		routed_at = ?, off_hours_key = ? WHERE id = ?`, string(sess.State), string(sess.Priority), nullable(sess.OperatorID),
		string(sess.spamState), sess.spamOperator, string(sess.spamPriority), sess.MessageCount, sess.lastMessageID, sess.eventSeq,
		store.TS(sess.UpdatedAt), store.TS(sess.LastActivityAt), closed, routed, sess.offHoursKey, sess.ID)
	sess.loaded = sess.lifecycle()
	sessionCacheOf(tx).put(tx, sess)
	return err
}

// sessionCountersRow writes a session's counters; the values are whole, so a second write of a
// session in one statement replaces the first (store.Rows.Key).
var sessionCountersRow = &store.Rows{
	One: `UPDATE sessions SET message_count = ?, last_message_id = ?, event_seq = ?, updated_at = ?, last_activity_at = ? WHERE id = ?`,
	Many: `UPDATE sessions AS s SET message_count = v.message_count, last_message_id = v.last_message_id, event_seq = v.event_seq,
			updated_at = v.updated_at, last_activity_at = v.last_activity_at
		FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]))
			AS v (message_count, last_message_id, event_seq, updated_at, last_activity_at, id)
		WHERE s.id = v.id`,
	Key: 5,
}

// SessionExists reports whether a session has the id, inside the caller's transaction. Other
// packages use it to check a link to a session (an app item's session field) where they store it.
func SessionExists(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return tx.Exists(ctx, "SELECT 1 FROM sessions WHERE id = ?", id)
}

// Session returns one session the user may see.
func (s *Service) Session(ctx context.Context, u *auth.User, id string) (sess *Session, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if sess, err = getSession(ctx, tx, id); err != nil {
			return err
		}
		if err := allowInSession(ctx, tx, u, policy.SessionRead, sess); err != nil {
			return err
		}
		if err := loadRating(ctx, tx, sess); err != nil {
			return err
		}
		return fillUnread(ctx, tx, u, []*Session{sess})
	})
	return sess, err
}

// SessionFilter narrows a list of sessions.
type SessionFilter struct {
	LiveChatID string
	// States lists the states wanted; empty means every state but spam, which is shown only
	// when asked for by name.
	States []State
	// Mine keeps the sessions whose operator is the caller.
	Mine bool
	// Customer keeps the sessions of one customer as the other channels know them too: the
	// customer's own and those of every contact with the same email address or phone.
	Customer string
	Page     store.Page
}

// Sessions returns a page of the sessions the user may see, newest first.
func (s *Service) Sessions(ctx context.Context, u *auth.User, f SessionFilter) (list store.List[*Session], err error) {
	if err := f.check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if f.LiveChatID != "" {
			if _, err := getLiveChat(ctx, tx, f.LiveChatID); err != nil {
				return err
			}
			if err := allow(ctx, tx, u, policy.LiveChatRead, f.LiveChatID); err != nil {
				return err
			}
		}
		q, args := f.query(u)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []*Session
		for rows.Next() {
			sess, err := scanSession(rows)
			if err != nil {
				return err
			}
			items = append(items, sess)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		list = store.Cut(items, f.Page, func(s *Session) string { return s.ID })
		return fillUnread(ctx, tx, u, list.Items)
	})
	return list, err
}

func (f SessionFilter) check() error {
	if err := f.Page.Check(); err != nil {
		return err
	}
	for _, st := range f.States {
		switch st {
		case Waiting, Assigned, Closed, Spam:
		default:
			return errs.Field("state", "must be waiting, assigned, closed or spam, not %q", st)
		}
	}
	return nil
}

// query builds the list query: the user's live chats, the filter, a keyset page on id.
func (f SessionFilter) query(u *auth.User) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if !u.IsAdmin() {
		add("s.live_chat_id IN ("+memberChatsQuery+")", u.ID)
	}
	if f.LiveChatID != "" {
		add("s.live_chat_id = ?", f.LiveChatID)
	}
	if len(f.States) == 0 {
		add("s.state <> ?", string(Spam))
	} else {
		states := make([]any, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		add("s.state "+store.In(len(states)), states...)
	}
	if f.Mine {
		add("s.operator_id = ?", u.ID)
	}
	if f.Customer != "" {
		// Three plain lookups rather than one join with OR, so that each can use its index
		// (the partial ones on email and phone need the "<> ''" spelled out).
		add(`s.customer_id IN (SELECT id FROM customers WHERE id = ?
			UNION SELECT c2.id FROM customers c1 JOIN customers c2 ON c2.email = c1.email WHERE c1.id = ? AND c2.email <> ''
			UNION SELECT c2.id FROM customers c1 JOIN customers c2 ON c2.phone = c1.phone WHERE c1.id = ? AND c2.phone <> '')`,
			f.Customer, f.Customer, f.Customer)
	}
	if f.Page.Cursor != "" {
		add("s.id < ?", f.Page.Cursor)
	}
	q := sessionSelect + "WHERE " + strings.Join(where, " AND ") + " ORDER BY s.id DESC LIMIT ?"
	return q, append(args, f.Page.Size()+1)
}
