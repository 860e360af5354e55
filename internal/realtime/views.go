package realtime

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// visibility is the set of live chats a staff user may see.
type visibility struct {
	all   bool
	chats map[string]bool
}

// StaffStream is the stream of a staff user's console: every event of the sessions they may
// see (DOMAIN.md), as chat.Event frames. What they may see is re-read every minute, so a
// change of groups takes effect on open sockets too; a deleted user's socket ends.
func StaffStream(ctx context.Context, db *store.DB, u *auth.User, cursor int64) (Stream, error) {
	var vis atomic.Pointer[visibility]
	refresh := func(ctx context.Context) error {
		return db.Read(ctx, func(tx *store.Tx) error {
			fresh, err := auth.UserTx(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			ids, all, err := chat.VisibleLiveChats(ctx, tx, fresh)
			v := &visibility{all: all, chats: make(map[string]bool, len(ids))}
			for _, id := range ids {
				v.chats[id] = true
			}
			vis.Store(v)
			return err
		})
	}
	if err := refresh(ctx); err != nil {
		return Stream{}, err
	}
	return Stream{
		Filter: func(e *chat.Event) bool {
			v := vis.Load()
			return v.all || v.chats[e.LiveChatID]
		},
		Render:          func(e chat.Event) any { return e },
		Cursor:          cursor,
		Refresh:         refresh,
		RefreshInterval: time.Minute,
	}, nil
}

// WidgetMessage is a message as a widget shows it.
type WidgetMessage struct {
	ID         string          `json:"id"`
	Author     chat.AuthorKind `json:"author"`
	AuthorName string          `json:"author_name"`
	Text       string          `json:"text"`
	SentAt     time.Time       `json:"sent_at"`
	// Attachments are the message's files, downloaded with the visitor token.
	Attachments []chat.Attachment `json:"attachments,omitempty"`
}

// WidgetFrame is what a widget socket sends: a message of the session ("message"), or the
// news that the session was closed ("closed"). Seq is the cursor to reconnect with.
type WidgetFrame struct {
	Type    string         `json:"type"`
	Seq     int64          `json:"seq"`
	Message *WidgetMessage `json:"message,omitempty"`
}

// WidgetStream is the stream of a customer's widget: the messages of their own session, both
// ways (so that several tabs stay in step), its closing, and {"type":"typing"} frames while an
// operator types; the widget may send {"type":"typing"} itself. Nothing else reaches a customer:
// not the operator's id, not the priority, not a spam mark.
func WidgetStream(db *store.DB, sessionID string, cursor int64) Stream {
	return Stream{
		Filter: func(e *chat.Event) bool {
			return e.SessionID == sessionID &&
				(e.Type == chat.EventMessageReceived || e.Type == chat.EventMessageSent || e.Type == chat.EventSessionClosed)
		},
		Render: func(e chat.Event) any {
			if e.Type == chat.EventSessionClosed {
				return WidgetFrame{Type: "closed", Seq: e.Seq}
			}
			m := e.Snapshot.LastMessage
			return WidgetFrame{Type: "message", Seq: e.Seq, Message: &WidgetMessage{ID: m.ID, Author: m.Author,
				AuthorName: m.AuthorName, Text: m.Text, SentAt: m.SentAt, Attachments: m.Attachments}}
		},
		Cursor:  cursor,
		More:    []SignalSet{TypingSignal(sessionID, SideOperator)},
		OnFrame: VisitorTyping(db, sessionID),
	}
}
