package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// TransferInput says where a session goes: to another operator of its live chat (ToUser), to
// another live chat's queue (ToLiveChat), or to an operator of that other live chat (both).
// Note, when given, becomes a private note on the session, so that whoever takes it over
// reads why.
type TransferInput struct {
	ToUser     string `json:"to_user,omitempty"`
	ToLiveChat string `json:"to_livechat,omitempty"`
	Note       string `json:"note,omitempty"`
}

func (in TransferInput) check() error {
	var problems errs.List
	if in.ToUser == "" && in.ToLiveChat == "" {
		problems.Add("to_user", "give to_user (an operator) or to_livechat (a live chat), or both")
	}
	if len(in.Note) > MaxText {
		return &errs.Error{Code: errs.TooLarge,
			Message: fmt.Sprintf("note: is %d bytes, more than the limit of %d bytes (16 KiB)", len(in.Note), MaxText),
			Details: map[string]any{"field": "note", "limit": MaxText}}
	}
	return problems.Err()
}

// Transfer hands a waiting or assigned session over, as the session's operator, a supervisor
// of its live chat or an administrator (policy.SessionTransfer). A new operator must be in an
// operator group of the live chat the session ends up in (of any presence, as with Assign);
// without one, the session waits in that live chat's queue. Moving to another live chat
// appends a session_updated event under the old live chat first, so that its consoles see the
// session leave, and then the change under the new one; the note is written in the same
// transaction.
func (s *Service) Transfer(ctx context.Context, id string, in TransferInput, u *auth.User) (*Session, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "log in to transfer a session")
	}
	return s.run(ctx, func(tx *store.Tx) (*Session, error) { return transfer(ctx, tx, id, in, u) })
}

func transfer(ctx context.Context, tx *store.Tx, id string, in TransferInput, u *auth.User) (*Session, error) {
	sess, err := lockSession(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	r, err := Standing(ctx, tx, u, sess.LiveChatID)
	if err != nil {
		return nil, err
	}
	r.SessionID, r.ChannelID, r.OperatorID, r.Conceal = sess.ID, sess.ChannelID, sess.OperatorID, "session \""+sess.ID+"\""
	if err := policy.Can(&auth.Principal{User: u}, policy.SessionTransfer, r); err != nil {
		return nil, err
	}
	if err := CheckTransition(sess.State, ActionAssign); err != nil {
		return nil, err
	}
	from := *sess
	target, err := transferTarget(ctx, tx, sess, in)
	if err != nil {
		return nil, err
	}
	if in.ToLiveChat != "" {
		sess.LiveChatID, sess.LiveChatName = target.ID, target.Name
		forgetSessions(tx) // cached sessions hold what this changes
		if _, err := tx.Exec(ctx, "UPDATE sessions SET live_chat_id = ? WHERE id = ?", target.ID, sess.ID); err != nil {
			return nil, err
		}
	}
	sess.State, sess.OperatorID = Waiting, in.ToUser
	if in.ToUser != "" {
		sess.State = Assigned
	}
	if err := writeTransferNote(ctx, tx, u, sess, in); err != nil {
		return nil, err
	}
	return sess, commitTransfer(ctx, tx, &from, sess, u)
}

// transferTarget checks where the session is to go and returns the live chat it ends up in.
func transferTarget(ctx context.Context, tx *store.Tx, sess *Session, in TransferInput) (*LiveChat, error) {
	chatID := sess.LiveChatID
	if in.ToLiveChat != "" {
		if in.ToLiveChat == sess.LiveChatID {
			return nil, errs.Field("to_livechat", "the session is already in live chat %q; leave to_livechat out to change only its operator", in.ToLiveChat)
		}
		chatID = in.ToLiveChat
	}
	target, err := getLiveChat(ctx, tx, chatID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field("to_livechat", "live chat %q not found", in.ToLiveChat)
		}
		return nil, err
	}
	if in.ToUser == "" {
		return target, nil
	}
	if in.ToLiveChat == "" && in.ToUser == sess.OperatorID {
		return nil, errs.New(errs.Conflict, "the session is already assigned to user %q", in.ToUser).With("field", "to_user")
	}
	ok, err := isOperator(ctx, tx, target.ID, in.ToUser)
	if err == nil && !ok {
		err = errs.Field("to_user", "user %q is not in an operator group of live chat %q", in.ToUser, target.ID)
	}
	return target, err
}

