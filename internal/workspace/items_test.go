package workspace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
	"github.com/parleychat/parley/internal/workspace"
)

// canonical marshals want the way the API shows item values, for comparison.
func canonical(t *testing.T, want map[string]string) string {
	t.Helper()
	m := map[string]json.RawMessage{}
	for k, v := range want {
		m[k] = json.RawMessage(v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryTypeRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := map[string]any{
			"name": "Ann Lee", "count": 42, "amount": 12.5, "active": true,
			"due":   "2024-05-01T12:30:00+03:00",
			"price": map[string]any{"amount": "12.5", "currency": "EUR"},
			"phone": "+7 999 123-45-67", "email": "Ann@Example.COM",
			"owner": f.userID, "chat": "ses_1", "contact": f.contact,
		}
		want := canonical(t, map[string]string{
			"name": `"Ann Lee"`, "count": `42`, "amount": `12.5`, "active": `true`,
			"due": `"2024-05-01T09:30:00Z"`, "price": `{"amount":"12.50","currency":"EUR"}`,
			"phone": `"+79991234567"`, "email": `"Ann@example.com"`,
			"owner": fmt.Sprintf("%q", f.userID), "chat": `"ses_1"`, "contact": fmt.Sprintf("%q", f.contact),
		})
		it := f.create("leads", in)
		if got := encoded(t, it); got != want {
			t.Fatalf("created values\n got %s\nwant %s", got, want)
		}
		if it.Title != "Ann Lee" || it.CreatedBy != f.userID {
			t.Fatalf("title %q, created by %q", it.Title, it.CreatedBy)
		}
		read, err := f.svc.Item(ctx, "crm", "leads", it.ID)
		f.must(err)
		if got := encoded(t, read); got != want {
			t.Fatalf("read values\n got %s\nwant %s", got, want)
		}
		for code, v := range it.Values {
			if !v.Equal(read.Values[code]) {
				t.Errorf("%s: %v read back as %v", code, v, read.Values[code])
			}
		}
		t.Run("update", func(t *testing.T) { updateEveryType(t, f, it.ID) })
	})
}

func updateEveryType(t *testing.T, f *fixture, id string) {
	other := f.create("contacts", map[string]any{"name": "Bob"}).ID
	patch := map[string]any{
		"name": "Bob", "count": -7, "amount": 0.25, "active": false, "due": "2025-01-02T03:04:05.5Z",
		"price": map[string]any{"amount": 3, "currency": "JPY"}, "phone": "+14155552671",
		"email": "bob@example.org", "owner": f.userID, "chat": "ses_2", "contact": other,
	}
	want := canonical(t, map[string]string{
		"name": `"Bob"`, "count": `-7`, "amount": `0.25`, "active": `false`, "due": `"2025-01-02T03:04:05.5Z"`,
		"price": `{"amount":"3","currency":"JPY"}`, "phone": `"+14155552671"`, "email": `"bob@example.org"`,
		"owner": fmt.Sprintf("%q", f.userID), "chat": `"ses_2"`, "contact": fmt.Sprintf("%q", other),
	})
	it, err := f.svc.UpdateItem(ctx, "crm", "leads", id, workspace.ItemPatch{Values: raw(t, patch), By: "someone"})
	f.must(err)
	read, err := f.svc.Item(ctx, "crm", "leads", id)
	f.must(err)
	for _, got := range []string{encoded(t, it), encoded(t, read)} {
		if got != want {
			t.Fatalf("updated values\n got %s\nwant %s", got, want)
		}
	}
	if read.Title != "Bob" || read.UpdatedBy != "someone" {
		t.Fatalf("title %q, updated by %q", read.Title, read.UpdatedBy)
	}
}

func TestBadValuesNameTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			field string
			val   any
			want  []string
		}{
			{"count", "12", []string{"count: ", "expected integer", "string"}},
			{"count", 1.5, []string{"count: ", "expected integer", "number"}},
			{"amount", "x", []string{"amount: ", "expected number", "string"}},
			{"active", 1, []string{"active: ", "expected boolean", "number"}},
			{"due", "yesterday", []string{"due: ", "expected datetime", "RFC 3339"}},
			{"price", 12.5, []string{"price: ", "expected money", "number"}},
			{"phone", "12", []string{"phone: ", "expected phone"}},
			{"email", "nope", []string{"email: ", "expected email"}},
			{"owner", "usr_ghost", []string{"owner: ", "user", "does not exist"}},
			{"contact", "itm_ghost", []string{"contact: ", "crm/contacts", "does not exist"}},
			{"nmae", "Ann", []string{"nmae: ", "no field", "name, count"}},
			{"name", nil, []string{"name: is required"}},
		}
		for _, c := range cases {
			vals := map[string]any{"name": "Ann", c.field: c.val}
			_, err := f.svc.CreateItem(ctx, "crm", "leads", workspace.NewItem{Values: raw(t, vals), By: f.userID})
			wantInvalid(t, err, c.want...)
		}
		list, err := f.svc.Items(ctx, "crm", "leads", workspace.ItemQuery{})
		f.must(err)
		if len(list.Items) != 0 {
			t.Fatalf("%d items stored by refused creates", len(list.Items))
		}
	})
}

func TestRequiredFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.svc.CreateItem(ctx, "crm", "leads", workspace.NewItem{Values: raw(t, map[string]any{"count": 1})})
		wantInvalid(t, err, "name: is required")
		it := f.create("leads", map[string]any{"name": "Ann", "count": 1})
		_, err = f.svc.UpdateItem(ctx, "crm", "leads", it.ID, workspace.ItemPatch{Values: raw(t, map[string]any{"name": nil})})
		wantInvalid(t, err, "name: is required")
		// An optional value is cleared by null and then absent.
		got, err := f.svc.UpdateItem(ctx, "crm", "leads", it.ID, workspace.ItemPatch{Values: raw(t, map[string]any{"count": nil})})
		f.must(err)
		if _, ok := got.Values["count"]; ok || got.Values["name"].String() != "Ann" {
			t.Fatalf("values after clearing count: %s", encoded(t, got))
		}
	})
}

func TestItemLinksStayInTheirApp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		lead := f.create("leads", map[string]any{"name": "Ann"})
		// A lead's id is an item, but not of crm/contacts.
		_, err := f.svc.CreateItem(ctx, "crm", "leads", workspace.NewItem{
			Values: raw(t, map[string]any{"name": "Bob", "contact": lead.ID})})
		wantInvalid(t, err, "contact: ", "crm/contacts", "does not exist")
		ok, err := f.svc.ItemExists(ctx, "crm", "contacts", f.contact)
		f.must(err)
		if !ok {
			t.Fatal("ItemExists does not find the contact")
		}
		if ok, _ := f.svc.ItemExists(ctx, "crm", "leads", f.contact); ok {
			t.Fatal("ItemExists finds a contact among leads")
		}
	})
}

func TestSessionLinksAreChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.Sessions = func(_ context.Context, _ *store.Tx, id string) (bool, error) { return id == "ses_real", nil }
		f.create("leads", map[string]any{"name": "Ann", "chat": "ses_real"})
		_, err := f.svc.CreateItem(ctx, "crm", "leads", workspace.NewItem{Values: raw(t, map[string]any{"name": "Ann", "chat": "ses_fake"})})
		wantInvalid(t, err, "chat: ", "session", "does not exist")
	})
}

func TestItemsTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		name := mustValue(t, value.Type{Kind: value.KindString}, `"Ann"`)
		count := mustValue(t, value.Type{Kind: value.KindInteger}, `3`)
		t.Run("the item commits or rolls back with the caller's transaction", func(t *testing.T) {
			boom := errs.New(errs.Conflict, "the step failed after the insert")
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := f.svc.CreateItemTx(ctx, tx, "crm", "leads", map[string]value.Value{"name": name}, "process:1"); err != nil {
					return err
				}
				return boom
			})
			if err != boom {
				t.Fatalf("error %v", err)
			}
			if n := countItems(t, f, "leads"); n != 0 {
				t.Fatalf("%d items after a rolled-back step", n)
			}
		})
		var it *workspace.Item
		f.must(db.Tx(ctx, func(tx *store.Tx) (err error) {
			it, err = f.svc.CreateItemTx(ctx, tx, "crm", "leads", map[string]value.Value{"name": name}, "process:1")
			return err
		}))
		if link := it.Link(); link.Type().String() != "item:crm/leads" || link.String() != it.ID {
			t.Fatalf("link %v of type %v", link, link.Type())
		}
		t.Run("types must be exactly the field's", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := f.svc.UpdateItemTx(ctx, tx, "crm", "leads", it.ID, map[string]value.Value{"amount": count}, "process:1")
				return err
			})
			wantInvalid(t, err, "amount: ", "expected number", "integer")
		})
		f.must(db.Tx(ctx, func(tx *store.Tx) error {
			_, err := f.svc.UpdateItemTx(ctx, tx, "crm", "leads", it.ID, map[string]value.Value{"count": count}, "process:1")
			return err
		}))
		got, err := f.svc.Item(ctx, "crm", "leads", it.ID)
		f.must(err)
		if got.Values["count"].String() != "3" || got.UpdatedBy != "process:1" {
			t.Fatalf("after UpdateItemTx: %s by %s", encoded(t, got), got.UpdatedBy)
		}
	})
}

func mustValue(t *testing.T, typ value.Type, js string) value.Value {
	t.Helper()
	v, err := value.Parse(typ, json.RawMessage(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func countItems(t *testing.T, f *fixture, app string) int {
	t.Helper()
	list, err := f.svc.Items(ctx, "crm", app, workspace.ItemQuery{Page: store.Page{Limit: store.MaxLimit}})
	f.must(err)
	return len(list.Items)
}

// TestIdempotencyKey checks that a repeat makes no second item, that keys are each
// creator's own, and that a key sent again with other values is refused.
func TestIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		values := map[string]any{"name": "Ann"}
		in := workspace.NewItem{Values: raw(t, values), By: f.userID, Idempotency: store.NewIdempotency("k1", f.userID, values)}
		first, err := f.svc.CreateItem(ctx, "crm", "leads", in)
		f.must(err)
		again, err := f.svc.CreateItem(ctx, "crm", "leads", in)
		f.must(err)
		if again.ID != first.ID || countItems(t, f, "leads") != 1 {
			t.Fatalf("a repeat made another item: %s, %s", first.ID, again.ID)
		}
		other := in
		other.By, other.Idempotency = "another-user", store.NewIdempotency("k1", "another-user", values)
		theirs, err := f.svc.CreateItem(ctx, "crm", "leads", other)
		f.must(err)
		if theirs.ID == first.ID {
			t.Fatal("another user's key returned the first user's item")
		}
		changed := map[string]any{"name": "Bob"}
		in.Values, in.Idempotency = raw(t, changed), store.NewIdempotency("k1", f.userID, changed)
		_, err = f.svc.CreateItem(ctx, "crm", "leads", in)
		wantCode(t, err, errs.Invalid, "Idempotency-Key")
		if countItems(t, f, "leads") != 2 {
			t.Fatal("a refused repeat made an item")
		}
	})
}

func TestItemNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.svc.Item(ctx, "crm", "leads", f.contact)
		wantCode(t, err, errs.NotFound, f.contact, "crm/leads")
		_, err = f.svc.CreateItem(ctx, "crm", "nope", workspace.NewItem{})
		wantCode(t, err, errs.NotFound, "crm/nope")
	})
}
