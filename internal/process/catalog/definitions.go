package catalog

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Variable is one typed context variable of a process.
type Variable struct {
	Name     string     `json:"name"`
	Type     value.Type `json:"type"`
	Required bool       `json:"required"`
	Title    string     `json:"title"`
}

// Definition is a process as administrators edit it: the draft, plus which version is
// published.
type Definition struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	Variables []Variable `json:"variables"`
	BPMN      string     `json:"bpmn"`
	// PublishedVersion is the newest published version, 0 when never published.
	PublishedVersion int `json:"published_version"`
	// Unpublished is set when an administrator withdrew the process: running instances go on,
	// nothing new starts until it is published again.
	Unpublished bool      `json:"unpublished"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Draft is what an administrator sends to create or replace a draft.
type Draft struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	Variables []Variable `json:"variables"`
	BPMN      string     `json:"bpmn"`
	// Idempotency, when set, makes a repeat of the same create by the same administrator
	// return the first definition instead of a conflict on the code; replacing a draft
	// ignores it.
	Idempotency store.Idempotency `json:"-"`
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// identPattern is what expressions accept as a name, so every variable can be used in one.
var identPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// check validates everything of a draft except the diagram, which is only checked at publish:
// a draft may be saved half-drawn.
func (d *Draft) check() error {
	var list errs.List
	d.Name = strings.TrimSpace(d.Name)
	if !codePattern.MatchString(d.Code) {
		list.Add("code", "%q must start with a lower-case letter and hold at most 64 lower-case letters, digits, '-' or '_'", d.Code)
	}
	if d.Name == "" || utf8.RuneCountInString(d.Name) > 200 {
		list.Add("name", "is required and must be at most 200 characters")
	}
	if d.Scope == "" {
		d.Scope = "global"
	}
	if len(d.BPMN) > bpmn.MaxSize {
		return errs.New(errs.TooLarge, "bpmn: the diagram is larger than %d bytes", bpmn.MaxSize)
	}
	checkVariables(&list, d.Variables)
	return list.Err()
}

func checkVariables(list *errs.List, vars []Variable) {
	seen := map[string]bool{}
	for i, v := range vars {
		field := "variables[" + itoa(i) + "]"
		switch {
		case !identPattern.MatchString(v.Name):
			list.Add(field+".name", "%q must be a name usable in expressions: letters, digits and _, not starting with a digit", v.Name)
		case seen[v.Name]:
			list.Add(field+".name", "variable %q is declared twice", v.Name)
		case bpmnKeyword(v.Name):
			list.Add(field+".name", "%q is a keyword of expressions and cannot name a variable", v.Name)
		}
		seen[v.Name] = true
		if v.Type.Kind == "" {
			list.Add(field+".type", "variable %q needs a type", v.Name)
		}
		if utf8.RuneCountInString(v.Title) > 200 {
			list.Add(field+".title", "must be at most 200 characters")
		}
	}
}

// bpmnKeyword reports names that expr-lang reads as operators or literals.
func bpmnKeyword(s string) bool {
	switch s {
	case "in", "not", "and", "or", "matches", "contains", "startsWith", "endsWith", "let",
		"nil", "true", "false", "if", "else":
		return true
	}
	return false
}

// CreateDraft adds a process definition as a draft. Only administrators may.
func (c *Catalog) CreateDraft(ctx context.Context, d Draft) (*Definition, error) {
	admin, err := policy.UserCan(ctx, policy.ProcessManage)
	if err != nil {
		return nil, err
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return store.CreateOnce(ctx, c.db, d.Idempotency, store.Target{Table: "process_definitions", IDColumn: "code"},
		func(tx *store.Tx, code string) (*Definition, error) { return definitionTx(ctx, tx, code) },
		func(tx *store.Tx) (*Definition, error) {
			if err := c.checkScope(ctx, tx, d.Scope); err != nil {
				return nil, err
			}
			vars, _ := json.Marshal(nonNilVars(d.Variables))
			idem := d.Idempotency
			_, err := tx.Exec(ctx, `INSERT INTO process_definitions (code, name, scope, variables, bpmn, created_by, idempotency_key,
				idempotency_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.Code, d.Name, d.Scope, string(vars),
				d.BPMN, admin.ID, idem.KeyArg(), idem.HashArg(), store.TS(tx.Now()), store.TS(tx.Now()))
			if store.IsUnique(err) {
				e := errs.Field("code", "a process with code %q already exists", d.Code)
				e.Code = errs.Conflict
				return nil, e
			}
			if err != nil {
				return nil, err
			}
			return definitionTx(ctx, tx, d.Code)
		})
}

