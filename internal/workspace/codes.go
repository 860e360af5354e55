package workspace

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
)

// codePattern is the rule for workspace, app and field codes. It is stricter than
// value.ValidCode (no '-', at most 40 characters), so every code accepted here also forms a
// valid item:<workspace>/<app> type, and field codes are identifiers an expression can use.
var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

const codeRule = "use 1-40 lower-case letters, digits or '_', starting with a letter"

// reservedFields are the query parameters of the item list, which therefore cannot name
// fields: ?limit=10 must never be read as a filter.
var reservedFields = map[string]bool{"limit": true, "cursor": true}

// maxName bounds names and field titles; they are labels, not text.
const maxName = 200

// maxFields bounds the fields of one app, so that one item stays a reasonable row.
const maxFields = 100

func checkCode(list *errs.List, field, code string) {
	switch {
	case code == "":
		list.Add(field, "is required")
	case !codePattern.MatchString(code):
		list.Add(field, "%q is not a code: %s", code, codeRule)
	}
}

func checkName(list *errs.List, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		list.Add(field, "is required")
	case utf8.RuneCountInString(name) > maxName:
		list.Add(field, "must be at most %d characters", maxName)
	}
}

// conflict turns a unique violation into a conflict that names the field.
func conflict(err error, field, format string, args ...any) error {
	if !errs.Is(err, errs.Conflict) {
		return err
	}
	e := errs.Field(field, format, args...)
	e.Code = errs.Conflict
	return e
}