// writeTransferNote leaves the transfer's note on the session, saying where it went, so that
// the new operator reads it beside the conversation.
func writeTransferNote(ctx context.Context, tx *store.Tx, u *auth.User, sess *Session, in TransferInput) error {
	note := strings.TrimSpace(in.Note)
	if note == "" {
		return nil
	}
	to := "the queue of " + sess.LiveChatName
	if in.ToUser != "" {
		var name string
		if err := tx.QueryRow(ctx, "SELECT display_name FROM users WHERE id = ?", in.ToUser).Scan(&name); err != nil {
			return store.NotFound(err, "user %q not found", in.ToUser)
		}
		to = name
		if in.ToLiveChat != "" {
			to += " in " + sess.LiveChatName
		}
	}
	_, err := insertNote(ctx, tx, u, sess.ID, "Transferred to "+to+": "+note)
	return err
}

// commitTransfer saves the session and appends its events: session_updated under the old live
// chat when the session left it, then session_assigned (to an operator) or session_updated
// (to a queue) under the new one.
func commitTransfer(ctx context.Context, tx *store.Tx, from, sess *Session, u *auth.User) error {
	last, err := lastMessage(ctx, tx, sess)
	if err != nil {
		return err
	}
	by := UserActor(u)
	if from.LiveChatID != sess.LiveChatID {
		left := *sess
		left.LiveChatID, left.LiveChatName = from.LiveChatID, from.LiveChatName
		if err := appendEvents(ctx, tx, &left, snapshotOf(sess, last, tx.Now()), by.String(), sess.eventSeq+1, []string{EventSessionUpdated}); err != nil {
			return err
		}
		sess.eventSeq++
	}
	event := EventSessionUpdated
	if sess.OperatorID != "" {
		event = EventSessionAssigned
	}
	return commitChange(ctx, tx, sess, last, by, event)
}

// TransferTarget is a live chat a session may be transferred to, with its operators.
type TransferTarget struct {
	LiveChatID   string             `json:"live_chat_id"`
	LiveChatName string             `json:"live_chat_name"`
	Operators    []TransferOperator `json:"operators"`
}

// TransferOperator is an operator a session may be handed to, with their presence.
type TransferOperator struct {
	ID          string        `json:"id"`
	DisplayName string        `json:"display_name"`
	Presence    auth.Presence `json:"presence"`
}

// TransferTargets lists, for whoever may transfer the session, every live chat by name with
// its operators: an operator hands a customer to another department whose live chats they
// are not a member of, so the list is not limited to the caller's live chats.
func (s *Service) TransferTargets(ctx context.Context, u *auth.User, sessionID string) (list store.List[*TransferTarget], err error) {
	list.Items = []*TransferTarget{}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		sess, err := getSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		r, err := Standing(ctx, tx, u, sess.LiveChatID)
		if err != nil {
			return err
		}
		r.SessionID, r.ChannelID, r.OperatorID, r.Conceal = sess.ID, sess.ChannelID, sess.OperatorID, "session \""+sess.ID+"\""
		if err := policy.Can(&auth.Principal{User: u}, policy.SessionTransfer, r); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT lc.id, lc.name, COALESCE(u.id, ''), COALESCE(u.display_name, ''), COALESCE(u.presence, '')
			FROM live_chats lc
			LEFT JOIN live_chat_groups lg ON lg.live_chat_id = lc.id AND lg.role = ?
			LEFT JOIN group_members gm ON gm.group_id = lg.group_id
			LEFT JOIN users u ON u.id = gm.user_id
			ORDER BY lc.name, lc.id, u.display_name, u.id`, roleOperator)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t TransferTarget
			var op TransferOperator
			if err := rows.Scan(&t.LiveChatID, &t.LiveChatName, &op.ID, &op.DisplayName, &op.Presence); err != nil {
				return err
			}
			n := len(list.Items)
			if n == 0 || list.Items[n-1].LiveChatID != t.LiveChatID {
				t.Operators = []TransferOperator{}
				list.Items = append(list.Items, &t)
				n++
			}
			last := list.Items[n-1]
			if op.ID != "" && (len(last.Operators) == 0 || last.Operators[len(last.Operators)-1].ID != op.ID) {
				last.Operators = append(last.Operators, op)
			}
		}
		return rows.Err()
	})
	return list, err
}
