package workspace

import (
	"context"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// GlobalScope is the scope of processes that belong to no workspace.
const GlobalScope = "global"

// Scope is where a process definition lives: global (both codes empty), a workspace, or an
// app inside a workspace. Its text form is "global", "<ws>" or "<ws>/<app>".
type Scope struct {
	Workspace string
	App       string
}

// ParseScope reads a scope's text form; errors name the field "scope".
func ParseScope(s string) (Scope, error) {
	if s == GlobalScope {
		return Scope{}, nil
	}
	ws, app, hasApp := strings.Cut(s, "/")
	if !codePattern.MatchString(ws) || hasApp && !codePattern.MatchString(app) {
		return Scope{}, errs.Field("scope", "%q is not a scope: write global, <workspace> or <workspace>/<app> with codes that %s",
			s, strings.TrimPrefix(codeRule, "use "))
	}
	return Scope{Workspace: ws, App: app}, nil
}

// String returns the scope's text form.
func (sc Scope) String() string {
	switch {
	case sc.Workspace == "":
		return GlobalScope
	case sc.App == "":
		return sc.Workspace
	}
	return sc.Workspace + "/" + sc.App
}

// Contains reports whether a process of scope other is listed under sc: a scope contains
// itself, and a workspace also contains its apps, so ?scope=crm lists the processes of crm and
// of crm/leads. Global contains only global: it is a scope of its own, not "everything".
func (sc Scope) Contains(other Scope) bool {
	if sc == other {
		return true
	}
	return sc.Workspace != "" && sc.App == "" && other.Workspace == sc.Workspace
}

// ScopeExists checks, inside the caller's transaction, that a process scope is well formed
// and names a workspace or app that exists. A missing one is the caller's mistake, so the
// error is invalid and names the field scope, like value.CheckRefs does for links.
func ScopeExists(ctx context.Context, tx *store.Tx, scope string) error {
	sc, err := ParseScope(scope)
	if err != nil {
		return err
	}
	switch {
	case sc.Workspace == "":
		return nil
	case sc.App == "":
		return refExists(ctx, tx, "workspace "+sc.Workspace, "SELECT 1 FROM workspaces WHERE code = ?", sc.Workspace)
	}
	return refExists(ctx, tx, "app "+sc.String(), "SELECT 1 FROM apps WHERE workspace = ? AND code = ?", sc.Workspace, sc.App)
}

func refExists(ctx context.Context, tx *store.Tx, what, query string, args ...any) error {
	ok, err := tx.Exists(ctx, query, args...)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Field("scope", "%s does not exist", what)
	}
	return nil
}
