package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// parseValues reads item values sent as JSON with the types of the app's fields. JSON null
// becomes a typed null: absent on create, "clear this value" on update.
func parseValues(a *App, raw map[string]json.RawMessage) (map[string]value.Value, error) {
	var list errs.List
	out := make(map[string]value.Value, len(raw))
	for _, code := range sortedKeys(raw) {
		f, ok := a.Field(code)
		if !ok {
			list.Add(code, "%s has no field %q; its fields are %s", a.Ref(), code, fieldCodes(a))
			continue
		}
		v, err := value.Options{AllowNull: true}.Parse(f.Type, raw[code])
		if err != nil {
			if err := addValueError(&list, code, err); err != nil {
				return nil, err
			}
			continue
		}
		out[code] = v
	}
	return out, list.Err()
}

// addValueError adds a value error to the list under the field's code and returns errors that
// are not about the input, which must not be shown as if they were.
func addValueError(list *errs.List, code string, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		return err
	}
	list.Add(code, "%s", e.Message)
	return nil
}

// checkValues checks typed values against the app: every value names a field and has exactly
// its type (value.Assignable), and required fields are set on create and never cleared.
func checkValues(a *App, vals map[string]value.Value, create bool) error {
	var list errs.List
	for _, code := range sortedKeys(vals) {
		v := vals[code]
		f, ok := a.Field(code)
		switch {
		case !ok:
			list.Add(code, "%s has no field %q; its fields are %s", a.Ref(), code, fieldCodes(a))
		case v.IsNull() && f.Required && !create:
			list.Add(code, "is required and cannot be cleared")
		case !v.IsNull() && !value.Assignable(v.Type(), f.Type):
			list.Add(code, "expected %s, got a value of type %s", f.Type, v.Type())
		}
	}
	if create {
		for _, f := range a.Fields {
			if v, ok := vals[f.Code]; f.Required && (!ok || v.IsNull()) {
				list.Add(f.Code, "is required")
			}
		}
	}
	return list.Err()
}

// checkRefs makes sure that user, session and item values link to records that exist.
func (s *Service) checkRefs(ctx context.Context, tx *store.Tx, vals map[string]value.Value) error {
	r := Refs{Tx: tx, Sessions: s.Sessions}
	for _, code := range sortedKeys(vals) {
		if err := value.CheckRefs(ctx, r, code, vals[code]); err != nil {
			return err
		}
	}
	return nil
}

// Refs answers value.Resolver inside one transaction, so that a check sees the caller's own
// uncommitted writes (an item created earlier in the same process step, say).
type Refs struct {
	Tx *store.Tx
	// Sessions checks session links; nil accepts any well-formed session id.
	Sessions SessionChecker
}

// UserExists reports whether a staff user has the id.
func (r Refs) UserExists(ctx context.Context, id string) (bool, error) {
	_, err := auth.UserTx(ctx, r.Tx, id)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// SessionExists reports whether a live-chat session has the id.
func (r Refs) SessionExists(ctx context.Context, id string) (bool, error) {
	if r.Sessions == nil {
		return true, nil
	}
	return r.Sessions(ctx, r.Tx, id)
}

// ItemExists reports whether the app ws/app has an item with the id.
func (r Refs) ItemExists(ctx context.Context, ws, app, id string) (bool, error) {
	return ItemExistsTx(ctx, r.Tx, ws, app, id)
}

// ItemExistsTx reports whether the app ws/app has an item with the id, inside the caller's
// transaction. An item of another app is not a match: links are typed by app.
func ItemExistsTx(ctx context.Context, tx *store.Tx, ws, app, id string) (bool, error) {
	return tx.Exists(ctx, "SELECT 1 FROM items WHERE id = ? AND workspace = ? AND app = ?", id, ws, app)
}

// ItemExists is value.Resolver's ItemExists over a fresh read, for callers outside a
// transaction.
func (s *Service) ItemExists(ctx context.Context, ws, app, id string) (ok bool, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		ok, err = ItemExistsTx(ctx, tx, ws, app, id)
		return err
	})
	return ok, err
}

// hashValue is the key item_values stores and filters compare: canonical JSON is equal
// exactly when values are, and a fixed-length hash fits an index whatever the value's size.
func hashValue(v value.Value) string {
	sum := sha256.Sum256(value.Encode(v))
	return hex.EncodeToString(sum[:])
}

// decodeData reads stored item data with the app's field types. Keys that are not fields are
// skipped: removing a field purges its values, so none should exist.
func decodeData(a *App, data string) (map[string]value.Value, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		return nil, fmt.Errorf("stored item data of %s: %w", a.Ref(), err)
	}
	vals := make(map[string]value.Value, len(raw))
	for code, r := range raw {
		f, ok := a.Field(code)
		if !ok {
			continue
		}
		v, err := value.Decode(f.Type, r)
		if err != nil {
			return nil, fmt.Errorf("stored value of field %s of %s: %w", code, a.Ref(), err)
		}
		vals[code] = v
	}
	return vals, nil
}

// encodeData writes the set values as one JSON object of canonical value JSON.
func encodeData(vals map[string]value.Value) (string, error) {
	raw := make(map[string]json.RawMessage, len(vals))
	for code, v := range vals {
		raw[code] = value.Encode(v)
	}
	b, err := json.Marshal(raw)
	return string(b), err
}

func fieldCodes(a *App) string {
	codes := make([]string, len(a.Fields))
	for i, f := range a.Fields {
		codes[i] = f.Code
	}
	return strings.Join(codes, ", ")
}

// sortedKeys gives map keys in order, so that problems are listed the same way every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
