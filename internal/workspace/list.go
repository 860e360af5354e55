package workspace

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// ItemQuery asks for one page of an app's items in id order, which is creation order to the
// millisecond.
type ItemQuery struct {
	Page store.Page
	// Filters maps field codes to values written as in a query string (?score=80). Every
	// filter must match: the item's value equals the filter value read with the field's type.
	Filters map[string]string
}

// Items returns a page of an app's items that match every filter. Filters compare canonical
// values through item_values, in SQL with an index, so they are exact for every type and a
// page never needs a scan of the app's other items.
func (s *Service) Items(ctx context.Context, ws, app string, q ItemQuery) (list store.List[*Item], err error) {
	if err := q.Page.Check(); err != nil {
		return list, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		a, err := getApp(ctx, tx, ws, app, "")
		if err != nil {
			return err
		}
		hashes, err := filterHashes(a, q.Filters)
		if err != nil {
			return err
		}
		items, err := queryItems(ctx, tx, a, hashes, q.Page)
		list = store.Cut(items, q.Page, func(it *Item) string { return it.ID })
		return err
	})
	return list, err
}

func queryItems(ctx context.Context, tx *store.Tx, a *App, hashes map[string]string, p store.Page) ([]*Item, error) {
	var b strings.Builder
	b.WriteString("SELECT " + itemColumns + " FROM items WHERE workspace = ? AND app = ? AND id > ?")
	args := []any{a.Workspace, a.Code, p.Cursor}
	for _, code := range sortedKeys(hashes) {
		b.WriteString(" AND EXISTS (SELECT 1 FROM item_values v WHERE v.item_id = items.id AND v.field = ? AND v.hash = ?)")
		args = append(args, code, hashes[code])
	}
	b.WriteString(" ORDER BY id LIMIT ?")
	args = append(args, p.Size()+1)
	rows, err := tx.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanItem(a))
}

// filterHashes reads each filter with its field's type and returns the hashes to look for.
func filterHashes(a *App, filters map[string]string) (map[string]string, error) {
	var list errs.List
	hashes := make(map[string]string, len(filters))
	for _, code := range sortedKeys(filters) {
		f, ok := a.Field(code)
		if !ok {
			list.Add(code, "%s has no field %q to filter by; its fields are %s", a.Ref(), code, fieldCodes(a))
			continue
		}
		v, err := ParseFilter(f, filters[code])
		if err != nil {
			if err := addValueError(&list, code, err); err != nil {
				return nil, err
			}
			continue
		}
		hashes[code] = hashValue(v)
	}
	return hashes, list.Err()
}

// ParseFilter reads a filter value written in a query string as a value of the field's type:
//
//	integer, number, boolean  as JSON: ?score=80, ?amount=12.5, ?active=true
//	money                     "<amount> <currency>" (?price=12.50%20EUR) or the JSON object
//	everything else           the text itself, without quotes: ?name=Ann, ?owner=usr_1
//
// A "+" in a query string means a space, so clients should write %2B; because neither a phone
// number's leading "+" nor a datetime's offset "+03:00" can be a space, those are restored.
func ParseFilter(f Field, text string) (value.Value, error) {
	var raw []byte
	switch f.Type.Kind {
	case value.KindInteger, value.KindNumber, value.KindBoolean:
		raw = []byte(text)
	case value.KindMoney:
		raw = moneyFilter(text)
	case value.KindPhone:
		if rest, ok := strings.CutPrefix(text, " "); ok {
			text = "+" + rest
		}
		raw, _ = json.Marshal(text)
	case value.KindDatetime:
		raw, _ = json.Marshal(strings.ReplaceAll(text, " ", "+"))
	default:
		raw, _ = json.Marshal(text)
	}
	return value.Parse(f.Type, raw)
}

// moneyFilter turns "12.50 EUR" into the JSON object money is written as; anything else is
// passed on for value.Parse to refuse with its own explanation.
func moneyFilter(text string) []byte {
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		return []byte(text)
	}
	amount, currency, ok := strings.Cut(strings.TrimSpace(text), " ")
	if !ok {
		raw, _ := json.Marshal(text)
		return raw
	}
	raw, _ := json.Marshal(map[string]string{"amount": amount, "currency": strings.TrimSpace(currency)})
	return raw
}
