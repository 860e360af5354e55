package workspace

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// AppPatch changes an app. Removals happen before additions, so removing and adding the same
// code in one patch replaces a field (for example to change its type); the old values go.
// A field's type never changes in place, because stored values would stop fitting it.
type AppPatch struct {
	Name *string `json:"name,omitempty"`
	// TitleField names another field as the title field.
	TitleField *string `json:"title_field,omitempty"`
	// AddFields are appended after the existing fields. Items already written simply do not
	// have them, even when they are required: required is enforced when items are created.
	AddFields []NewField `json:"add_fields,omitempty"`
	// RemoveFields are field codes to remove, together with every item's value for them.
	// Removing a field a published process version uses is a conflict.
	RemoveFields []string `json:"remove_fields,omitempty"`
}

// UpdateApp applies a patch to an app in one transaction.
func (s *Service) UpdateApp(ctx context.Context, ws, code string, p AppPatch) (*App, error) {
	var list errs.List
	if p.Name != nil {
		checkName(&list, "name", *p.Name)
	}
	added := parseFields(&list, "add_fields", p.AddFields, nil)
	if err := list.Err(); err != nil {
		return nil, err
	}
	var a *App
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		// The exclusive lock makes item writes of this app, which share-lock it, finish
		// first, so none of them can store a value for a field being removed.
		old, err := getApp(ctx, tx, ws, code, tx.ForUpdate())
		if err != nil {
			return err
		}
		if err := checkPatch(old, p, added); err != nil {
			return err
		}
		if err := checkItemTargets(ctx, tx, "add_fields", added, old.Ref()); err != nil {
			return err
		}
		if err := s.applyPatch(ctx, tx, old, p, added); err != nil {
			return err
		}
		a, err = getApp(ctx, tx, ws, code, "")
		return err
	})
	return a, err
}

// checkPatch checks a patch against the app it changes and lists every problem.
func checkPatch(a *App, p AppPatch, added []Field) error {
	var list errs.List
	removed := map[string]bool{}
	for i, code := range p.RemoveFields {
		path := fmt.Sprintf("remove_fields[%d]", i)
		switch {
		case removed[code]:
			list.Add(path, "%q is given twice", code)
		case !hasField(a.Fields, code):
			list.Add(path, "%s has no field %q", a.Ref(), code)
		}
		removed[code] = true
	}
	for i, f := range added {
		if hasField(a.Fields, f.Code) && !removed[f.Code] {
			list.Add(fmt.Sprintf("add_fields[%d].code", i), "%s already has a field %q", a.Ref(), f.Code)
		}
	}
	after := len(a.Fields) - len(removed) + len(added)
	switch {
	case after < 1:
		list.Add("remove_fields", "an app needs at least one field")
	case after > maxFields:
		list.Add("add_fields", "an app has at most %d fields", maxFields)
	}
	checkTitle(&list, a, p, removed, added)
	return list.Err()
}

// checkTitle makes sure the app still has exactly one title field after the patch.
func checkTitle(list *errs.List, a *App, p AppPatch, removed map[string]bool, added []Field) {
	kept := func(code string) bool {
		return hasField(added, code) || hasField(a.Fields, code) && !removed[code]
	}
	if p.TitleField != nil {
		if !kept(*p.TitleField) {
			list.Add("title_field", "%q is not one of the app's fields", *p.TitleField)
		}
		return
	}
	if !kept(a.TitleField) {
		list.Add("remove_fields", "%q is the title field; name another title_field in the same change", a.TitleField)
	}
}

// applyPatch writes a checked patch: removals (after asking FieldUse), additions, the rest.
func (s *Service) applyPatch(ctx context.Context, tx *store.Tx, a *App, p AppPatch, added []Field) error {
	for i, code := range p.RemoveFields {
		if err := s.removeField(ctx, tx, a, code, fmt.Sprintf("remove_fields[%d]", i)); err != nil {
			return err
		}
	}
	var last int
	err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), -1) FROM app_fields WHERE workspace = ? AND app = ?",
		a.Workspace, a.Code).Scan(&last)
	if err != nil {
		return err
	}
	if err := insertFields(ctx, tx, a.Workspace, a.Code, added, last+1); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE apps SET name = COALESCE(?, name), title_field = COALESCE(?, title_field), updated_at = ?
		WHERE workspace = ? AND code = ?`, p.Name, p.TitleField, store.TS(tx.Now()), a.Workspace, a.Code)
	return err
}

// removeField drops a field and its values, unless something outside this package uses it.
func (s *Service) removeField(ctx context.Context, tx *store.Tx, a *App, code, path string) error {
	if s.FieldUse != nil {
		usedBy, err := s.FieldUse(ctx, tx, a.Workspace, a.Code, code)
		if err != nil {
			return err
		}
		if usedBy != "" {
			e := errs.Field(path, "field %q of %s is used by %s", code, a.Ref(), usedBy)
			e.Code = errs.Conflict
			return e.With("used_by", usedBy)
		}
	}
	if err := purgeValues(ctx, tx, a, code); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "DELETE FROM app_fields WHERE workspace = ? AND app = ? AND code = ?", a.Workspace, a.Code, code)
	return err
}

// purgeBatch bounds how many items are held in memory at once while a field is removed.
const purgeBatch = 500

// purgeValues removes a field's values from every item of the app, so that a field added
// later under the same code, perhaps with another type, starts empty. It visits only the
// items that have a value (item_values says which), in batches.
func purgeValues(ctx context.Context, tx *store.Tx, a *App, code string) error {
	after := ""
	for {
		batch, err := itemsWithValue(ctx, tx, a, code, after)
		if err != nil || len(batch) == 0 {
			return err
		}
		for _, it := range batch {
			delete(it.data, code)
			if err := writeData(ctx, tx, it.id, it.data); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM item_values WHERE item_id = ? AND field = ?", it.id, code); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].id
	}
}

type storedData struct {
	id   string
	data map[string]json.RawMessage
}

func itemsWithValue(ctx context.Context, tx *store.Tx, a *App, code, after string) ([]storedData, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, i.data FROM items i JOIN item_values v ON v.item_id = i.id
		WHERE i.workspace = ? AND i.app = ? AND v.field = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
		a.Workspace, a.Code, code, after, purgeBatch)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(row interface{ Scan(...any) error }) (storedData, error) {
		var d storedData
		var raw string
		if err := row.Scan(&d.id, &raw); err != nil {
			return d, err
		}
		return d, json.Unmarshal([]byte(raw), &d.data)
	})
}

func writeData(ctx context.Context, tx *store.Tx, id string, data map[string]json.RawMessage) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE items SET data = ? WHERE id = ?", string(b), id)
	return err
}
