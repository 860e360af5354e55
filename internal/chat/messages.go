package chat

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Message is one message of a session. Seq orders a session's messages.
type Message struct {
	ID        string     `json:"id"`
	SessionID string     `json:"session_id"`
	Seq       int64      `json:"seq"`
	Author    AuthorKind `json:"author"`
	// AuthorID is the customer, user or process instance id; empty for the system.
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Text       string    `json:"text"`
	SentAt     time.Time `json:"sent_at"`
	// Delivery is how far a reply got to a customer of an email or http channel; null for
	// the customer's own messages, the widget's (which reads them live) and until queued.
	Delivery *MessageDelivery `json:"delivery"`
	// Attachments are the message's files, in the order they were sent.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// MessageDelivery is the delivery state of a reply: pending, delivered or failed, with the
// error of the last attempt, so that a reply that never reached the customer does not look sent.
type MessageDelivery struct {
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
}

// checkText refuses an empty text (422) and one over MaxText bytes (413), naming the field.
func checkText(text string) error {
	if strings.TrimSpace(text) == "" {
		return errs.Field("text", "is required")
	}
	if len(text) > MaxText {
		return &errs.Error{Code: errs.TooLarge,
			Message: fmt.Sprintf("text: is %d bytes, more than the limit of %d bytes (16 KiB)", len(text), MaxText),
			Details: map[string]any{"field": "text", "limit": MaxText}}
	}
	return nil
}

// addMessage stores a message as the session's next one and updates the session's counters;
// the caller saves the session.
func addMessage(ctx context.Context, tx *store.Tx, sess *Session, m *Message, dedupKey string) error {
	m.ID, m.SessionID, m.SentAt = store.NewID("msg"), sess.ID, tx.Now()
	m.Seq = sess.MessageCount + 1
	// Sent with the transaction's next statement, or with its group's (store.ExecRows).
	err := tx.ExecRows(ctx, messageRow, m.ID, sess.ID, sess.ChannelID, m.Seq, string(m.Author), m.AuthorID, m.AuthorName,
		m.Text, nullable(dedupKey), store.TS(m.SentAt))
	if err != nil {
		return err
	}
	indexMessage(tx, m.ID)
	sess.MessageCount, sess.lastMessageID, sess.LastActivityAt = m.Seq, m.ID, m.SentAt
	return nil
}

var messageRow = &store.Rows{
	One: `INSERT INTO messages (id, session_id, channel_id, seq, author_kind, author_id, author_name, text, dedup_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	Many: `INSERT INTO messages (id, session_id, channel_id, seq, author_kind, author_id, author_name, text, dedup_key, created_at)
		SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]),
			CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]))`,
	Key: -1,
}

const messageColumns = "id, session_id, seq, author_kind, author_id, author_name, text, created_at"

func scanMessage(row interface{ Scan(...any) error }) (*Message, error) {
	var m Message
	var sent store.Timestamp
	if err := row.Scan(&m.ID, &m.SessionID, &m.Seq, &m.Author, &m.AuthorID, &m.AuthorName, &m.Text, &sent); err != nil {
		return nil, err
	}
	m.SentAt = sent.Time
	return &m, nil
}

// lastMessage returns the session's newest message, or nil when it has none.
func lastMessage(ctx context.Context, tx *store.Tx, sess *Session) (*Message, error) {
	if sess.lastMessageID == "" {
		return nil, nil
	}
	return messageWithFiles(ctx, tx, "id = ?", sess.lastMessageID)
}

// messageWithFiles returns the one message matching where, with its attachments.
func messageWithFiles(ctx context.Context, tx *store.Tx, where string, args ...any) (*Message, error) {
	m, err := scanMessage(tx.QueryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE "+where, args...))
	if err != nil {
		return nil, err
	}
	return m, loadAttachments(ctx, tx, m)
}

// messageByKey returns the message an earlier delivery with the same dedup key stored.
func messageByKey(ctx context.Context, tx *store.Tx, channelID, key string) (*Message, error) {
	return messageWithFiles(ctx, tx, "channel_id = ? AND dedup_key = ?", channelID, key)
}

// listMessages returns a page of the session's messages in order; the cursor is a seq.
func listMessages(ctx context.Context, tx *store.Tx, sessionID string, p store.Page) (list store.List[*Message], err error) {
	after := int64(0)
	if p.Cursor != "" {
		if after, err = strconv.ParseInt(p.Cursor, 10, 64); err != nil {
			return list, errs.Field("cursor", "is not a cursor of this list: %q", p.Cursor)
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+messageColumns+" FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?", sessionID, after, p.Size()+1)
	if err != nil {
		return list, err
	}
	defer rows.Close()
	var items []*Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return list, err
		}
		items = append(items, m)
	}
	if err := rows.Err(); err != nil {
		return list, err
	}
	rows.Close()
	if err := loadAttachments(ctx, tx, items...); err != nil {
		return list, err
	}
	return store.Cut(items, p, func(m *Message) string { return strconv.FormatInt(m.Seq, 10) }), rows.Err()
}

// Messages returns a page of the messages of a session the user may see, oldest first.
func (s *Service) Messages(ctx context.Context, u *auth.User, sessionID string, p store.Page) (list store.List[*Message], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if err := CanSee(ctx, tx, u, sessionID); err != nil {
			return err
		}
		list, err = listMessages(ctx, tx, sessionID, p)
		return err
	})
	return list, err
}

// VisitorMessages returns a page of a session's messages for its customer, whose visitor token
// the caller has checked.
func (s *Service) VisitorMessages(ctx context.Context, sessionID string, p store.Page) (list store.List[*Message], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := getSession(ctx, tx, sessionID); err != nil {
			return err
		}
		list, err = listMessages(ctx, tx, sessionID, p)
		return err
	})
	return list, err
}

// Reply is a message from the company's side: an operator, a process or the system.
type Reply struct {
	SessionID string
	Text      string
	// Files are the reply's files; the text may be empty when there are some.
	Files []NewFile
	// Forward are ids of stored attachments sent again with this reply, as a process passes
	// on a file it holds; each is copied, so the reply owns its files.
	Forward []string
	By      Actor
	// IdempotencyKey, when set, makes a repeat of the same reply by the same actor return the
	// first message instead of storing a second.
	IdempotencyKey string
}

// PostMessage stores a reply in one transaction; see PostMessageTx.
func (s *Service) PostMessage(ctx context.Context, r Reply) (m *Message, err error) {
	if err := checkContent(r.Text, r.Files); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		m, err = s.PostMessageTx(ctx, tx, r)
		return err
	})
	if store.IsUnique(err) && r.IdempotencyKey != "" {
		// A repeat that raced the first lost on the dedup key; it gets the first message.
		err = s.db.Read(ctx, func(tx *store.Tx) error {
			m, err = s.repeatedReply(ctx, tx, r)
			return err
		})
	}
	return m, err
}

// PostMessageTx stores a reply inside the caller's transaction and appends message_sent. A
// staff user must be able to work in the session (CanWork). Nobody writes to a spam session;
// operators do not write to a closed one (the customer reopens it by writing again), while a
// process or the system may, for instance to thank the customer after closing.
func (s *Service) PostMessageTx(ctx context.Context, tx *store.Tx, r Reply) (*Message, error) {
	forwarded, err := s.forwardedFiles(ctx, tx, r.Forward)
	if err != nil {
		return nil, err
	}
	r.Files = append(r.Files, forwarded...)
	if err := checkContent(r.Text, r.Files); err != nil {
		return nil, err
	}
	files, err := checkFiles(s.limits, r.Files)
	if err != nil {
		return nil, err
	}
	if r.IdempotencyKey != "" {
		if m, err := s.repeatedReply(ctx, tx, r); !errs.Is(err, errs.NotFound) {
			return m, err
		}
	}
	sess, err := lockSession(ctx, tx, r.SessionID)
	if err != nil {
		return nil, err
	}
	action := ActionReply
	if r.By.Kind != ActorUser {
		action = actionAutoReply
	}
	if err := authorize(ctx, tx, sess, r.By, action); err != nil {
		return nil, err
	}
	if err := CheckTransition(sess.State, action); err != nil {
		return nil, err
	}
	if sess.channelRetired {
		return nil, errs.New(errs.Conflict, "the session's channel %q was deleted: a reply could not reach the customer", sess.ChannelID)
	}
	m := &Message{Author: authorOf(r.By), AuthorID: r.By.ID, Text: r.Text}
	if r.By.User != nil {
		m.AuthorID, m.AuthorName = r.By.User.ID, r.By.User.DisplayName
	}
	if err := addMessage(ctx, tx, sess, m, replyKey(r)); err != nil {
		return nil, err
	}
	if err := s.addAttachments(ctx, tx, m, files); err != nil {
		return nil, err
	}
	events, err := takeOnReply(ctx, tx, sess, r.By)
	if err != nil {
		return nil, err
	}
	if r.By.Kind == ActorUser {
		// Answered: a routed session is no longer handed on to the next operator.
		sess.routedAt = time.Time{}
	}
	return m, commitChange(ctx, tx, sess, m, r.By, append(events, EventMessageSent)...)
}

// takeOnReply makes an operator of the live chat who answers a waiting session its operator,
// as Take would: otherwise the session stays in the queue and a second operator answers the
// same customer. It returns session_assigned when it took the session. Anyone else who may
// reply (an administrator who is no operator, a process) leaves the session as it is.
func takeOnReply(ctx context.Context, tx *store.Tx, sess *Session, by Actor) ([]string, error) {
	if sess.State != Waiting || by.Kind != ActorUser || by.User == nil {
		return nil, nil
	}
	if ok, err := isOperator(ctx, tx, sess.LiveChatID, by.User.ID); err != nil || !ok {
		return nil, err
	}
	sess.State, sess.OperatorID = Assigned, by.User.ID
	return []string{EventSessionAssigned}, nil
}

// PostProcessMessage posts a process's message into the session inside the caller's
// transaction: the engine's livechat.reply task.
func (s *Service) PostProcessMessage(ctx context.Context, tx *store.Tx, sessionID, text string) (*Message, error) {
	return s.PostMessageTx(ctx, tx, Reply{SessionID: sessionID, Text: text, By: ProcessActor("")})
}

func authorOf(a Actor) AuthorKind {
	switch a.Kind {
	case ActorUser:
		return AuthorOperator
	case ActorProcess:
		return AuthorProcess
	}
	return AuthorSystem
}

// replyKey scopes an idempotency key to the actor, so two users' keys never meet.
func replyKey(r Reply) string {
	if r.IdempotencyKey == "" {
		return ""
	}
	return "reply:" + r.By.String() + ":" + r.IdempotencyKey
}

func (s *Service) repeatedReply(ctx context.Context, tx *store.Tx, r Reply) (*Message, error) {
	var channelID string
	if err := tx.QueryRow(ctx, "SELECT channel_id FROM sessions WHERE id = ?", r.SessionID).Scan(&channelID); err != nil {
		return nil, store.NotFound(err, "session %q not found", r.SessionID)
	}
	m, err := messageByKey(ctx, tx, channelID, replyKey(r))
	switch {
	case err != nil:
		return nil, err
	case m.SessionID != r.SessionID:
		return nil, errs.New(errs.Conflict, "the Idempotency-Key was already used for a message in another session")
	case m.Text != r.Text:
		// The stored message is the request: another text under the same key is another
		// request, refused rather than answered with a reply the operator did not write.
		return nil, store.ErrKeyReused()
	}
	return m, nil
}
