package workspace_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/workspace"
	"golang.org/x/crypto/bcrypt"
)

// fixture is a database with workspace crm, app crm/contacts with one contact, and app
// crm/leads with a field of every type.
type fixture struct {
	t       *testing.T
	db      *store.DB
	svc     *workspace.Service
	userID  string
	contact string
}

var ctx = context.Background()

// leadFields has one field of every type; name is required and the title.
var leadFields = []workspace.NewField{
	{Code: "name", Title: "Name", Type: "string", Required: true},
	{Code: "count", Type: "integer"},
	{Code: "amount", Type: "number"},
	{Code: "active", Type: "boolean"},
	{Code: "due", Type: "datetime"},
	{Code: "price", Type: "money"},
	{Code: "phone", Type: "phone"},
	{Code: "email", Type: "email"},
	{Code: "owner", Type: "user"},
	{Code: "chat", Type: "session"},
	{Code: "contact", Type: "item:crm/contacts"},
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, svc: workspace.New(db)}
	a := auth.New(db, nil)
	a.BcryptCost = bcrypt.MinCost
	u, err := a.CreateUser(ctx, auth.NewUser{Login: "olga", DisplayName: "Olga", Password: "password-1"})
	f.must(err)
	f.userID = u.ID
	_, err = f.svc.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM", By: "admin"})
	f.must(err)
	_, err = f.svc.CreateApp(ctx, "crm", workspace.NewApp{Code: "contacts", Name: "Contacts", By: "admin",
		Fields: []workspace.NewField{{Code: "name", Type: "string"}}})
	f.must(err)
	_, err = f.svc.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads", Fields: leadFields, By: "admin"})
	f.must(err)
	f.contact = f.create("contacts", map[string]any{"name": "Ann"}).ID
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// raw turns Go values into the JSON an HTTP client would send.
func raw(t *testing.T, vals map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range vals {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

func (f *fixture) create(app string, vals map[string]any) *workspace.Item {
	f.t.Helper()
	it, err := f.svc.CreateItem(ctx, "crm", app, workspace.NewItem{Values: raw(f.t, vals), By: f.userID})
	f.must(err)
	return it
}

// encoded returns an item's values as the canonical JSON the API shows.
func encoded(t *testing.T, it *workspace.Item) string {
	t.Helper()
	b, err := json.Marshal(it.Values)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantInvalid fails unless err is invalid and its message contains every part.
func wantInvalid(t *testing.T, err error, parts ...string) {
	t.Helper()
	wantCode(t, err, errs.Invalid, parts...)
}

func wantCode(t *testing.T, err error, code errs.Code, parts ...string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("error %v, want %s", err, code)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err.Error(), p)
		}
	}
}
