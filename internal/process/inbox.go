package process

import (
	"context"
	"encoding/json"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/store"
)

// InboxChannel is the wake-up channel (store.DB.Subscribe) of the task inbox of a user or a
// group, by id: it is notified when a task assigned or offered to it opens, is completed or
// is cancelled. The staff WebSocket turns it into a "tasks_changed" frame, so an inbox is
// live without polling and without sending anyone else's tasks.
func InboxChannel(userOrGroupID string) string { return "tasks:" + userOrGroupID }

// InboxChannels are the channels of every inbox u sees tasks in: their own and their groups'.
func InboxChannels(u *auth.User) []string {
	chans := []string{InboxChannel(u.ID)}
	for _, g := range u.Groups {
		chans = append(chans, InboxChannel(g.ID))
	}
	return chans
}

// notifyInboxes wakes the inboxes a task shows in once tx commits.
func notifyInboxes(ctx context.Context, tx *store.Tx, assignee string, groups []string) error {
	if assignee != "" {
		if err := tx.Notify(ctx, InboxChannel(assignee)); err != nil {
			return err
		}
	}
	for _, g := range groups {
		if err := tx.Notify(ctx, InboxChannel(g)); err != nil {
			return err
		}
	}
	return nil
}

// notifyOpenTaskInboxes wakes the inboxes of the open tasks that where (a condition on
// process_tasks) selects, before a statement cancels them. It writes the run's buffered rows
// first, as runner.exec does, so that a task opened earlier in the same run is seen.
func (r *runner) notifyOpenTaskInboxes(where string, args ...any) error {
	if err := r.b.flush(r.ctx, r.tx); err != nil {
		return err
	}
	ctx, tx := r.ctx, r.tx
	type holder struct {
		assignee string
		groups   []string
	}
	var holders []holder
	rows, err := tx.Query(ctx, "SELECT assignee, group_ids FROM process_tasks WHERE "+where, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h holder
		var gids string
		if err := rows.Scan(&h.assignee, &gids); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(gids), &h.groups) // written by userTask: a JSON array
		holders = append(holders, h)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, h := range holders {
		if err := notifyInboxes(ctx, tx, h.assignee, h.groups); err != nil {
			return err
		}
	}
	return nil
}
