package workspace_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
	"github.com/parleychat/parley/internal/workspace"
)

func TestAppDefinitionErrorsNameTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			name string
			in   workspace.NewApp
			want []string
		}{
			{"unknown type", workspace.NewApp{Code: "a", Name: "A", Fields: []workspace.NewField{
				{Code: "x", Type: "string"}, {Code: "y", Type: "integer"}, {Code: "z", Type: "strng"}}},
				[]string{`fields[2].type: unknown type "strng"`}},
			{"bad code", workspace.NewApp{Code: "Bad-Code", Name: "A", Fields: []workspace.NewField{{Code: "x", Type: "string"}}},
				[]string{"code: ", `"Bad-Code"`}},
			{"bad field code", workspace.NewApp{Code: "a", Name: "A", Fields: []workspace.NewField{{Code: "1x", Type: "string"}}},
				[]string{"fields[0].code: "}},
			{"reserved field code", workspace.NewApp{Code: "a", Name: "A", Fields: []workspace.NewField{{Code: "limit", Type: "string"}}},
				[]string{"fields[0].code: ", "reserved"}},
			{"duplicate field", workspace.NewApp{Code: "a", Name: "A", Fields: []workspace.NewField{
				{Code: "x", Type: "string"}, {Code: "x", Type: "integer"}}}, []string{"fields[1].code: ", "twice"}},
			{"no fields", workspace.NewApp{Code: "a", Name: "A"}, []string{"fields: ", "at least one"}},
			{"no name", workspace.NewApp{Code: "a", Fields: []workspace.NewField{{Code: "x", Type: "string"}}}, []string{"name: is required"}},
			{"unknown title field", workspace.NewApp{Code: "a", Name: "A", TitleField: "y",
				Fields: []workspace.NewField{{Code: "x", Type: "string"}}}, []string{"title_field: "}},
			{"item link to a missing app", workspace.NewApp{Code: "a", Name: "A",
				Fields: []workspace.NewField{{Code: "x", Type: "item:crm/nope"}}}, []string{"fields[0].type: ", "crm/nope", "does not exist"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.CreateApp(ctx, "crm", c.in)
				wantInvalid(t, err, c.want...)
			})
		}
		_, err := f.svc.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Again", Fields: leadFields})
		wantCode(t, err, errs.Conflict, "code: ", "leads")
		_, err = f.svc.CreateApp(ctx, "nope", workspace.NewApp{Code: "a", Name: "A", Fields: leadFields})
		wantCode(t, err, errs.NotFound, "nope")
	})
}

func TestAppKeepsFieldOrderAndPicksTheTitle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, err := f.svc.App(ctx, "crm", "leads")
		f.must(err)
		if len(a.Fields) != len(leadFields) || a.TitleField != "name" {
			t.Fatalf("app %+v", a)
		}
		for i, nf := range leadFields {
			if a.Fields[i].Code != nf.Code || a.Fields[i].Type.String() != nf.Type {
				t.Errorf("field %d is %s %s, want %s %s", i, a.Fields[i].Code, a.Fields[i].Type, nf.Code, nf.Type)
			}
		}
		if a.Fields[1].Title != "count" || !a.Fields[0].Required {
			t.Errorf("title defaults to the code and required is kept: %+v", a.Fields[:2])
		}
		// Without a string field the first field is the title.
		b, err := f.svc.CreateApp(ctx, "crm", workspace.NewApp{Code: "deals", Name: "Deals",
			Fields: []workspace.NewField{{Code: "total", Type: "money"}, {Code: "label", Type: "string"}}, TitleField: ""})
		f.must(err)
		if b.TitleField != "label" {
			t.Fatalf("title field %q, want the first string field", b.TitleField)
		}
		c, err := f.svc.CreateApp(ctx, "crm", workspace.NewApp{Code: "counts", Name: "Counts",
			Fields: []workspace.NewField{{Code: "n", Type: "integer"}}})
		f.must(err)
		if c.TitleField != "n" {
			t.Fatalf("title field %q, want the first field", c.TitleField)
		}
	})
}

func TestAddingAFieldToAnAppWithItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old := f.create("leads", map[string]any{"name": "Ann"})
		a, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{
			AddFields: []workspace.NewField{{Code: "source", Type: "string", Required: true}}})
		f.must(err)
		if last := a.Fields[len(a.Fields)-1]; last.Code != "source" {
			t.Fatalf("new field is not last: %+v", a.Fields)
		}
		read, err := f.svc.Item(ctx, "crm", "leads", old.ID)
		f.must(err)
		if _, ok := read.Values["source"]; ok || len(read.Values) != 1 {
			t.Fatalf("old item values %s", encoded(t, read))
		}
		// The old item can still be changed without filling the new required field.
		_, err = f.svc.UpdateItem(ctx, "crm", "leads", old.ID, workspace.ItemPatch{Values: raw(t, map[string]any{"count": 2})})
		f.must(err)
		_, err = f.svc.CreateItem(ctx, "crm", "leads", workspace.NewItem{Values: raw(t, map[string]any{"name": "Bob"})})
		wantInvalid(t, err, "source: is required")
		_, err = f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{
			AddFields: []workspace.NewField{{Code: "name", Type: "string"}}})
		wantInvalid(t, err, "add_fields[0].code: ", "already has")
	})
}

func TestRemovingFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		used := map[string]bool{"amount": true}
		f.svc.FieldUse = func(_ context.Context, _ *store.Tx, ws, app, field string) (string, error) {
			if ws == "crm" && app == "leads" && used[field] {
				return "process lead_intake version 2", nil
			}
			return "", nil
		}
		it := f.create("leads", map[string]any{"name": "Ann", "count": 5, "amount": 1.5})
		_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"count", "amount"}})
		wantCode(t, err, errs.Conflict, "remove_fields[1]: ", "amount", "lead_intake version 2")
		a, err := f.svc.App(ctx, "crm", "leads")
		f.must(err)
		if _, ok := a.Field("count"); !ok {
			t.Fatal("a refused patch removed a field")
		}

		t.Run("an unused field goes with its values", func(t *testing.T) {
			_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"count"}})
			f.must(err)
			read, err := f.svc.Item(ctx, "crm", "leads", it.ID)
			f.must(err)
			if _, ok := read.Values["count"]; ok {
				t.Fatalf("removed field still read: %s", encoded(t, read))
			}
		})
		t.Run("a field added again under the same code starts empty", func(t *testing.T) {
			_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{
				AddFields: []workspace.NewField{{Code: "count", Type: "string"}}})
			f.must(err)
			read, err := f.svc.Item(ctx, "crm", "leads", it.ID)
			f.must(err)
			if _, ok := read.Values["count"]; ok {
				t.Fatalf("old value came back: %s", encoded(t, read))
			}
			list, err := f.svc.Items(ctx, "crm", "leads", workspace.ItemQuery{Filters: map[string]string{"count": "5"}})
			f.must(err)
			if len(list.Items) != 0 {
				t.Fatal("the old value is still found by a filter")
			}
		})
		t.Run("the title field stays", func(t *testing.T) {
			_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"name"}})
			wantInvalid(t, err, "title field", "title_field")
			title := "email"
			a, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"name"}, TitleField: &title})
			f.must(err)
			if a.TitleField != "email" {
				t.Fatalf("title field %q", a.TitleField)
			}
		})
		_, err = f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"ghost"}})
		wantInvalid(t, err, "remove_fields[0]: ", "ghost")
	})
}

func TestWorkspaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := workspace.New(db)
		for _, code := range []string{"b", "a", "c"} {
			_, err := svc.CreateWorkspace(ctx, workspace.NewWorkspace{Code: code, Name: "WS " + code, By: "u"})
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := svc.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "a", Name: "again", By: "u"})
		wantCode(t, err, errs.Conflict, "code: ")
		_, err = svc.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "a-b", Name: ""})
		wantInvalid(t, err, "code: ", "name: is required")
		page, err := svc.Workspaces(ctx, store.Page{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || page.Items[0].Code != "a" || page.NextCursor != "b" {
			t.Fatalf("first page %+v, next %q", page.Items, page.NextCursor)
		}
		page, _ = svc.Workspaces(ctx, store.Page{Limit: 2, Cursor: page.NextCursor})
		if len(page.Items) != 1 || page.Items[0].Code != "c" || page.NextCursor != "" {
			t.Fatalf("second page %+v, next %q", page.Items, page.NextCursor)
		}
		name := "Renamed"
		w, err := svc.UpdateWorkspace(ctx, "a", workspace.WorkspacePatch{Name: &name})
		if err != nil || w.Name != "Renamed" {
			t.Fatalf("rename: %v %+v", err, w)
		}
		repeat := workspace.NewWorkspace{Code: "d", Name: "D", By: "u", Idempotency: store.NewIdempotency("k", "u", "d")}
		if _, err := svc.CreateWorkspace(ctx, repeat); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateWorkspace(ctx, repeat); err != nil {
			t.Fatalf("a repeat with the same idempotency key: %v", err)
		}
	})
}

// TestRemovalWaitsForItemWrites holds a transaction that writes a value of a field while the
// field is removed: the removal must wait and then purge the value, never leave it behind.
func TestRemovalWaitsForItemWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		amount := mustValue(t, value.Type{Kind: value.KindNumber}, `1.5`)
		name := mustValue(t, value.Type{Kind: value.KindString}, `"Ann"`)
		written := make(chan struct{})
		removed := make(chan error, 1)
		go func() {
			<-written
			_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"amount"}})
			removed <- err
		}()
		var id string
		f.must(db.Tx(ctx, func(tx *store.Tx) error {
			it, err := f.svc.CreateItemTx(ctx, tx, "crm", "leads", map[string]value.Value{"name": name, "amount": amount}, "p")
			if err != nil {
				return err
			}
			id = it.ID
			close(written)
			time.Sleep(100 * time.Millisecond) // the removal runs now, unless it waits
			return nil
		}))
		f.must(<-removed)
		it, err := f.svc.Item(ctx, "crm", "leads", id)
		f.must(err)
		if len(it.Values) != 1 {
			t.Fatalf("values after the removal: %s", encoded(t, it))
		}
		_, err = f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{AddFields: []workspace.NewField{{Code: "amount", Type: "number"}}})
		f.must(err)
		if got := f.filter(map[string]string{"amount": "1.5"}); len(got) != 0 {
			t.Fatalf("a value written during the removal survived it: %v", got)
		}
	})
}

// TestRemovalWaitsForAppReaders plays a publish that reads an app's fields with AppTx and
// records that it uses one: a removal that starts in between must wait for the commit and
// then see the use, rather than remove a field a version is about to depend on.
func TestRemovalWaitsForAppReaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var useRecord string // a contact item stands in for the published version's row
		f.svc.FieldUse = func(ctx context.Context, tx *store.Tx, ws, app, field string) (string, error) {
			ok, err := workspace.ItemExistsTx(ctx, tx, "crm", "contacts", useRecord)
			if ok {
				return "the version being published", err
			}
			return "", err
		}
		read := make(chan struct{})
		removed := make(chan error, 1)
		go func() {
			<-read
			_, err := f.svc.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"amount"}})
			removed <- err
		}()
		f.must(db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := workspace.AppTx(ctx, tx, "crm", "leads"); err != nil {
				return err
			}
			it, err := f.svc.CreateItemTx(ctx, tx, "crm", "contacts", nil, "publish")
			if err != nil {
				return err
			}
			useRecord = it.ID
			close(read)
			time.Sleep(100 * time.Millisecond) // the removal runs now, unless it waits
			return nil
		}))
		wantCode(t, <-removed, errs.Conflict, "amount", "the version being published")
	})
}
