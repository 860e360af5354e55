package auth

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// NewUser is the input for creating a user.
type NewUser struct {
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	// By is the id of the administrator creating the user; Idempotency makes a repeat of the
	// same create by them return the first user instead of a conflict on the login.
	By          string            `json:"-"`
	Idempotency store.Idempotency `json:"-"`
}

// UserPatch changes some of a user's fields; nil means unchanged.
type UserPatch struct {
	DisplayName *string `json:"display_name,omitempty"`
	Email       *string `json:"email,omitempty"`
	Password    *string `json:"password,omitempty"`
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// The check functions add what is wrong with one field to a list, so that a user sees every
// mistake of a form at once.

func checkLogin(list *errs.List, login string) {
	switch {
	case login == "":
		list.Add("login", "is required")
	case !loginPattern.MatchString(login):
		list.Add("login", "use 1-64 lower-case letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
	}
}

func checkDisplayName(list *errs.List, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		list.Add("display_name", "is required")
	case utf8.RuneCountInString(name) > 200:
		list.Add("display_name", "must be at most 200 characters")
	}
}

func checkEmail(list *errs.List, email string) {
	if email == "" {
		return
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		list.Add("email", "%q is not an email address", email)
	}
}

func checkPassword(list *errs.List, pw string) {
	switch {
	case len(pw) < 8:
		list.Add("password", "must be at least 8 characters")
	case len(pw) > 72:
		list.Add("password", "must be at most 72 bytes")
	}
}

func (n NewUser) check() error {
	var list errs.List
	checkLogin(&list, n.Login)
	checkDisplayName(&list, n.DisplayName)
	checkEmail(&list, n.Email)
	checkPassword(&list, n.Password)
	return list.Err()
}

// CreateUser adds a user with a hashed password. A taken login is a conflict.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.BcryptCost)
	if err != nil {
		return nil, err
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "users", IDColumn: "id"},
		func(tx *store.Tx, id string) (*User, error) { return getUser(ctx, tx, id) },
		func(tx *store.Tx) (*User, error) {
			id, now := store.NewID("usr"), store.TS(tx.Now())
			_, err := tx.Exec(ctx, `INSERT INTO users (id, login, display_name, email, password_hash, presence, created_by,
				idempotency_key, idempotency_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'offline', ?, ?, ?, ?, ?)`,
				id, in.Login, in.DisplayName, in.Email, string(hash), nullable(in.By), in.Idempotency.KeyArg(), in.Idempotency.HashArg(), now, now)
			if errs.Is(err, errs.Conflict) {
				e := errs.Field("login", "%q is already taken", in.Login)
				e.Code = errs.Conflict
				return nil, e
			}
			if err != nil {
				return nil, err
			}
			if err := Audit(ctx, tx, "user.create", "user", id, map[string]string{"login": in.Login}); err != nil {
				return nil, err
			}
			return getUser(ctx, tx, id)
		})
}

// nullable stores "" as NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const userColumns = `id, login, display_name, email, presence, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var created, updated store.Timestamp
	if err := row.Scan(&u.ID, &u.Login, &u.DisplayName, &u.Email, &u.Presence, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	return &u, nil
}

// getUser loads one user with their groups.
func getUser(ctx context.Context, tx *store.Tx, id string) (*User, error) {
	u, err := scanUser(tx.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, store.NotFound(err, "user %q not found", id)
	}
	u.Groups, err = userGroups(ctx, tx, id)
	return u, err
}

