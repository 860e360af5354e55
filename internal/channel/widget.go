package channel

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// WidgetStart is a widget customer's first message to a live chat.
type WidgetStart struct {
	Customer chat.CustomerInfo `json:"customer"`
	Subject  string            `json:"subject"`
	Text     string            `json:"text"`
	// Files come with a multipart/form-data start; the text may then be empty.
	Files []chat.NewFile `json:"-"`
}

// WidgetSession is the answer to a widget start: the session and the visitor token that
// grants it, to send as a Bearer token from then on.
type WidgetSession struct {
	SessionID    string `json:"session_id"`
	VisitorToken string `json:"visitor_token"`
	MessageID    string `json:"message_id"`
}

// Visitor is who asks to start: the token and session of a returning visitor, if any, and the
// request's Idempotency-Key.
type Visitor struct {
	Token, SessionID string
	IdempotencyKey   string
}

// StartWidget stores a widget customer's message to the live chat through its widget channel.
// A new visitor gets a new session and token. A returning visitor (one whose token names a
// session on this widget) continues or reopens that session and keeps the token. A repeat
// with the same Idempotency-Key stores nothing new and gets a fresh token for the same session.
func (s *Service) StartWidget(ctx context.Context, liveChatID string, v Visitor, in WidgetStart) (out *WidgetSession, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		ch, err := widgetChannel(ctx, tx, liveChatID)
		if err != nil {
			return err
		}
		identity, token, err := visitorIdentity(ctx, tx, ch.ID, v)
		if err != nil {
			return err
		}
		r, err := s.chat.ReceiveTx(ctx, tx, chat.Inbound{ChannelID: ch.ID, Identity: identity, Customer: in.Customer,
			Subject: in.Subject, Text: in.Text, Files: in.Files, DedupKey: widgetKey(v.IdempotencyKey)})
		if err != nil {
			return err
		}
		if r.Duplicate && v.IdempotencyKey != "" && r.Message.Text != in.Text {
			// The stored first message is the request: another text under the same key is
			// another request.
			return store.ErrKeyReused()
		}
		if token == "" || r.Duplicate {
			if token, err = issueToken(ctx, tx, r.Session.ID); err != nil {
				return err
			}
		}
		out = &WidgetSession{SessionID: r.Session.ID, VisitorToken: token, MessageID: r.Message.ID}
		tx.AfterCommit(func() { s.received.add(chat.ChannelWidget, r) })
		return nil
	})
	return out, err
}

func widgetKey(key string) string {
	if key == "" {
		return ""
	}
	return "widget:" + key
}

