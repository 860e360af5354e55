package workspace

import (
	"context"
	"encoding/json"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// NewItem is the input for creating an item from JSON: {"values": {field: value}}.
type NewItem struct {
	Values map[string]json.RawMessage `json:"values"`
	// By is who creates it: a user id, or whatever a process engine names itself with.
	By string `json:"-"`
	// Idempotency, when set, makes a repeat of the same create by the same creator in the
	// same app return the first item instead of a second one.
	Idempotency store.Idempotency `json:"-"`
}

// ItemPatch changes some values of an item; a JSON null clears an optional value.
type ItemPatch struct {
	Values map[string]json.RawMessage `json:"values"`
	// By is who changes it.
	By string `json:"-"`
}

// CreateItem adds an item to an app, type-checking every value against its field.
func (s *Service) CreateItem(ctx context.Context, ws, app string, in NewItem) (*Item, error) {
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "items", IDColumn: "id", Where: "workspace = ? AND app = ?", Args: []any{ws, app}},
		func(tx *store.Tx, id string) (*Item, error) {
			a, err := AppTx(ctx, tx, ws, app)
			if err != nil {
				return nil, err
			}
			return getItem(ctx, tx, a, id, "")
		},
		func(tx *store.Tx) (*Item, error) {
			a, err := AppTx(ctx, tx, ws, app)
			if err != nil {
				return nil, err
			}
			vals, err := parseValues(a, in.Values)
			if err != nil {
				return nil, err
			}
			return s.createItem(ctx, tx, a, vals, in.By, in.Idempotency)
		})
}

// CreateItemTx adds an item inside the caller's transaction, for the process engine's
// app.createItem: the item and the step that creates it commit together or not at all, so a
// retried step never leaves a second item behind. Values must have exactly their fields'
// types; nulls count as absent. by says who creates it, such as "process:<instance id>".
func (s *Service) CreateItemTx(ctx context.Context, tx *store.Tx, ws, app string, values map[string]value.Value, by string) (*Item, error) {
	a, err := AppTx(ctx, tx, ws, app)
	if err != nil {
		return nil, err
	}
	return s.createItem(ctx, tx, a, values, by, store.Idempotency{})
}

