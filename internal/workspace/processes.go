package workspace

import (
	"context"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Processes is the Service seen by the process engine: scopes, field types for publish-time
// checks, and item writes inside the engine's transaction. It lets the wiring hand the engine
// one small value without the engine importing more of this package than it needs.
type Processes struct{ S *Service }

// ScopeExists checks a process scope; see the package function ScopeExists.
func (p Processes) ScopeExists(ctx context.Context, tx *store.Tx, scope string) error {
	return ScopeExists(ctx, tx, scope)
}

// Fields returns the types of an app's fields by code, holding the app's share lock (AppTx)
// so that none of them can be removed before the caller commits.
func (p Processes) Fields(ctx context.Context, tx *store.Tx, ws, app string) (map[string]value.Type, error) {
	a, err := AppTx(ctx, tx, ws, app)
	if err != nil {
		return nil, err
	}
	types := make(map[string]value.Type, len(a.Fields))
	for _, f := range a.Fields {
		types[f.Code] = f.Type
	}
	return types, nil
}

// RequiredFields returns the codes of an app's required fields in the app's order, holding the
// app's share lock like Fields, so that publish can refuse an app.createItem that leaves one
// out.
func (p Processes) RequiredFields(ctx context.Context, tx *store.Tx, ws, app string) ([]string, error) {
	a, err := AppTx(ctx, tx, ws, app)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range a.Fields {
		if f.Required {
			out = append(out, f.Code)
		}
	}
	return out, nil
}

// CreateItem creates an item inside the engine's transaction and returns its id.
func (p Processes) CreateItem(ctx context.Context, tx *store.Tx, ws, app string, values map[string]value.Value, by string) (string, error) {
	it, err := p.S.CreateItemTx(ctx, tx, ws, app, values, by)
	if err != nil {
		return "", err
	}
	return it.ID, nil
}

// UpdateItem changes some values of an item inside the engine's transaction.
func (p Processes) UpdateItem(ctx context.Context, tx *store.Tx, ws, app, id string, values map[string]value.Value, by string) error {
	_, err := p.S.UpdateItemTx(ctx, tx, ws, app, id, values, by)
	return err
}

// ItemExists reports whether the app has an item with the id, inside the engine's
// transaction.
func (p Processes) ItemExists(ctx context.Context, tx *store.Tx, ws, app, id string) (bool, error) {
	return ItemExistsTx(ctx, tx, ws, app, id)
}
