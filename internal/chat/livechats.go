package chat

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// LiveChat is a configured line of communication with its groups and channels.
type LiveChat struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// OperatorGroups and SupervisorGroups are group ids.
	OperatorGroups   []string   `json:"operator_groups"`
	SupervisorGroups []string   `json:"supervisor_groups"`
	Channels         []*Channel `json:"channels"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// NewLiveChat is the input for creating a live chat.
type NewLiveChat struct {
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	OperatorGroups   []string `json:"operator_groups"`
	SupervisorGroups []string `json:"supervisor_groups"`
	// By is the id of the administrator creating it.
	By string `json:"-"`
	// Idempotency, when set, makes a repeat of the same create by the same user return the
	// first result instead of a conflict on the name.
	Idempotency store.Idempotency `json:"-"`
}

// LiveChatPatch changes some of a live chat's fields; nil means unchanged.
type LiveChatPatch struct {
	Name             *string   `json:"name,omitempty"`
	Description      *string   `json:"description,omitempty"`
	OperatorGroups   *[]string `json:"operator_groups,omitempty"`
	SupervisorGroups *[]string `json:"supervisor_groups,omitempty"`
}

// The roles a group plays in a live chat.
const (
	roleOperator   = "operator"
	roleSupervisor = "supervisor"
)

// defaultWidgetName names the widget channel every live chat starts with.
const defaultWidgetName = "Website widget"

func checkLiveChatName(list *errs.List, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		list.Add("name", "is required")
	case utf8.RuneCountInString(name) > 200:
		list.Add("name", "must be at most 200 characters")
	}
}

func checkDescription(list *errs.List, d string) {
	if utf8.RuneCountInString(d) > 2000 {
		list.Add("description", "must be at most 2000 characters")
	}
}

func checkGroups(list *errs.List, field string, ids []string) {
	if len(ids) == 0 {
		list.Add(field, "name at least one group")
	}
}

func (n NewLiveChat) check() error {
	var list errs.List
	checkLiveChatName(&list, n.Name)
	checkDescription(&list, n.Description)
	checkGroups(&list, "operator_groups", n.OperatorGroups)
	checkGroups(&list, "supervisor_groups", n.SupervisorGroups)
	return list.Err()
}

func (p LiveChatPatch) check() error {
	var list errs.List
	if p.Name != nil {
		checkLiveChatName(&list, *p.Name)
	}
	if p.Description != nil {
		checkDescription(&list, *p.Description)
	}
	if p.OperatorGroups != nil {
		checkGroups(&list, "operator_groups", *p.OperatorGroups)
	}
	if p.SupervisorGroups != nil {
		checkGroups(&list, "supervisor_groups", *p.SupervisorGroups)
	}
	return list.Err()
}

// CreateLiveChat adds a live chat with its groups and a widget channel. A taken name is a
// conflict naming the field.
func (s *Service) CreateLiveChat(ctx context.Context, in NewLiveChat) (*LiveChat, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := in.check(); err != nil {
		return nil, err
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "live_chats", IDColumn: "id"},
		func(tx *store.Tx, id string) (*LiveChat, error) { return getLiveChat(ctx, tx, id) },
		func(tx *store.Tx) (*LiveChat, error) { return createLiveChat(ctx, tx, in) })
}

func createLiveChat(ctx context.Context, tx *store.Tx, in NewLiveChat) (*LiveChat, error) {
	id, now := store.NewID("lch"), store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO live_chats (id, name, description, idempotency_key, idempotency_hash, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Name, in.Description, in.Idempotency.KeyArg(), in.Idempotency.HashArg(), in.By, now, now)
	if err != nil {
		return nil, nameConflict(err, in.Name)
	}
	if err := setGroups(ctx, tx, id, roleOperator, "operator_groups", in.OperatorGroups); err != nil {
		return nil, err
	}
	if err := setGroups(ctx, tx, id, roleSupervisor, "supervisor_groups", in.SupervisorGroups); err != nil {
		return nil, err
	}
	if _, err := createChannel(ctx, tx, id, NewChannel{Type: ChannelWidget, Name: defaultWidgetName, By: in.By}); err != nil {
		return nil, err
	}
	if err := auth.Audit(ctx, tx, "livechat.create", "livechat", id, in); err != nil {
		return nil, err
	}
	return getLiveChat(ctx, tx, id)
}

func nameConflict(err error, name string) error {
	if store.IsUnique(err) {
		e := errs.Field("name", "a live chat named %q already exists", name)
		e.Code = errs.Conflict
		return e
	}
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// setGroups replaces the groups that play role in the live chat, checking that each exists.
func setGroups(ctx context.Context, tx *store.Tx, liveChatID, role, field string, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if err := auth.GroupsExist(ctx, tx, field, ids); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM live_chat_groups WHERE live_chat_id = ? AND role = ?", liveChatID, role); err != nil {
		return err
	}
	for _, g := range ids {
		if _, err := tx.Exec(ctx, "INSERT INTO live_chat_groups (live_chat_id, role, group_id) VALUES (?, ?, ?)", liveChatID, role, g); err != nil {
			return err
		}
	}
	return nil
}

// getLiveChat loads one live chat with its groups and live channels.
func getLiveChat(ctx context.Context, tx *store.Tx, id string) (*LiveChat, error) {
	var lc LiveChat
	var created, updated store.Timestamp
	err := tx.QueryRow(ctx, "SELECT id, name, description, created_at, updated_at FROM live_chats WHERE id = ?", id).
		Scan(&lc.ID, &lc.Name, &lc.Description, &created, &updated)
	if err != nil {
		return nil, store.NotFound(err, "live chat %q not found", id)
	}
	lc.CreatedAt, lc.UpdatedAt = created.Time, updated.Time
	if lc.OperatorGroups, err = liveChatGroups(ctx, tx, id, roleOperator); err != nil {
		return nil, err
	}
	if lc.SupervisorGroups, err = liveChatGroups(ctx, tx, id, roleSupervisor); err != nil {
		return nil, err
	}
	lc.Channels, err = liveChatChannels(ctx, tx, id)
	return &lc, err
}

func liveChatGroups(ctx context.Context, tx *store.Tx, id, role string) ([]string, error) {
	return store.Column[string](ctx, tx, "SELECT group_id FROM live_chat_groups WHERE live_chat_id = ? AND role = ? ORDER BY group_id", id, role)
}

// LiveChat returns one live chat the user may see: administrators see every one, others the
// live chats whose operators or supervisors they are.
func (s *Service) LiveChat(ctx context.Context, u *auth.User, id string) (lc *LiveChat, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if lc, err = getLiveChat(ctx, tx, id); err != nil {
			return err
		}
		return allow(ctx, tx, u, policy.LiveChatRead, id)
	})
	return lc, err
}

// LiveChatTx returns one live chat inside the caller's transaction, without permission checks.
func LiveChatTx(ctx context.Context, tx *store.Tx, id string) (*LiveChat, error) {
	return getLiveChat(ctx, tx, id)
}

// LiveChats returns a page of the live chats the user may see, ordered by id.
func (s *Service) LiveChats(ctx context.Context, u *auth.User, p store.Page) (list store.List[*LiveChat], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		q, args := "SELECT id FROM live_chats WHERE id > ?", []any{p.Cursor}
		if !u.IsAdmin() {
			q += " AND id IN (" + memberChatsQuery + ")"
			args = append(args, u.ID)
		}
		ids, err := store.Column[string](ctx, tx, q+" ORDER BY id LIMIT ?", append(args, p.Size()+1)...)
		if err != nil {
			return err
		}
		chats := make([]*LiveChat, 0, len(ids))
		for _, id := range ids {
			lc, err := getLiveChat(ctx, tx, id)
			if err != nil {
				return err
			}
			chats = append(chats, lc)
		}
		list = store.Cut(chats, p, func(lc *LiveChat) string { return lc.ID })
		return nil
	})
	return list, err
}

// UpdateLiveChat changes a live chat's name, description or groups.
func (s *Service) UpdateLiveChat(ctx context.Context, id string, p LiveChatPatch) (lc *LiveChat, err error) {
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		old, err := getLiveChat(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := patchLiveChat(ctx, tx, old, p); err != nil {
			return err
		}
		if err := auth.Audit(ctx, tx, "livechat.update", "livechat", id, p); err != nil {
			return err
		}
		lc, err = getLiveChat(ctx, tx, id)
		return err
	})
	return lc, err
}

func patchLiveChat(ctx context.Context, tx *store.Tx, old *LiveChat, p LiveChatPatch) error {
	forgetSessions(tx) // cached sessions hold what this changes
	_, err := tx.Exec(ctx, "UPDATE live_chats SET name = COALESCE(?, name), description = COALESCE(?, description), updated_at = ? WHERE id = ?",
		p.Name, p.Description, store.TS(tx.Now()), old.ID)
	if err != nil && p.Name != nil {
		return nameConflict(err, *p.Name)
	}
	if err != nil {
		return err
	}
	if p.OperatorGroups != nil {
		if err := setGroups(ctx, tx, old.ID, roleOperator, "operator_groups", *p.OperatorGroups); err != nil {
			return err
		}
	}
	if p.SupervisorGroups != nil {
		return setGroups(ctx, tx, old.ID, roleSupervisor, "supervisor_groups", *p.SupervisorGroups)
	}
	return nil
}

// DeleteLiveChat removes a live chat that has never had a session. One with sessions is kept
// (conflict), because its messages must not be lost.
func (s *Service) DeleteLiveChat(ctx context.Context, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		lc, err := getLiveChat(ctx, tx, id)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM sessions WHERE live_chat_id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "live chat %q has %d sessions and cannot be deleted: their messages would be lost", lc.Name, n).With("sessions", n)
		}
		if err := revokeChannelKeys(ctx, tx, id); err != nil {
			return err
		}
		forgetSessions(tx) // cached sessions hold what this changes
		if _, err = tx.Exec(ctx, "DELETE FROM live_chats WHERE id = ?", id); err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "livechat.delete", "livechat", id, map[string]string{"name": lc.Name})
	})
}
