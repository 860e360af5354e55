package workspace

import (
	"context"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// NewApp is the input for creating an app.
type NewApp struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// TitleField names the field whose value titles an item. Empty means the first string
	// field, or the first field when there is no string field.
	TitleField string     `json:"title_field,omitempty"`
	Fields     []NewField `json:"fields"`
	// By is the id of the user creating it.
	By string `json:"-"`
	// Idempotency, when set, makes a repeat of the same create by the same user in the same
	// workspace return the first result instead of a conflict.
	Idempotency store.Idempotency `json:"-"`
}

// check validates everything that needs no database and returns the parsed fields.
func (n NewApp) check() ([]Field, error) {
	var list errs.List
	checkCode(&list, "code", n.Code)
	checkName(&list, "name", n.Name)
	fields := parseFields(&list, "fields", n.Fields, nil)
	if len(n.Fields) == 0 {
		list.Add("fields", "an app needs at least one field")
	}
	if n.TitleField != "" && !hasField(fields, n.TitleField) && len(list) == 0 {
		list.Add("title_field", "%q is not one of the app's fields", n.TitleField)
	}
	return fields, list.Err()
}

// defaultTitle picks the title field when the administrator did not: the first string field,
// because a name or subject is what people recognise an item by, else the first field.
func defaultTitle(fields []Field) string {
	for _, f := range fields {
		if f.Type.Kind == value.KindString {
			return f.Code
		}
	}
	return fields[0].Code
}

// CreateApp adds an app with its fields to a workspace.
func (s *Service) CreateApp(ctx context.Context, ws string, in NewApp) (*App, error) {
	fields, err := in.check()
	if err != nil {
		return nil, err
	}
	if in.TitleField == "" {
		in.TitleField = defaultTitle(fields)
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "apps", IDColumn: "code", Where: "workspace = ?", Args: []any{ws}},
		func(tx *store.Tx, code string) (*App, error) { return getApp(ctx, tx, ws, code, "") },
		func(tx *store.Tx) (*App, error) { return createApp(ctx, tx, ws, in, fields) })
}

func createApp(ctx context.Context, tx *store.Tx, ws string, in NewApp, fields []Field) (*App, error) {
	if _, err := getWorkspace(ctx, tx, ws); err != nil {
		return nil, err
	}
	self := ws + "/" + in.Code
	if err := checkItemTargets(ctx, tx, "fields", fields, self); err != nil {
		return nil, err
	}
	now := store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO apps (workspace, code, name, title_field, idempotency_key, idempotency_hash, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ws, in.Code, in.Name, in.TitleField, in.Idempotency.KeyArg(), in.Idempotency.HashArg(), in.By, now, now)
	if err != nil {
		return nil, conflict(err, "code", "an app with code %q already exists in workspace %q", in.Code, ws)
	}
	if err := insertFields(ctx, tx, ws, in.Code, fields, 0); err != nil {
		return nil, err
	}
	return getApp(ctx, tx, ws, in.Code, "")
}

const appColumns = "workspace, code, name, title_field, created_by, created_at, updated_at"

func scanApp(row interface{ Scan(...any) error }) (*App, error) {
	var a App
	var created, updated store.Timestamp
	if err := row.Scan(&a.Workspace, &a.Code, &a.Name, &a.TitleField, &a.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = created.Time, updated.Time
	return &a, nil
}

// getApp reads an app with its fields; lock is "", forShare(tx) or tx.ForUpdate().
func getApp(ctx context.Context, tx *store.Tx, ws, code, lock string) (*App, error) {
	a, err := scanApp(tx.QueryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE workspace = ? AND code = ?"+lock, ws, code))
	if err != nil {
		return nil, store.NotFound(err, "app %q not found", ws+"/"+code)
	}
	if a.Fields, err = loadFields(ctx, tx, ws, code); err != nil {
		return nil, err
	}
	return a, nil
}

// AppTx returns an app with its fields inside the caller's write transaction, for example to
// type-check an app.createItem mapping when a process is published. On PostgreSQL it holds a
// share lock on the app until the caller commits, so no field it returns can be removed in
// between; for that reason it must not be called from a read-only transaction there.
func AppTx(ctx context.Context, tx *store.Tx, ws, app string) (*App, error) {
	return getApp(ctx, tx, ws, app, forShare(tx))
}

// App returns one app with its fields.
func (s *Service) App(ctx context.Context, ws, code string) (a *App, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		a, err = getApp(ctx, tx, ws, code, "")
		return err
	})
	return a, err
}

// Apps returns a page of a workspace's apps ordered by code.
func (s *Service) Apps(ctx context.Context, ws string, p store.Page) (list store.List[*App], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := getWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+appColumns+" FROM apps WHERE workspace = ? AND code > ? ORDER BY code LIMIT ?",
			ws, p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		apps, err := scanAll(rows, scanApp)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if a.Fields, err = loadFields(ctx, tx, ws, a.Code); err != nil {
				return err
			}
		}
		list = store.Cut(apps, p, func(a *App) string { return a.Code })
		return nil
	})
	return list, err
}
