package workspace

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// NewField is the input for one field of an app. Type is written as in DOMAIN.md ("phone",
// "item:crm/contacts"); Title defaults to the code.
type NewField struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// parseFields checks the fields given under path ("fields" or "add_fields") and returns those
// that parsed. taken holds the codes the app keeps, which new fields may not reuse.
func parseFields(list *errs.List, path string, in []NewField, taken map[string]bool) []Field {
	if len(in) > maxFields {
		list.Add(path, "an app has at most %d fields", maxFields)
		return nil
	}
	seen := map[string]bool{}
	out := make([]Field, 0, len(in))
	for i, nf := range in {
		p := fmt.Sprintf("%s[%d]", path, i)
		f, ok := parseField(list, p, nf)
		switch {
		case !ok:
			continue
		case seen[f.Code]:
			list.Add(p+".code", "%q is given twice", f.Code)
		case taken[f.Code]:
			list.Add(p+".code", "the app already has a field %q", f.Code)
		}
		seen[f.Code] = true
		out = append(out, f)
	}
	return out
}

// parseField checks one field; the error names the exact path, as in
// `fields[2].type: unknown type "strng"`.
func parseField(list *errs.List, path string, nf NewField) (Field, bool) {
	before := len(*list)
	checkCode(list, path+".code", nf.Code)
	if reservedFields[nf.Code] {
		list.Add(path+".code", "%q is reserved: the item list reads ?%s= itself", nf.Code, nf.Code)
	}
	title := strings.TrimSpace(nf.Title)
	if title == "" {
		title = nf.Code
	} else if utf8.RuneCountInString(title) > maxName {
		list.Add(path+".title", "must be at most %d characters", maxName)
	}
	t, err := value.ParseType(nf.Type)
	switch {
	case nf.Type == "":
		list.Add(path+".type", "is required")
	case err != nil:
		list.Add(path+".type", "%s", err.Error())
	}
	return Field{Code: nf.Code, Title: title, Type: t, Required: nf.Required}, len(*list) == before
}

func hasField(fields []Field, code string) bool {
	for _, f := range fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// checkItemTargets makes sure that every item:<ws>/<app> field links to an app that exists;
// self, the app being defined, may link to itself.
func checkItemTargets(ctx context.Context, tx *store.Tx, path string, fields []Field, self string) error {
	var list errs.List
	for i, f := range fields {
		target := f.Type.Workspace + "/" + f.Type.App
		if f.Type.Kind != value.KindItem || target == self {
			continue
		}
		ok, err := tx.Exists(ctx, "SELECT 1 FROM apps WHERE workspace = ? AND code = ?", f.Type.Workspace, f.Type.App)
		if err != nil {
			return err
		}
		if !ok {
			list.Add(fmt.Sprintf("%s[%d].type", path, i), "%s links to app %s, which does not exist", f.Type, target)
		}
	}
	return list.Err()
}

// insertFields adds fields after the app's existing ones, keeping their order.
func insertFields(ctx context.Context, tx *store.Tx, ws, app string, fields []Field, start int) error {
	for i, f := range fields {
		_, err := tx.Exec(ctx, `INSERT INTO app_fields (workspace, app, code, title, type, required, position)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ws, app, f.Code, f.Title, f.Type.String(), f.Required, start+i)
		if err != nil {
			return err
		}
	}
	return nil
}

// loadFields reads an app's fields in the order the administrator gave them.
func loadFields(ctx context.Context, tx *store.Tx, ws, app string) ([]Field, error) {
	rows, err := tx.Query(ctx, "SELECT code, title, type, required FROM app_fields WHERE workspace = ? AND app = ? ORDER BY position", ws, app)
	if err != nil {
		return nil, err
	}
	fields, err := scanAll(rows, func(row interface{ Scan(...any) error }) (Field, error) {
		var f Field
		var typ string
		if err := row.Scan(&f.Code, &f.Title, &typ, &f.Required); err != nil {
			return f, err
		}
		t, err := value.ParseType(typ)
		if err != nil {
			return f, fmt.Errorf("stored type of field %s of %s/%s: %w", f.Code, ws, app, err)
		}
		f.Type = t
		return f, nil
	})
	if fields == nil && err == nil {
		fields = []Field{}
	}
	return fields, err
}
