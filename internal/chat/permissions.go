package chat

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// memberChatsQuery selects the ids of the live chats whose operator or supervisor groups hold
// the user given as its one argument.
const memberChatsQuery = `SELECT lg.live_chat_id FROM live_chat_groups lg
	JOIN group_members gm ON gm.group_id = lg.group_id WHERE gm.user_id = ?`

// roles are what a user is in one live chat.
type roles struct{ admin, supervisor, operator bool }

func rolesIn(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) (roles, error) {
	r := roles{admin: u.IsAdmin()}
	rows, err := tx.Query(ctx, `SELECT DISTINCT lg.role FROM live_chat_groups lg
		JOIN group_members gm ON gm.group_id = lg.group_id WHERE lg.live_chat_id = ? AND gm.user_id = ?`, liveChatID, u.ID)
	if err != nil {
		return r, err
	}
	names, err := scanStrings(rows)
	for _, n := range names {
		r.supervisor = r.supervisor || n == roleSupervisor
		r.operator = r.operator || n == roleOperator
	}
	return r, err
}

func errNotMember(liveChatID string) error {
	return errs.New(errs.Forbidden, "you are not an operator or supervisor of live chat %q", liveChatID)
}

// canSeeLiveChat allows administrators and the live chat's operators and supervisors, whatever
// their presence: reading is always allowed.
func canSeeLiveChat(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) error {
	r, err := rolesIn(ctx, tx, u, liveChatID)
	if err == nil && !r.admin && !r.supervisor && !r.operator {
		return errNotMember(liveChatID)
	}
	return err
}

// canWorkIn allows administrators, supervisors, and operators who are not offline: an offline
// operator can only read. It guards the actions DOMAIN.md gives supervisors as well as
// operators: close, mark spam, change the priority, start a process by hand.
func canWorkIn(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) error {
	r, err := rolesIn(ctx, tx, u, liveChatID)
	switch {
	case err != nil:
		return err
	case r.admin || r.supervisor:
		return nil
	case !r.operator:
		return errNotMember(liveChatID)
	}
	return checkOnline(u)
}

// canTake allows only a user who may become the session's operator: a member of an operator
// group of the live chat who is not offline. Administrators and supervisors are no exception,
// because Assign holds every operator to the same rule; they assign the session instead.
func canTake(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) error {
	r, err := rolesIn(ctx, tx, u, liveChatID)
	switch {
	case err != nil:
		return err
	case !r.operator:
		return errNotOperator(liveChatID, "take a session; assign it to one of them instead")
	}
	return checkOnline(u)
}

// canReply allows administrators and the live chat's operators who are not offline. DOMAIN.md
// lets supervisors see, assign, close and mark spam, but answering customers is operators'
// work: a supervisor replies only when also in an operator group.
func canReply(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) error {
	r, err := rolesIn(ctx, tx, u, liveChatID)
	switch {
	case err != nil:
		return err
	case r.admin:
		return nil
	case r.operator:
		return checkOnline(u)
	case r.supervisor:
		return errNotOperator(liveChatID, "reply")
	}
	return errNotMember(liveChatID)
}

// checkOnline refuses an offline user: an offline operator can only read.
func checkOnline(u *auth.User) error {
	if u.Presence == auth.Offline {
		return errs.New(errs.Forbidden, "you are offline, and an offline operator can only read: set your presence to online first").
			With("reason", "offline")
	}
	return nil
}

// errNotOperator refuses someone who is not in an operator group of the live chat an action
// only its operators may do; details {"reason": "not_operator"} let a client say why.
func errNotOperator(liveChatID, what string) error {
	return errs.New(errs.Forbidden, "you are not an operator of live chat %q: only members of its operator groups may %s", liveChatID, what).
		With("reason", "not_operator")
}

// canSupervise allows administrators and the live chat's supervisors to do what only they may.
func canSupervise(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID, what string) error {
	r, err := rolesIn(ctx, tx, u, liveChatID)
	if err == nil && !r.admin && !r.supervisor {
		return errs.New(errs.Forbidden, "only supervisors of live chat %q and administrators may %s", liveChatID, what)
	}
	return err
}

// CanWork checks that the user may act in the session — close, mark spam, start a process by
// hand: an operator of its live chat who is not offline, one of its supervisors, or an
// administrator. Taking and replying are narrower (see authorize). An offline operator gets forbidden with details {"reason": "offline"}.
// Whether the session is spam is the caller's business.
func CanWork(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) error {
	var liveChatID string
	err := tx.QueryRow(ctx, "SELECT live_chat_id FROM sessions WHERE id = ?", sessionID).Scan(&liveChatID)
	if err != nil {
		return store.NotFound(err, "session %q not found", sessionID)
	}
	return canWorkIn(ctx, tx, u, liveChatID)
}

// CanSee checks that the user may read the session: an operator (of any presence) or
// supervisor of its live chat, or an administrator.
func CanSee(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) error {
	var liveChatID string
	err := tx.QueryRow(ctx, "SELECT live_chat_id FROM sessions WHERE id = ?", sessionID).Scan(&liveChatID)
	if err != nil {
		return store.NotFound(err, "session %q not found", sessionID)
	}
	return canSeeLiveChat(ctx, tx, u, liveChatID)
}

// VisibleLiveChats returns the ids of the live chats whose sessions the user may see; all is
// true for administrators, who see every live chat, including ones created later.
func VisibleLiveChats(ctx context.Context, tx *store.Tx, u *auth.User) (ids []string, all bool, err error) {
	if u.IsAdmin() {
		return nil, true, nil
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT live_chat_id FROM ("+memberChatsQuery+") m", u.ID)
	if err != nil {
		return nil, false, err
	}
	ids, err = scanStrings(rows)
	return ids, false, err
}