func userGroups(ctx context.Context, tx *store.Tx, userID string) ([]GroupRef, error) {
	rows, err := tx.Query(ctx, `SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id
		WHERE m.user_id = ? ORDER BY g.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []GroupRef{}
	for rows.Next() {
		var g GroupRef
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// User returns one user.
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	var u *User
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		u, err = getUser(ctx, tx, id)
		return err
	})
	return u, err
}

// UserTx returns one user inside the caller's transaction.
func UserTx(ctx context.Context, tx *store.Tx, id string) (*User, error) { return getUser(ctx, tx, id) }

// Users returns a page of users ordered by id.
func (s *Service) Users(ctx context.Context, p store.Page) (store.List[*User], error) {
	var list store.List[*User]
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+userColumns+" FROM users WHERE id > ? ORDER BY id LIMIT ?", p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		var users []*User
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
		}
		rows.Close()
		for _, u := range users {
			if u.Groups, err = userGroups(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		list = store.Cut(users, p, func(u *User) string { return u.ID })
		return rows.Err()
	})
	return list, err
}

// UpdateUser changes a user's display name, email or password.
func (s *Service) UpdateUser(ctx context.Context, id string, p UserPatch) (*User, error) {
	var list errs.List
	checkSome(&list, p.DisplayName, checkDisplayName)
	checkSome(&list, p.Email, checkEmail)
	checkSome(&list, p.Password, checkPassword)
	if err := list.Err(); err != nil {
		return nil, err
	}
	var hash []byte
	if p.Password != nil {
		var err error
		if hash, err = bcrypt.GenerateFromPassword([]byte(*p.Password), s.BcryptCost); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := getUser(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE users SET display_name = COALESCE(?, display_name), email = COALESCE(?, email),
			password_hash = COALESCE(?, password_hash), updated_at = ? WHERE id = ?`,
			p.DisplayName, p.Email, nullString(hash), store.TS(tx.Now()), id)
		if err != nil {
			return err
		}
		if p.Password != nil {
			// A new password ends every login made with the old one.
			if _, err := tx.Exec(ctx, "UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", store.TS(tx.Now()), id); err != nil {
				return err
			}
		}
		if err := Audit(ctx, tx, "user.update", "user", id, p.changed()); err != nil {
			return err
		}
		u, err = getUser(ctx, tx, id)
		return err
	})
	return u, err
}

func checkSome(list *errs.List, v *string, check func(*errs.List, string)) {
	if v != nil {
		check(list, *v)
	}
}

func nullString(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// DeleteUser removes a user. The last administrator cannot be removed: nobody could
// configure Parley afterwards.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsAdmin() {
			if err := ensureOtherAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err = tx.Exec(ctx, "DELETE FROM users WHERE id = ?", id); err != nil {
			return err
		}
		return Audit(ctx, tx, "user.delete", "user", id, map[string]string{"login": u.Login})
	})
}

// changed names the fields a patch changes, for the audit trail: never the password itself.
func (p UserPatch) changed() map[string]any {
	out := map[string]any{}
	if p.DisplayName != nil {
		out["display_name"] = *p.DisplayName
	}
	if p.Email != nil {
		out["email"] = *p.Email
	}
	if p.Password != nil {
		out["password"] = "changed"
	}
	return out
}

func ensureOtherAdmin(ctx context.Context, tx *store.Tx, id string) error {
	other, err := tx.Exists(ctx, "SELECT 1 FROM group_members WHERE group_id = ? AND user_id <> ?", AdministratorsID, id)
	if err == nil && !other {
		return errs.New(errs.Conflict, "this is the last administrator; add another one first")
	}
	return err
}

// SetPresence sets a user's presence.
func (s *Service) SetPresence(ctx context.Context, id string, p Presence) (u *User, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		u, err = SetPresenceTx(ctx, tx, id, p)
		return err
	})
	return u, err
}

// SetPresenceTx sets a user's presence inside the caller's transaction, so that the chat can
// route waiting sessions to an operator who comes online in the same transaction.
func SetPresenceTx(ctx context.Context, tx *store.Tx, id string, p Presence) (*User, error) {
	if p != Online && p != Away && p != Offline {
		return nil, errs.Field("presence", "must be online, away or offline, not %q", p)
	}
	res, err := tx.Exec(ctx, "UPDATE users SET presence = ?, updated_at = ? WHERE id = ?", string(p), store.TS(tx.Now()), id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.New(errs.NotFound, "user %q not found", id)
	}
	return getUser(ctx, tx, id)
}

// UserByLogin finds a user by login.
func (s *Service) UserByLogin(ctx context.Context, login string) (*User, error) {
	var u *User
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, "SELECT id FROM users WHERE login = ?", login).Scan(&id); err != nil {
			return store.NotFound(err, "no user with login %q", login)
		}
		var err error
		u, err = getUser(ctx, tx, id)
		return err
	})
	return u, err
}
