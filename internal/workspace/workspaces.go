package workspace

import (
	"context"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// NewWorkspace is the input for creating a workspace.
type NewWorkspace struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// By is the id of the user creating it.
	By string `json:"-"`
	// Idempotency, when set, makes a repeat of the same create by the same user return the
	// first result instead of a conflict.
	Idempotency store.Idempotency `json:"-"`
}

// WorkspacePatch changes a workspace; nil means unchanged. Codes never change, because
// process scopes and item types name them.
type WorkspacePatch struct {
	Name *string `json:"name,omitempty"`
}

func (n NewWorkspace) check() error {
	var list errs.List
	checkCode(&list, "code", n.Code)
	checkName(&list, "name", n.Name)
	return list.Err()
}

const workspaceColumns = "code, name, created_by, created_at, updated_at"

func scanWorkspace(row interface{ Scan(...any) error }) (*Workspace, error) {
	var w Workspace
	var created, updated store.Timestamp
	if err := row.Scan(&w.Code, &w.Name, &w.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	w.CreatedAt, w.UpdatedAt = created.Time, updated.Time
	return &w, nil
}

func getWorkspace(ctx context.Context, tx *store.Tx, code string) (*Workspace, error) {
	w, err := scanWorkspace(tx.QueryRow(ctx, "SELECT "+workspaceColumns+" FROM workspaces WHERE code = ?", code))
	if err != nil {
		return nil, store.NotFound(err, "workspace %q not found", code)
	}
	return w, nil
}

// CreateWorkspace adds a workspace; a taken code is a conflict.
func (s *Service) CreateWorkspace(ctx context.Context, in NewWorkspace) (*Workspace, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "workspaces", IDColumn: "code"},
		func(tx *store.Tx, code string) (*Workspace, error) { return getWorkspace(ctx, tx, code) },
		func(tx *store.Tx) (*Workspace, error) { return createWorkspace(ctx, tx, in) })
}

func createWorkspace(ctx context.Context, tx *store.Tx, in NewWorkspace) (*Workspace, error) {
	now := store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO workspaces (code, name, idempotency_key, idempotency_hash, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, in.Code, in.Name, in.Idempotency.KeyArg(), in.Idempotency.HashArg(), in.By, now, now)
	if err != nil {
		return nil, conflict(err, "code", "a workspace with code %q already exists", in.Code)
	}
	return getWorkspace(ctx, tx, in.Code)
}

// Workspace returns one workspace.
func (s *Service) Workspace(ctx context.Context, code string) (w *Workspace, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		w, err = getWorkspace(ctx, tx, code)
		return err
	})
	return w, err
}

// Workspaces returns a page of workspaces ordered by code.
func (s *Service) Workspaces(ctx context.Context, p store.Page) (list store.List[*Workspace], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+workspaceColumns+" FROM workspaces WHERE code > ? ORDER BY code LIMIT ?",
			p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		ws, err := scanAll(rows, scanWorkspace)
		list = store.Cut(ws, p, func(w *Workspace) string { return w.Code })
		return err
	})
	return list, err
}

// UpdateWorkspace changes a workspace's name.
func (s *Service) UpdateWorkspace(ctx context.Context, code string, p WorkspacePatch) (w *Workspace, err error) {
	if p.Name != nil {
		var list errs.List
		checkName(&list, "name", *p.Name)
		if err := list.Err(); err != nil {
			return nil, err
		}
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := getWorkspace(ctx, tx, code); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE workspaces SET name = COALESCE(?, name), updated_at = ? WHERE code = ?",
			p.Name, store.TS(tx.Now()), code)
		if err != nil {
			return err
		}
		w, err = getWorkspace(ctx, tx, code)
		return err
	})
	return w, err
}