// widgetChannel returns the live chat's oldest widget channel that still takes messages.
func widgetChannel(ctx context.Context, tx *store.Tx, liveChatID string) (*chat.Channel, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM channels WHERE live_chat_id = ? AND type = ? AND deleted_at IS NULL
		ORDER BY created_at, id LIMIT 1`, liveChatID, string(chat.ChannelWidget)).Scan(&id)
	if errs.Is(err, errs.NotFound) {
		if _, lerr := chat.LiveChatTx(ctx, tx, liveChatID); lerr != nil {
			return nil, lerr
		}
		return nil, errs.New(errs.NotFound, "live chat %q has no widget channel", liveChatID)
	}
	if err != nil {
		return nil, err
	}
	return chat.ChannelTx(ctx, tx, id)
}

// visitorIdentity returns the customer identity to write as: a returning visitor's own when
// their session is on this channel (with their token, kept), else a new visitor id and no
// token yet.
func visitorIdentity(ctx context.Context, tx *store.Tx, channelID string, v Visitor) (identity, token string, err error) {
	if v.SessionID != "" {
		err := tx.QueryRow(ctx, `SELECT c.identity FROM sessions s JOIN customers c ON c.id = s.customer_id
			WHERE s.id = ? AND s.channel_id = ?`, v.SessionID, channelID).Scan(&identity)
		if err == nil {
			return identity, v.Token, nil
		}
		if !errs.Is(err, errs.NotFound) {
			return "", "", err
		}
	}
	return store.NewID("vis"), "", nil
}

// issueToken makes a new visitor token for the session and stores its hash.
func issueToken(ctx context.Context, tx *store.Tx, sessionID string) (string, error) {
	token, hash := auth.NewSecret(auth.VisitorPrefix)
	_, err := tx.Exec(ctx, "INSERT INTO visitor_tokens (hash, session_id, created_at) VALUES (?, ?, ?)", hash, sessionID, store.TS(tx.Now()))
	return token, err
}

// errBadVisitor answers an unknown visitor token.
var errBadVisitor = errs.New(errs.Unauthorized, "the visitor token is not valid; start a new conversation")

// AuthenticateVisitor turns a visitor token into the principal of its session's customer. A
// token is tied to its session for good, so what a lookup found is kept in memory.
func (s *Service) AuthenticateVisitor(ctx context.Context, token string) (*auth.Principal, error) {
	hash := auth.HashSecret(token)
	if sessionID, ok := s.visitors.Get(hash); ok {
		return &auth.Principal{Visitor: sessionID}, nil
	}
	var sessionID string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT session_id FROM visitor_tokens WHERE hash = ?", hash).Scan(&sessionID)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errBadVisitor
	}
	if err != nil {
		return nil, err
	}
	s.visitors.Put(hash, sessionID)
	return &auth.Principal{Visitor: sessionID}, nil
}

// VisitorSession checks that the visitor's token grants the session: a customer sees only
// their own session.
func VisitorSession(p *auth.Principal, sessionID string) error {
	if p == nil || p.Visitor == "" {
		return errs.New(errs.Unauthorized, "send the visitor token as a Bearer token")
	}
	return policy.Can(p, policy.WidgetRead, policy.Resource{SessionID: sessionID})
}

// WidgetSend stores a widget customer's message in their session; a closed session reopens.
func (s *Service) WidgetSend(ctx context.Context, p *auth.Principal, sessionID, text, idempotencyKey string, files ...chat.NewFile) (*chat.Message, error) {
	if err := VisitorSession(p, sessionID); err != nil {
		return nil, err
	}
	// The key is scoped to the session, the one thing a visitor is: two visitors of the same
	// widget may pick the same key without meeting.
	key := ""
	if idempotencyKey != "" {
		key = widgetKey(sessionID + ":" + idempotencyKey)
	}
	r, err := s.chat.ReceiveInSessionWith(ctx, chat.SessionInbound{SessionID: sessionID, Text: text, DedupKey: key, Files: files})
	if err != nil {
		return nil, err
	}
	s.received.add(chat.ChannelWidget, r)
	return r.Message, nil
}

// WidgetMessages returns a page of the visitor's session's messages, oldest first.
func (s *Service) WidgetMessages(ctx context.Context, p *auth.Principal, sessionID string, page store.Page) (store.List[*chat.Message], error) {
	if err := VisitorSession(p, sessionID); err != nil {
		return store.List[*chat.Message]{}, err
	}
	return s.chat.VisitorMessages(ctx, sessionID, page)
}

// WidgetStatus is what the widget shows about the live chat, before and during a chat.
type WidgetStatus struct {
	// OperatorsOnline says whether any operator of the live chat is online now.
	OperatorsOnline bool `json:"operators_online"`
}

// WidgetStatus returns the status of a live chat that has a widget channel. The widget asks
// for it now and then: its own socket being open says nothing about the operators.
func (s *Service) WidgetStatus(ctx context.Context, liveChatID string) (st *WidgetStatus, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := widgetChannel(ctx, tx, liveChatID); err != nil {
			return err
		}
		online, err := chat.OperatorsOnlineTx(ctx, tx, liveChatID)
		st = &WidgetStatus{OperatorsOnline: online}
		return err
	})
	return st, err
}
