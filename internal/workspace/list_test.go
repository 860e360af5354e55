package workspace_test

import (
	"context"
	"slices"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/workspace"
)

func TestFiltersPerType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		match := f.create("leads", map[string]any{
			"name": "Ann Lee", "count": 42, "amount": 12.5, "active": true, "due": "2024-05-01T12:30:00+03:00",
			"price": map[string]any{"amount": "12.50", "currency": "EUR"}, "phone": "+79991234567",
			"email": "Ann@example.com", "owner": f.userID, "chat": "ses_1", "contact": f.contact,
		}).ID
		other := f.contact2()
		f.create("leads", map[string]any{
			"name": "ann lee", "count": 43, "amount": 12.25, "active": false, "due": "2024-05-01T12:30:00Z",
			"price": map[string]any{"amount": "12.50", "currency": "USD"}, "phone": "+79991234568",
			"email": "ann@example.org", "chat": "ses_2", "contact": other,
		})
		f.create("leads", map[string]any{"name": "Nobody"})
		cases := []struct{ field, text string }{
			{"name", "Ann Lee"},
			{"count", "42"},
			{"amount", "12.5"}, {"amount", "12.50"}, {"amount", "1.25e1"},
			{"active", "true"},
			{"due", "2024-05-01T09:30:00Z"}, {"due", "2024-05-01T12:30:00 03:00"}, {"due", "2024-05-01T12:30:00+03:00"},
			{"price", "12.5 EUR"}, {"price", `{"amount":"12.500","currency":"EUR"}`},
			{"phone", "+79991234567"}, {"phone", " 79991234567"}, {"phone", "+7 999 123-45-67"},
			{"email", "Ann@EXAMPLE.com"},
			{"owner", f.userID},
			{"chat", "ses_1"},
			{"contact", f.contact},
		}
		for _, c := range cases {
			got := f.filter(map[string]string{c.field: c.text})
			if !slices.Equal(got, []string{match}) {
				t.Errorf("?%s=%s found %v, want only %s", c.field, c.text, got, match)
			}
		}
		if got := f.filter(map[string]string{"name": "Ann Lee", "count": "43"}); len(got) != 0 {
			t.Errorf("filters are not all required: %v", got)
		}
		if got := f.filter(map[string]string{"active": "false"}); len(got) != 1 || got[0] == match {
			t.Errorf("?active=false found %v", got)
		}
	})
}

func (f *fixture) contact2() string {
	return f.create("contacts", map[string]any{"name": "Bob"}).ID
}

func (f *fixture) filter(filters map[string]string) []string {
	f.t.Helper()
	list, err := f.svc.Items(ctx, "crm", "leads", workspace.ItemQuery{Filters: filters})
	f.must(err)
	ids := []string{}
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestBadFiltersNameTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			field, text string
			want        []string
		}{
			{"count", "abc", []string{"count: ", "expected integer"}},
			{"count", "1.5", []string{"count: ", "expected integer", "number"}},
			{"price", "12.50", []string{"price: ", "expected money"}},
			{"due", "today", []string{"due: ", "expected datetime"}},
			{"ghost", "1", []string{"ghost: ", "no field"}},
		}
		for _, c := range cases {
			_, err := f.svc.Items(ctx, "crm", "leads", workspace.ItemQuery{Filters: map[string]string{c.field: c.text}})
			wantInvalid(t, err, c.want...)
		}
	})
}

func TestItemPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var want []string
		for i := 0; i < 5; i++ {
			want = append(want, f.create("leads", map[string]any{"name": "same", "count": i}).ID)
		}
		f.create("leads", map[string]any{"name": "different"})
		var got []string
		q := workspace.ItemQuery{Page: store.Page{Limit: 2}, Filters: map[string]string{"name": "same"}}
		for pages := 0; pages < 10; pages++ {
			list, err := f.svc.Items(ctx, "crm", "leads", q)
			f.must(err)
			for _, it := range list.Items {
				got = append(got, it.ID)
			}
			if list.NextCursor == "" {
				break
			}
			q.Page.Cursor = list.NextCursor
		}
		// Ids order items by creation only to the millisecond, so compare in id order.
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("pages gave %v, want %v", got, want)
		}
	})
}

func TestScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		check := func(scope string) error {
			var err error
			f.must(db.Tx(context.Background(), func(tx *store.Tx) error {
				err = workspace.ScopeExists(ctx, tx, scope)
				return nil
			}))
			return err
		}
		for _, ok := range []string{"global", "crm", "crm/leads"} {
			if err := check(ok); err != nil {
				t.Errorf("%s: %v", ok, err)
			}
		}
		wantInvalid(t, check("sales"), "scope: ", `workspace sales does not exist`)
		wantInvalid(t, check("crm/deals"), "scope: ", `app crm/deals does not exist`)
		wantInvalid(t, check("crm/leads/x"), "scope: ", `"crm/leads/x"`)
		wantInvalid(t, check(""), "scope: ")
		if errs.Is(check("Global"), errs.NotFound) {
			t.Error("a malformed scope is not_found rather than invalid")
		}
	})
}

func TestScopeContains(t *testing.T) {
	parse := func(s string) workspace.Scope {
		sc, err := workspace.ParseScope(s)
		if err != nil {
			t.Fatal(err)
		}
		if sc.String() != s {
			t.Fatalf("%q reads back as %q", s, sc.String())
		}
		return sc
	}
	cases := []struct {
		filter, scope string
		want          bool
	}{
		{"global", "global", true}, {"global", "crm", false}, {"crm", "crm", true},
		{"crm", "crm/leads", true}, {"crm/leads", "crm", false}, {"crm/leads", "crm/leads", true},
		{"crm", "sales/leads", false}, {"crm/leads", "crm/deals", false},
	}
	for _, c := range cases {
		if got := parse(c.filter).Contains(parse(c.scope)); got != c.want {
			t.Errorf("%s contains %s = %v, want %v", c.filter, c.scope, got, c.want)
		}
	}
}
