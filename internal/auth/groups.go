package auth

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// NewGroup is the input for creating a group.
type NewGroup struct {
	Name string `json:"name"`
	// By is the id of the administrator creating the group; Idempotency makes a repeat of the
	// same create by them return the first group instead of a conflict on the name.
	By          string            `json:"-"`
	Idempotency store.Idempotency `json:"-"`
}

// CreateGroup adds a group; names are unique.
func (s *Service) CreateGroup(ctx context.Context, name string) (*Group, error) {
	return s.AddGroup(ctx, NewGroup{Name: name})
}

// AddGroup adds a group as an administrator's request; names are unique.
func (s *Service) AddGroup(ctx context.Context, in NewGroup) (*Group, error) {
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return nil, errs.Field("name", "is required")
	case utf8.RuneCountInString(name) > 100:
		return nil, errs.Field("name", "must be at most 100 characters")
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "groups", IDColumn: "id"},
		func(tx *store.Tx, id string) (*Group, error) { return getGroup(ctx, tx, id) },
		func(tx *store.Tx) (*Group, error) {
			id := store.NewID("grp")
			_, err := tx.Exec(ctx, `INSERT INTO groups (id, name, builtin, created_by, idempotency_key, idempotency_hash, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, name, false, nullable(in.By), in.Idempotency.KeyArg(), in.Idempotency.HashArg(), store.TS(tx.Now()))
			if errs.Is(err, errs.Conflict) {
				e := errs.Field("name", "a group named %q already exists", name)
				e.Code = errs.Conflict
				return nil, e
			}
			if err != nil {
				return nil, err
			}
			if err := Audit(ctx, tx, "group.create", "group", id, map[string]string{"name": name}); err != nil {
				return nil, err
			}
			return getGroup(ctx, tx, id)
		})
}

func getGroup(ctx context.Context, tx *store.Tx, id string) (*Group, error) {
	var g Group
	var created store.Timestamp
	err := tx.QueryRow(ctx, "SELECT id, name, builtin, created_at FROM groups WHERE id = ?", id).Scan(&g.ID, &g.Name, &g.Builtin, &created)
	if err != nil {
		return nil, store.NotFound(err, "group %q not found", id)
	}
	g.CreatedAt = created.Time
	rows, err := tx.Query(ctx, "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	g.Members = []string{}
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			return nil, err
		}
		g.Members = append(g.Members, uid)
	}
	return &g, rows.Err()
}

// GroupTx returns a group inside the caller's transaction.
func GroupTx(ctx context.Context, tx *store.Tx, id string) (*Group, error) {
	return getGroup(ctx, tx, id)
}

// Group returns one group with its members.
func (s *Service) Group(ctx context.Context, id string) (*Group, error) {
	var g *Group
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		g, err = getGroup(ctx, tx, id)
		return err
	})
	return g, err
}

// GroupByName finds a group by its name.
func (s *Service) GroupByName(ctx context.Context, name string) (*Group, error) {
	var g *Group
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, "SELECT id FROM groups WHERE name = ?", name).Scan(&id); err != nil {
			return store.NotFound(err, "group %q not found", name)
		}
		var err error
		g, err = getGroup(ctx, tx, id)
		return err
	})
	return g, err
}

// Groups returns a page of groups ordered by id.
func (s *Service) Groups(ctx context.Context, p store.Page) (store.List[*Group], error) {
	var list store.List[*Group]
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM groups WHERE id > ? ORDER BY id LIMIT ?", p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		groups := make([]*Group, 0, len(ids))
		for _, id := range ids {
			g, err := getGroup(ctx, tx, id)
			if err != nil {
				return err
			}
			groups = append(groups, g)
		}
		list = store.Cut(groups, p, func(g *Group) string { return g.ID })
		return nil
	})
	return list, err
}

// AddMember puts a user into a group; adding twice is harmless.
func (s *Service) AddMember(ctx context.Context, groupID, userID string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		if _, err := getUser(ctx, tx, userID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", groupID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already a member: nothing changed
		}
		return Audit(ctx, tx, "group.add_member", "group", groupID, map[string]string{"user_id": userID})
	})
}

// RemoveMember takes a user out of a group. The last administrator stays.
func (s *Service) RemoveMember(ctx context.Context, groupID, userID string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		if groupID == AdministratorsID {
			if err := ensureOtherAdmin(ctx, tx, userID); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "user %q is not a member of group %q", userID, groupID)
		}
		return Audit(ctx, tx, "group.remove_member", "group", groupID, map[string]string{"user_id": userID})
	})
}

// GroupsExist checks that every id names a group, naming the field and the missing ids.
func GroupsExist(ctx context.Context, tx *store.Tx, field string, ids []string) error {
	for _, id := range ids {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM groups WHERE id = ?", id)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Field(field, "group %q does not exist", id)
		}
	}
	return nil
}
