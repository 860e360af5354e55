// Package workspace holds workspaces, the apps inside them with their typed fields, and the
// items of those apps: the data business processes work on, such as the leads of crm/leads.
//
// Every item value is a value.Value of its field's type. Values are stored as one JSON object
// of canonical value JSON keyed by field code (items.data); each set value also gets a row in
// item_values holding the SHA-256 of that canonical JSON. Because the value package encodes
// equal values to equal bytes, a filter ?field=value is parsed with the field's type, encoded,
// hashed, and compared in portable SQL with an index: exact for every type, never a scan.
//
// Administrators define workspaces, apps and fields; any staff user reads and writes items.
// The HTTP layer enforces who may call what. The Tx functions (AppTx, CreateItemTx,
// UpdateItemTx, ScopeExists, ItemExistsTx) are for other domain packages, such as the process
// engine, that work inside their own transaction; they check values but not principals.
package workspace

import (
	"context"
	"embed"
	"time"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// FieldUseChecker reports whether something outside this package depends on a field of an
// app, such as a published process version that maps into it. It returns a description of the
// user ("process lead_intake version 3") or "" when there is none. The process engine provides
// it; this package cannot ask the engine directly without pointing the package arrows upwards.
type FieldUseChecker func(ctx context.Context, tx *store.Tx, ws, app, field string) (usedBy string, err error)

// SessionChecker reports whether a live-chat session exists, inside the caller's transaction,
// so that session fields of items link to real sessions. The chat package provides it.
type SessionChecker func(ctx context.Context, tx *store.Tx, id string) (bool, error)

// Service is the workspaces, apps and items service.
type Service struct {
	db *store.DB
	// FieldUse is asked before a field is removed; nil means nothing outside this package uses
	// fields. Set it before serving requests.
	FieldUse FieldUseChecker
	// Sessions checks session links of item values; nil means only their shape is checked, as
	// long as no chat package is wired in. Set it before serving requests.
	Sessions SessionChecker
}

// New returns the service over db.
func New(db *store.DB) *Service { return &Service{db: db} }

// Workspace is a named container of apps, such as crm.
type Workspace struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// App is a kind of record inside a workspace, such as leads, with its fields in order.
type App struct {
	Workspace string `json:"workspace"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	// TitleField is the code of the field whose value is an item's title.
	TitleField string    `json:"title_field"`
	Fields     []Field   `json:"fields"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Field is one typed field of an app. Title is the label people see; Code is what values,
// filters and process mappings use.
type Field struct {
	Code     string     `json:"code"`
	Title    string     `json:"title"`
	Type     value.Type `json:"type"`
	Required bool       `json:"required"`
}

// Field returns the app's field with that code.
func (a *App) Field(code string) (Field, bool) {
	for _, f := range a.Fields {
		if f.Code == code {
			return f, true
		}
	}
	return Field{}, false
}

// Ref returns "<workspace>/<app>", the app's name in scopes, item types and messages.
func (a *App) Ref() string { return a.Workspace + "/" + a.Code }

// ItemType returns the type of values that link to this app's items, item:<workspace>/<app>.
func (a *App) ItemType() value.Type {
	return value.Type{Kind: value.KindItem, Workspace: a.Workspace, App: a.Code}
}

// Item is one record of an app. Values holds the set fields only: a field added after the
// item was written, or cleared, is absent.
type Item struct {
	ID        string                 `json:"id"`
	Workspace string                 `json:"workspace"`
	App       string                 `json:"app"`
	Title     string                 `json:"title"`
	Values    map[string]value.Value `json:"values"`
	CreatedBy string                 `json:"created_by"`
	UpdatedBy string                 `json:"updated_by"`
	CreatedAt time.Time              `json:"created_at"`
	UpdatedAt time.Time              `json:"updated_at"`
}

// Link returns the item:<workspace>/<app> value that points to it, as a process stores it.
func (it *Item) Link() value.Value {
	t := value.Type{Kind: value.KindItem, Workspace: it.Workspace, App: it.App}
	v, err := value.FromNative(t, it.ID)
	if err != nil {
		// Item ids come from store.NewID and always fit; anything else is a bug here.
		panic("workspace: item id does not fit an item value: " + err.Error())
	}
	return v
}
