package chat

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Action is something done to a session by the company's side.
type Action string

// The actions of the session lifecycle (DOMAIN.md). A customer's message is not an action: it
// is always stored, and reopens a closed session.
const (
	ActionTake     Action = "take"
	ActionAssign   Action = "assign"
	ActionClose    Action = "close"
	ActionSpam     Action = "spam"
	ActionUnspam   Action = "unspam"
	ActionReply    Action = "reply"
	ActionPriority Action = "priority"
	// actionAutoReply is a process's or the system's reply, which may follow a closing.
	actionAutoReply Action = "auto_reply"
)

// allowedFrom is the state machine: the states each action may start from.
var allowedFrom = map[Action][]State{
	ActionTake:      {Waiting},
	ActionAssign:    {Waiting, Assigned},
	ActionClose:     {Waiting, Assigned},
	ActionSpam:      {Waiting, Assigned},
	ActionUnspam:    {Spam},
	ActionReply:     {Waiting, Assigned},
	ActionPriority:  {Waiting, Assigned},
	actionAutoReply: {Waiting, Assigned, Closed},
}

// verbs phrase an action for the conflict message.
var verbs = map[Action]string{
	ActionTake: "take it", ActionAssign: "assign it", ActionClose: "close it", ActionSpam: "mark it as spam",
	ActionUnspam: "remove it from spam", ActionReply: "reply", ActionPriority: "change its priority",
	actionAutoReply: "post a message",
}

// CheckTransition says whether the action may be done to a session in state from: nil, or a
// conflict that names the current state (message and details {"state": ...}).
func CheckTransition(from State, a Action) error {
	if slices.Contains(allowedFrom[a], from) {
		return nil
	}
	allowed := make([]string, len(allowedFrom[a]))
	for i, st := range allowedFrom[a] {
		allowed[i] = string(st)
	}
	msg := "the session is " + string(from) + ": cannot " + verbs[a] + " (only a " + strings.Join(allowed, " or ") + " session)"
	if from == Closed && a == ActionReply {
		msg += "; the customer reopens it by writing again"
	}
	return errs.New(errs.Conflict, "%s", msg).With("state", string(from))
}

// authorize asks the policy who may do the action in the session's live chat (operators work
// only while not offline; assigning and removing from spam is for supervisors and
// administrators; taking only for the live chat's operators, since the taker becomes the
// session's operator). Processes, the system and the API act with rights their caller has
// checked, but only a person can take a session.
func authorize(ctx context.Context, tx *store.Tx, sess *Session, by Actor, a Action) error {
	if by.Kind != ActorUser {
		if a == ActionTake {
			return errs.New(errs.Invalid, "only a staff user can take a session; assign it instead")
		}
		return nil
	}
	if by.User == nil {
		return errs.New(errs.Unauthorized, "log in as a staff user")
	}
	return allowInSession(ctx, tx, by.User, policyAction[a], sess)
}

// policyAction names each lifecycle action in the policy's words.
var policyAction = map[Action]policy.Action{
	ActionTake: policy.SessionTake, ActionAssign: policy.SessionAssign, ActionClose: policy.SessionClose,
	ActionSpam: policy.SessionSpam, ActionUnspam: policy.SessionUnspam, ActionReply: policy.SessionReply,
	ActionPriority: policy.SessionUpdate, actionAutoReply: policy.SessionReply,
}

// change runs one lifecycle action inside tx: lock the session, check the actor and the
// state machine, apply the change, save it and append its event.
func change(ctx context.Context, tx *store.Tx, id string, by Actor, a Action, event string, apply func(*Session) error) (*Session, error) {
	sess, err := lockSession(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := authorize(ctx, tx, sess, by, a); err != nil {
		return nil, err
	}
	if err := CheckTransition(sess.State, a); err != nil {
		return nil, err
	}
	if err := apply(sess); err != nil {
		return nil, err
	}
	last, err := lastMessage(ctx, tx, sess)
	if err != nil {
		return nil, err
	}
	return sess, commitChange(ctx, tx, sess, last, by, event)
}

// run is the transaction shell of the lifecycle methods.
func (s *Service) run(ctx context.Context, fn func(tx *store.Tx) (*Session, error)) (sess *Session, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		sess, err = fn(tx)
		return err
	})
	return sess, err
}

// Take makes the acting user the operator of a waiting session. Only a member of an operator
// group of the live chat who is not offline may take, so that a taken session has the same
// kind of operator an assigned one has.
func (s *Service) Take(ctx context.Context, id string, by Actor) (*Session, error) {
	return s.run(ctx, func(tx *store.Tx) (*Session, error) {
		return change(ctx, tx, id, by, ActionTake, EventSessionAssigned, func(sess *Session) error {
			sess.State, sess.OperatorID, sess.routedAt = Assigned, by.User.ID, time.Time{}
			return nil
		})
	})
}

// Assign makes operatorID the session's operator; see AssignTx.
func (s *Service) Assign(ctx context.Context, id, operatorID string, by Actor) (*Session, error) {
	return s.run(ctx, func(tx *store.Tx) (*Session, error) { return s.AssignTx(ctx, tx, id, operatorID, by) })
}

