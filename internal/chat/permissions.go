package chat

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/store"
)

// memberChatsQuery selects the ids of the live chats whose operator or supervisor groups hold
// the user given as its one argument.
const memberChatsQuery = `SELECT lg.live_chat_id FROM live_chat_groups lg
	JOIN group_members gm ON gm.group_id = lg.group_id WHERE gm.user_id = ?`

// Standing returns what the user is in the live chat — operator, supervisor — as the facts
// the policy decides on. Administrators are recognised by the policy itself.
func Standing(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) (policy.Resource, error) {
	var r policy.Resource
	if u == nil {
		return r, nil
	}
	names, err := store.Column[string](ctx, tx, `SELECT DISTINCT lg.role FROM live_chat_groups lg
		JOIN group_members gm ON gm.group_id = lg.group_id WHERE lg.live_chat_id = ? AND gm.user_id = ?`, liveChatID, u.ID)
	for _, n := range names {
		r.Supervisor = r.Supervisor || n == roleSupervisor
		r.Operator = r.Operator || n == roleOperator
	}
	return r, err
}

// SessionResource returns the facts the policy decides on for the session: the caller's
// standing in its live chat, the session itself (for its visitor) and its channel (for the
// channel's key). A session is concealed: who has no business with it is told it does not
// exist. An unknown session is not found.
func SessionResource(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) (policy.Resource, error) {
	var liveChatID, channelID string
	err := tx.QueryRow(ctx, "SELECT live_chat_id, channel_id FROM sessions WHERE id = ?", sessionID).Scan(&liveChatID, &channelID)
	if err != nil {
		return policy.Resource{}, store.NotFound(err, "session %q not found", sessionID)
	}
	r, err := Standing(ctx, tx, u, liveChatID)
	r.SessionID, r.ChannelID, r.Conceal = sessionID, channelID, "session \""+sessionID+"\""
	return r, err
}

// allow asks the policy whether the user may do the action in the live chat.
func allow(ctx context.Context, tx *store.Tx, u *auth.User, a policy.Action, liveChatID string) error {
	r, err := Standing(ctx, tx, u, liveChatID)
	if err != nil {
		return err
	}
	return policy.Can(&auth.Principal{User: u}, a, r)
}

// allowInSession asks the policy whether the user may do the action in the session; a
// session of a live chat the user has nothing to do with is not found.
func allowInSession(ctx context.Context, tx *store.Tx, u *auth.User, a policy.Action, sess *Session) error {
	r, err := Standing(ctx, tx, u, sess.LiveChatID)
	if err != nil {
		return err
	}
	r.SessionID, r.ChannelID, r.Conceal = sess.ID, sess.ChannelID, "session \""+sess.ID+"\""
	return policy.Can(&auth.Principal{User: u}, a, r)
}

// Can asks the policy whether the user may do the action in the session (such as
// policy.SessionStart); an offline operator gets forbidden with details {"reason": "offline"}.
// Whether the session is spam is the caller's business.
func Can(ctx context.Context, tx *store.Tx, u *auth.User, a policy.Action, sessionID string) error {
	r, err := SessionResource(ctx, tx, u, sessionID)
	if err != nil {
		return err
	}
	return policy.Can(&auth.Principal{User: u}, a, r)
}

// CanWork checks that the user may act in the session — close, mark spam, start a process by
// hand (policy.SessionStart).
func CanWork(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) error {
	return Can(ctx, tx, u, policy.SessionStart, sessionID)
}

// CanSee checks that the user may read the session (policy.SessionRead).
func CanSee(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) error {
	return Can(ctx, tx, u, policy.SessionRead, sessionID)
}

// VisibleLiveChats returns the ids of the live chats whose sessions the user may see; all is
// true for administrators, who see every live chat, including ones created later.
func VisibleLiveChats(ctx context.Context, tx *store.Tx, u *auth.User) (ids []string, all bool, err error) {
	if u.IsAdmin() {
		return nil, true, nil
	}
	ids, err = store.Column[string](ctx, tx, "SELECT DISTINCT live_chat_id FROM ("+memberChatsQuery+") m", u.ID)
	return ids, false, err
}
