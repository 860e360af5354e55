package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Snapshot is what an event knows of the chat as of the moment it happened, taken in the
// transaction of the change. Its JSON names follow the Live Chats properties of DOMAIN.md
// (liveChat.name, session.createdAt, lastMessage.text, ...), and Property reads one by path.
type Snapshot struct {
	LiveChat    SnapshotLiveChat `json:"liveChat"`
	Session     SnapshotSession  `json:"session"`
	Customer    SnapshotCustomer `json:"customer"`
	LastMessage *SnapshotMessage `json:"lastMessage,omitempty"`
}

// SnapshotLiveChat is the live chat part of a snapshot.
type SnapshotLiveChat struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SnapshotSession is the session part of a snapshot.
type SnapshotSession struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Subject   string      `json:"subject"`
	Channel   ChannelType `json:"channel"`
	ChannelID string      `json:"channelId"`
	Priority  Priority    `json:"priority"`
	State     State       `json:"state"`
	CreatedAt time.Time   `json:"createdAt"`
	// ClosedAt is zero while the session is open.
	ClosedAt time.Time `json:"closedAt,omitzero"`
	// OperatorID is the assigned user's id, "" when there is none (session.operator).
	OperatorID   string `json:"operator,omitempty"`
	MessageCount int64  `json:"messageCount"`
}

// SnapshotCustomer is the customer part of a snapshot; unknown fields are "". Phone is in
// E.164 and Email a bare address, valid values of the phone and email types.
type SnapshotCustomer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// SnapshotMessage is the message an event is about (message_received, message_sent), or else
// the session's newest message.
type SnapshotMessage struct {
	ID         string     `json:"id"`
	Text       string     `json:"text"`
	SentAt     time.Time  `json:"sentAt"`
	Author     AuthorKind `json:"author"`
	AuthorID   string     `json:"authorId,omitempty"`
	AuthorName string     `json:"authorName,omitempty"`
	// Attachments are the message's files (lastMessage.attachments).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// snapshotOf builds the snapshot of a session as it is in memory, with last as lastMessage.
func snapshotOf(sess *Session, last *Message) Snapshot {
	snap := Snapshot{
		LiveChat: SnapshotLiveChat{ID: sess.LiveChatID, Name: sess.LiveChatName},
		Session: SnapshotSession{ID: sess.ID, Name: sess.Name, Subject: sess.Subject, Channel: sess.Channel,
			ChannelID: sess.ChannelID, Priority: sess.Priority, State: sess.State, CreatedAt: sess.CreatedAt,
			OperatorID: sess.OperatorID, MessageCount: sess.MessageCount},
		Customer: SnapshotCustomer{ID: sess.Customer.ID, Name: sess.Customer.Name, Phone: sess.Customer.Phone, Email: sess.Customer.Email},
	}
	if sess.ClosedAt != nil {
		snap.Session.ClosedAt = *sess.ClosedAt
	}
	if last != nil {
		snap.LastMessage = &SnapshotMessage{ID: last.ID, Text: last.Text, SentAt: last.SentAt, Author: last.Author,
			AuthorID: last.AuthorID, AuthorName: last.AuthorName, Attachments: last.Attachments}
	}
	return snap
}

// SnapshotTx returns the session's snapshot as of now, inside the caller's transaction: what
// a manual process start maps from.
func (s *Service) SnapshotTx(ctx context.Context, tx *store.Tx, sessionID string) (Snapshot, error) {
	sess, err := getSession(ctx, tx, sessionID)
	if err != nil {
		return Snapshot{}, err
	}
	last, err := lastMessage(ctx, tx, sess)
	return snapshotOf(sess, last), err
}

// Property returns the value of a Live Chats property (DOMAIN.md) by its path: a string for
// the string, phone, email, user and session properties, a time.Time for the datetimes, an
// int64 for session.messageCount. ok is false for an unknown path. A phone, email, operator or
// time that is unknown at the time — a customer without a phone, an open session's closedAt —
// is nil, since "" is no value of those types; an unknown string property is "".
func (s Snapshot) Property(path string) (v any, ok bool) {
	get, ok := properties[path]
	if !ok {
		return nil, false
	}
	return get(s), true
}

// orNil is nil for "" and for the zero time, else v.
func orNil(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
	case time.Time:
		if x.IsZero() {
			return nil
		}
	}
	return v
}

// properties reads each Live Chats property from a snapshot.
var properties = map[string]func(Snapshot) any{
	"liveChat.id":          func(s Snapshot) any { return s.LiveChat.ID },
	"liveChat.name":        func(s Snapshot) any { return s.LiveChat.Name },
	"session":              func(s Snapshot) any { return s.Session.ID },
	"session.id":           func(s Snapshot) any { return s.Session.ID },
	"session.name":         func(s Snapshot) any { return s.Session.Name },
	"session.subject":      func(s Snapshot) any { return s.Session.Subject },
	"session.channel":      func(s Snapshot) any { return string(s.Session.Channel) },
	"channel.type":         func(s Snapshot) any { return string(s.Session.Channel) },
	"session.priority":     func(s Snapshot) any { return string(s.Session.Priority) },
	"session.createdAt":    func(s Snapshot) any { return orNil(s.Session.CreatedAt) },
	"session.closedAt":     func(s Snapshot) any { return orNil(s.Session.ClosedAt) },
	"session.operator":     func(s Snapshot) any { return orNil(s.Session.OperatorID) },
	"session.messageCount": func(s Snapshot) any { return s.Session.MessageCount },
	"customer.name":        func(s Snapshot) any { return s.Customer.Name },
	"customer.phone":       func(s Snapshot) any { return orNil(s.Customer.Phone) },
	"customer.email":       func(s Snapshot) any { return orNil(s.Customer.Email) },
	"lastMessage.text":     func(s Snapshot) any { return s.lastMessage().Text },
	"lastMessage.sentAt":   func(s Snapshot) any { return orNil(s.lastMessage().SentAt) },
	// lastMessage.attachments is the list of files, empty when the message has none, and
	// lastMessage.attachment its first file, nil when there is none.
	"lastMessage.attachments": func(s Snapshot) any { return fileValues(s.lastMessage().Attachments) },
	"lastMessage.attachment": func(s Snapshot) any {
		if list := s.lastMessage().Attachments; len(list) > 0 {
			return fileValues(list)[0]
		}
		return nil
	},
}

// fileValues are attachments as the file values of processes.
func fileValues(list []Attachment) []value.File {
	out := make([]value.File, len(list))
	for i, a := range list {
		out[i] = value.File{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size}
	}
	return out
}

func (s Snapshot) lastMessage() SnapshotMessage {
	if s.LastMessage == nil {
		return SnapshotMessage{}
	}
	return *s.LastMessage
}
