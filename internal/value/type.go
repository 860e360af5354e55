package value

import (
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/errs"
)

// Kind names one of the types; for items the kind alone does not say which app.
type Kind string

// The kinds, spelled as users write them in process variables and app fields.
const (
	KindString   Kind = "string"
	KindInteger  Kind = "integer"
	KindNumber   Kind = "number"
	KindBoolean  Kind = "boolean"
	KindDatetime Kind = "datetime"
	KindMoney    Kind = "money"
	KindPhone    Kind = "phone"
	KindEmail    Kind = "email"
	KindUser     Kind = "user"
	KindSession  Kind = "session"
	KindItem     Kind = "item"
	// KindFile is a stored file (File); KindFiles a list of them, such as a message's
	// attachments.
	KindFile  Kind = "file"
	KindFiles Kind = "files"
	// KindList is a JSON array and KindObject a JSON object, of any JSON values (structured.go).
	KindList   Kind = "list"
	KindObject Kind = "object"
)

// kinds lists every kind in the order error messages suggest them.
var kinds = []Kind{KindString, KindInteger, KindNumber, KindBoolean, KindDatetime, KindMoney,
	KindPhone, KindEmail, KindUser, KindSession, KindFile, KindFiles, KindList, KindObject, KindItem}

// typeNames is the list shown to a user who misspelt a type, so that the fix is in the message.
const typeNames = "string, integer, number, boolean, datetime, money, phone, email, user, session, file, files, list, object, item:<workspace>/<app>"

// Type is a type of values. Workspace and App are set only for KindItem, because an item link is
// only meaningful together with the app whose items it may point to.
type Type struct {
	Kind      Kind
	Workspace string
	App       string
}

// ParseType reads a type as written in DOMAIN.md, such as "phone" or "item:crm/leads".
func ParseType(s string) (Type, error) {
	if rest, ok := strings.CutPrefix(s, string(KindItem)+":"); ok {
		return parseItemType(s, rest)
	}
	for _, k := range kinds {
		if s == string(k) && k != KindItem {
			return Type{Kind: k}, nil
		}
	}
	if s == string(KindItem) {
		return Type{}, errs.New(errs.Invalid,
			"type %q needs its app: write item:<workspace>/<app>, e.g. item:crm/leads", s)
	}
	return Type{}, errs.New(errs.Invalid, "unknown type %q; use one of %s", s, typeNames)
}

// parseItemType checks the <workspace>/<app> part of an item type, so that an item type always
// names an app that could exist.
func parseItemType(s, rest string) (Type, error) {
	ws, app, ok := strings.Cut(rest, "/")
	if !ok {
		return Type{}, errs.New(errs.Invalid,
			"invalid type %q: write item:<workspace>/<app>, e.g. item:crm/leads", s)
	}
	for _, part := range []struct{ what, code string }{{"workspace", ws}, {"app", app}} {
		if !ValidCode(part.code) {
			return Type{}, errs.New(errs.Invalid, "invalid type %q: %s code %q %s",
				s, part.what, part.code, codeRule)
		}
	}
	return Type{Kind: KindItem, Workspace: ws, App: app}, nil
}

// codeRule describes what ValidCode accepts, for error messages.
const codeRule = "must start with a lower-case letter and hold at most 64 lower-case letters, digits, '-' or '_'"

// ValidCode reports whether s is usable as a workspace or app code. KindItem types embed these
// codes, so the workspace package should accept exactly the codes this function accepts.
func ValidCode(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// String returns the type as users write it; the zero Type gives "".
func (t Type) String() string {
	if t.Kind == KindItem {
		return string(KindItem) + ":" + t.Workspace + "/" + t.App
	}
	return string(t.Kind)
}

// Equal reports whether t and u are the same type; item types are equal only for the same app.
func (t Type) Equal(u Type) bool { return t == u }

// valid reports whether t is one of the types ParseType can return.
func (t Type) valid() bool {
	if t.Kind == KindItem {
		return ValidCode(t.Workspace) && ValidCode(t.App)
	}
	for _, k := range kinds {
		if t.Kind == k {
			return t.Workspace == "" && t.App == ""
		}
	}
	return false
}

// MarshalText writes the type in its string form; JSON uses it, so a type is a plain JSON string.
func (t Type) MarshalText() ([]byte, error) {
	if !t.valid() {
		return nil, fmt.Errorf("value: cannot marshal invalid type %#v", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads a type written as by ParseType.
func (t *Type) UnmarshalText(b []byte) error {
	u, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// Assignable reports whether a value of type from may be put where type to is expected. It is
// the single home of the mapping rule of DOMAIN.md, "only the same type maps", so that a later
// relaxation (say, integer into number) would be made here and nowhere else.
func Assignable(from, to Type) bool { return from.Equal(to) }