func (s *Service) createItem(ctx context.Context, tx *store.Tx, a *App, vals map[string]value.Value, by string, idem store.Idempotency) (*Item, error) {
	if err := checkValues(a, vals, true); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, tx, vals); err != nil {
		return nil, err
	}
	set := setValues(vals)
	data, err := encodeData(set)
	if err != nil {
		return nil, err
	}
	id, now := store.NewID("itm"), tx.Now()
	_, err = tx.Exec(ctx, `INSERT INTO items (id, workspace, app, data, idempotency_key, idempotency_hash, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, a.Workspace, a.Code, data, idem.KeyArg(), idem.HashArg(), by, by, store.TS(now), store.TS(now))
	if err != nil {
		return nil, err
	}
	if err := indexValues(ctx, tx, id, set); err != nil {
		return nil, err
	}
	return &Item{ID: id, Workspace: a.Workspace, App: a.Code, Title: set[a.TitleField].String(), Values: set,
		CreatedBy: by, UpdatedBy: by, CreatedAt: now, UpdatedAt: now}, nil
}

// setValues drops nulls: stored items hold only the values that are set.
func setValues(vals map[string]value.Value) map[string]value.Value {
	out := make(map[string]value.Value, len(vals))
	for code, v := range vals {
		if !v.IsNull() {
			out[code] = v
		}
	}
	return out
}

// indexValues records the hash of each set value for the list's filters.
func indexValues(ctx context.Context, tx *store.Tx, id string, vals map[string]value.Value) error {
	for _, code := range sortedKeys(vals) {
		_, err := tx.Exec(ctx, "INSERT INTO item_values (item_id, field, hash) VALUES (?, ?, ?)", id, code, hashValue(vals[code]))
		if err != nil {
			return err
		}
	}
	return nil
}

const itemColumns = "id, data, created_by, updated_by, created_at, updated_at"

// scanItem returns a scanner of item rows of app a.
func scanItem(a *App) func(interface{ Scan(...any) error }) (*Item, error) {
	return func(row interface{ Scan(...any) error }) (*Item, error) {
		it := Item{Workspace: a.Workspace, App: a.Code}
		var data string
		var created, updated store.Timestamp
		if err := row.Scan(&it.ID, &data, &it.CreatedBy, &it.UpdatedBy, &created, &updated); err != nil {
			return nil, err
		}
		vals, err := decodeData(a, data)
		if err != nil {
			return nil, err
		}
		it.Values, it.Title = vals, vals[a.TitleField].String()
		it.CreatedAt, it.UpdatedAt = created.Time, updated.Time
		return &it, nil
	}
}

// getItem reads an item of app a; lock is "" or tx.ForUpdate().
func getItem(ctx context.Context, tx *store.Tx, a *App, id, lock string) (*Item, error) {
	row := tx.QueryRow(ctx, "SELECT "+itemColumns+" FROM items WHERE id = ? AND workspace = ? AND app = ?"+lock,
		id, a.Workspace, a.Code)
	it, err := scanItem(a)(row)
	if err != nil {
		return nil, store.NotFound(err, "item %q not found in %s", id, a.Ref())
	}
	return it, nil
}

// Item returns one item of an app.
func (s *Service) Item(ctx context.Context, ws, app, id string) (it *Item, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		a, err := getApp(ctx, tx, ws, app, "")
		if err != nil {
			return err
		}
		it, err = getItem(ctx, tx, a, id, "")
		return err
	})
	return it, err
}

// UpdateItem changes some values of an item; values not named keep what they hold.
func (s *Service) UpdateItem(ctx context.Context, ws, app, id string, p ItemPatch) (it *Item, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := AppTx(ctx, tx, ws, app)
		if err != nil {
			return err
		}
		vals, err := parseValues(a, p.Values)
		if err != nil {
			return err
		}
		it, err = s.updateItem(ctx, tx, a, id, vals, p.By)
		return err
	})
	return it, err
}

// UpdateItemTx changes some values of an item inside the caller's transaction, for the process
// engine's app.updateItem. A null value clears an optional field; values must have exactly
// their fields' types.
func (s *Service) UpdateItemTx(ctx context.Context, tx *store.Tx, ws, app, id string, values map[string]value.Value, by string) (*Item, error) {
	a, err := AppTx(ctx, tx, ws, app)
	if err != nil {
		return nil, err
	}
	return s.updateItem(ctx, tx, a, id, values, by)
}

func (s *Service) updateItem(ctx context.Context, tx *store.Tx, a *App, id string, vals map[string]value.Value, by string) (*Item, error) {
	// The row lock keeps two concurrent updates of different fields from losing one another.
	it, err := getItem(ctx, tx, a, id, tx.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := checkValues(a, vals, false); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, tx, vals); err != nil {
		return nil, err
	}
	for code, v := range vals {
		delete(it.Values, code)
		if !v.IsNull() {
			it.Values[code] = v
		}
	}
	if err := writeItem(ctx, tx, it, vals, by); err != nil {
		return nil, err
	}
	it.Title, it.UpdatedBy, it.UpdatedAt = it.Values[a.TitleField].String(), by, tx.Now()
	return it, nil
}

// writeItem stores an item's merged values and re-indexes the fields that changed.
func writeItem(ctx context.Context, tx *store.Tx, it *Item, changed map[string]value.Value, by string) error {
	data, err := encodeData(it.Values)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE items SET data = ?, updated_by = ?, updated_at = ? WHERE id = ?",
		data, by, store.TS(tx.Now()), it.ID)
	if err != nil {
		return err
	}
	for _, code := range sortedKeys(changed) {
		if _, err := tx.Exec(ctx, "DELETE FROM item_values WHERE item_id = ? AND field = ?", it.ID, code); err != nil {
			return err
		}
	}
	return indexValues(ctx, tx, it.ID, setValues(changed))
}