// UpdateDraft replaces the draft of an existing process; published versions stay as they are.
func (c *Catalog) UpdateDraft(ctx context.Context, code string, d Draft) (*Definition, error) {
	if err := policy.Check(ctx, policy.ProcessManage); err != nil {
		return nil, err
	}
	if d.Code == "" {
		d.Code = code
	}
	if d.Code != code {
		return nil, errs.Field("code", "the code of a process cannot change (%q in the path, %q in the body)", code, d.Code)
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	var out *Definition
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		if err := c.checkScope(ctx, tx, d.Scope); err != nil {
			return err
		}
		vars, _ := json.Marshal(nonNilVars(d.Variables))
		res, err := tx.Exec(ctx, `UPDATE process_definitions SET name = ?, scope = ?, variables = ?, bpmn = ?, updated_at = ?
			WHERE code = ?`, d.Name, d.Scope, string(vars), d.BPMN, store.TS(tx.Now()), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "process %q not found", code)
		}
		out, err = definitionTx(ctx, tx, code)
		return err
	})
	return out, err
}

func nonNilVars(v []Variable) []Variable {
	if v == nil {
		return []Variable{}
	}
	return v
}

const definitionColumns = `code, name, scope, variables, bpmn, published_version, unpublished, created_at, updated_at`

func scanDefinition(row interface{ Scan(...any) error }) (*Definition, error) {
	var d Definition
	var vars string
	var created, updated store.Timestamp
	if err := row.Scan(&d.Code, &d.Name, &d.Scope, &vars, &d.BPMN, &d.PublishedVersion, &d.Unpublished, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vars), &d.Variables); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	return &d, nil
}

// definitionTx reads one definition inside tx.
func definitionTx(ctx context.Context, tx *store.Tx, code string) (*Definition, error) {
	d, err := scanDefinition(tx.QueryRow(ctx, "SELECT "+definitionColumns+" FROM process_definitions WHERE code = ?", code))
	if err != nil {
		return nil, store.NotFound(err, "process %q not found", code)
	}
	return d, nil
}

// Definition returns one process definition with its draft.
func (c *Catalog) Definition(ctx context.Context, code string) (*Definition, error) {
	var d *Definition
	err := c.db.Read(ctx, func(tx *store.Tx) (err error) {
		d, err = definitionTx(ctx, tx, code)
		return err
	})
	return d, err
}

// DefinitionFilter selects definitions for a list.
type DefinitionFilter struct {
	// Scope, when set, keeps the definitions listed under that scope: "global" and an app
	// ("crm/leads") keep their own, a workspace ("crm") keeps its own and its apps'.
	Scope string
	Page  store.Page
}

// Definitions lists process definitions by code.
func (c *Catalog) Definitions(ctx context.Context, f DefinitionFilter) (store.List[*Definition], error) {
	var out store.List[*Definition]
	if err := f.Page.Check(); err != nil {
		return out, err
	}
	where, args, err := scopeWhere(f.Scope)
	if err != nil {
		return out, err
	}
	err = c.db.Read(ctx, func(tx *store.Tx) error {
		q := "SELECT " + definitionColumns + " FROM process_definitions WHERE code > ?" + where
		args := append([]any{f.Page.Cursor}, args...)
		rows, err := tx.Query(ctx, q+" ORDER BY code LIMIT ?", append(args, f.Page.Size()+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []*Definition
		for rows.Next() {
			d, err := scanDefinition(rows)
			if err != nil {
				return err
			}
			items = append(items, d)
		}
		out = store.Cut(items, f.Page, func(d *Definition) string { return d.Code })
		return rows.Err()
	})
	return out, err
}

// scopeWhere returns the condition, to AND to a query, that keeps the definitions listed under
// scope, by the rule of workspace.Scope.Contains: a scope lists itself, a workspace also lists
// its apps, and global lists only global. The prefix is compared with substr, not LIKE, because
// "_" is a wildcard of LIKE and may occur in codes: "crm_x" must not list "crmax/leads". The
// "/" of the prefix keeps "crm" from listing "crmx/leads".
func scopeWhere(scope string) (string, []any, error) {
	if scope == "" {
		return "", nil, nil
	}
	if err := checkScopeForm(scope); err != nil {
		return "", nil, err
	}
	if scope == "global" || strings.Contains(scope, "/") {
		return " AND scope = ?", []any{scope}, nil
	}
	return " AND (scope = ? OR substr(scope, 1, ?) = ?)", []any{scope, len(scope) + 1, scope + "/"}, nil
}

// checkScopeForm checks that a scope is written as global, <workspace> or <workspace>/<app>.
func checkScopeForm(scope string) error {
	ws, app, hasApp := strings.Cut(scope, "/")
	if scope != "global" && (!value.ValidCode(ws) || (hasApp && !value.ValidCode(app))) {
		return errs.Field("scope", "%q must be global, <workspace> or <workspace>/<app>", scope)
	}
	return nil
}

// checkScope checks that a scope names something that exists: "global", a workspace, or an
// app inside a workspace.
func (c *Catalog) checkScope(ctx context.Context, tx *store.Tx, scope string) error {
	if scope == "global" {
		return nil
	}
	if err := checkScopeForm(scope); err != nil {
		return err
	}
	ws, _, _ := strings.Cut(scope, "/")
	if c.apps() == nil {
		return errs.Field("scope", "workspace %q does not exist (workspaces are not available)", ws)
	}
	if err := c.apps().ScopeExists(ctx, tx, scope); err != nil {
		return value.InField("scope", err)
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