// AssignTx makes operatorUserID, who must be in an operator group of the live chat, the
// session's operator inside the caller's transaction: a waiting session becomes assigned, an
// assigned one changes hands.
func (s *Service) AssignTx(ctx context.Context, tx *store.Tx, id, operatorUserID string, by Actor) (*Session, error) {
	return change(ctx, tx, id, by, ActionAssign, EventSessionAssigned, func(sess *Session) error {
		if err := checkOperator(ctx, tx, sess.LiveChatID, operatorUserID); err != nil {
			return err
		}
		// A person chose this operator: the hand-on time of routing no longer applies.
		sess.State, sess.OperatorID, sess.routedAt = Assigned, operatorUserID, time.Time{}
		return nil
	})
}

func checkOperator(ctx context.Context, tx *store.Tx, liveChatID, userID string) error {
	if userID == "" {
		return errs.Field("operator", "is required: the id of the user to assign")
	}
	ok, err := isOperator(ctx, tx, liveChatID, userID)
	if err == nil && !ok {
		return errs.Field("operator", "user %q is not in an operator group of live chat %q", userID, liveChatID)
	}
	return err
}

// isOperator reports whether the user is in an operator group of the live chat.
func isOperator(ctx context.Context, tx *store.Tx, liveChatID, userID string) (bool, error) {
	return tx.Exists(ctx, `SELECT 1 FROM live_chat_groups lg JOIN group_members gm ON gm.group_id = lg.group_id
		WHERE lg.live_chat_id = ? AND lg.role = ? AND gm.user_id = ?`, liveChatID, roleOperator, userID)
}

// OperatorsOnlineTx reports whether any member of the live chat's operator groups is online:
// what the widget tells customers before they write.
func OperatorsOnlineTx(ctx context.Context, tx *store.Tx, liveChatID string) (bool, error) {
	return tx.Exists(ctx, `SELECT 1 FROM live_chat_groups lg JOIN group_members gm ON gm.group_id = lg.group_id
		JOIN users u ON u.id = gm.user_id WHERE lg.live_chat_id = ? AND lg.role = ? AND u.presence = ?`,
		liveChatID, roleOperator, string(auth.Online))
}

// Close closes the session; see CloseTx.
func (s *Service) Close(ctx context.Context, id string, by Actor) (*Session, error) {
	return s.run(ctx, func(tx *store.Tx) (*Session, error) { return s.CloseTx(ctx, tx, id, by) })
}

// CloseTx closes a waiting or assigned session inside the caller's transaction and appends
// session_closed. The operator stays recorded as the one who handled it.
func (s *Service) CloseTx(ctx context.Context, tx *store.Tx, id string, by Actor) (*Session, error) {
	sess, err := change(ctx, tx, id, by, ActionClose, EventSessionClosed, func(sess *Session) error {
		now := tx.Now()
		sess.State, sess.ClosedAt, sess.LastActivityAt = Closed, &now, now
		return nil
	})
	return sess, freedSlot(ctx, tx, sess, err)
}

// freedSlot routes the live chat's queue after a change took a session off its operator's
// hands (close, spam), since that operator may have room now.
func freedSlot(ctx context.Context, tx *store.Tx, sess *Session, err error) error {
	if err != nil || sess.routing == RoutingManual {
		return err
	}
	return drainQueue(ctx, tx, sess.LiveChatID)
}

// MarkSpam marks a waiting or assigned session as spam. It remembers the state, operator and
// priority for RemoveSpam, unassigns the operator and lowers the priority, so that spam
// leaves every queue.
func (s *Service) MarkSpam(ctx context.Context, id string, by Actor) (*Session, error) {
	return s.run(ctx, func(tx *store.Tx) (*Session, error) {
		sess, err := change(ctx, tx, id, by, ActionSpam, EventSessionSpam, func(sess *Session) error {
			sess.spamState, sess.spamOperator, sess.spamPriority = sess.State, sess.OperatorID, sess.Priority
			sess.State, sess.OperatorID, sess.Priority = Spam, "", Low
			return nil
		})
		return sess, freedSlot(ctx, tx, sess, err)
	})
}

// RemoveSpam restores the state, operator and priority a spam session had. An operator who
// has been deleted meanwhile cannot come back: the session then waits in the queue.
func (s *Service) RemoveSpam(ctx context.Context, id string, by Actor) (*Session, error) {
	return s.run(ctx, func(tx *store.Tx) (*Session, error) {
		return change(ctx, tx, id, by, ActionUnspam, EventSessionUnspam, func(sess *Session) error {
			sess.State, sess.OperatorID, sess.Priority = sess.spamState, sess.spamOperator, sess.spamPriority
			sess.spamState, sess.spamOperator, sess.spamPriority = "", "", ""
			if sess.OperatorID == "" {
				return nil
			}
			ok, err := tx.Exists(ctx, "SELECT 1 FROM users WHERE id = ?", sess.OperatorID)
			if err == nil && !ok {
				sess.State, sess.OperatorID = Waiting, ""
			}
			return err
		})
	})
}

// SetPriority changes a waiting or assigned session's priority.
func (s *Service) SetPriority(ctx context.Context, id string, p Priority, by Actor) (*Session, error) {
	if !p.valid() {
		return nil, errs.Field("priority", "must be low, medium or high, not %q", p)
	}
	return s.run(ctx, func(tx *store.Tx) (*Session, error) {
		return change(ctx, tx, id, by, ActionPriority, EventSessionUpdated, func(sess *Session) error {
			sess.Priority = p
			return nil
		})
	})
}
