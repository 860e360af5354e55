package process

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// The engine's answers to "who sees this instance or task" (DOMAIN.md): administrators, the
// staff of the live chat whose session the instance is linked to, and a task's assignee and
// candidates. Both are concealed: whoever has no business with them is told they do not exist.

// instanceResource returns the policy's facts about the instance for the user: their standing
// in the linked session's live chat, and whether any task of the instance is theirs.
func instanceResource(ctx context.Context, tx *store.Tx, u *auth.User, id string) (policy.Resource, error) {
	var sessionID string
	err := tx.QueryRow(ctx, "SELECT session_id FROM process_instances WHERE id = ?", id).Scan(&sessionID)
	if err != nil {
		return policy.Resource{}, store.NotFound(err, "instance %q not found", id)
	}
	r, err := linkedSession(ctx, tx, u, sessionID)
	if err != nil || u == nil {
		return r, err
	}
	r.Assignee, err = tx.Exists(ctx, `SELECT 1 FROM process_tasks t WHERE t.instance_id = ? AND (t.assignee = ?
		OR t.id IN (SELECT task_id FROM process_task_groups WHERE group_id IN (SELECT group_id FROM group_members WHERE user_id = ?)))`,
		id, u.ID, u.ID)
	r.Conceal = "instance \"" + id + "\""
	return r, err
}

// linkedSession is the user's standing in the live chat of the session an instance is linked
// to; an instance without a session belongs to no live chat.
func linkedSession(ctx context.Context, tx *store.Tx, u *auth.User, sessionID string) (policy.Resource, error) {
	if sessionID == "" {
		return policy.Resource{}, nil
	}
	r, err := chat.SessionResource(ctx, tx, u, sessionID)
	if errs.Is(err, errs.NotFound) {
		return policy.Resource{}, nil // the session was deleted with its live chat
	}
	r.SessionID, r.ChannelID = "", ""
	return r, err
}

// taskResource returns the policy's facts about the task for the user.
func taskResource(ctx context.Context, tx *store.Tx, u *auth.User, t *Task) (policy.Resource, error) {
	var sessionID string
	err := tx.QueryRow(ctx, "SELECT session_id FROM process_instances WHERE id = ?", t.InstanceID).Scan(&sessionID)
	if err != nil {
		return policy.Resource{}, store.NotFound(err, "instance %q not found", t.InstanceID)
	}
	r, err := linkedSession(ctx, tx, u, sessionID)
	if u != nil {
		r.Assignee = (t.Assignee != "" && t.Assignee == u.ID) || u.InAnyGroup(t.Groups)
	}
	r.Conceal = "task \"" + t.ID + "\""
	return r, err
}

// allowTask asks the policy whether the caller may do the action on the task.
func allowTask(ctx context.Context, tx *store.Tx, a policy.Action, t *Task) error {
	p := auth.FromContext(ctx)
	var u *auth.User
	if p != nil {
		u = p.User
	}
	r, err := taskResource(ctx, tx, u, t)
	if err != nil {
		return err
	}
	return policy.Can(p, a, r)
}
