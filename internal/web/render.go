package web

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// pages holds one template set per page: the layouts plus that page's file, so that every
// page can define the same "title" and "content" blocks.
type pages struct {
	sets map[string]*template.Template
}

// presences are the choices of the presence switch, in the order shown.
var presences = []auth.Presence{auth.Online, auth.Away, auth.Offline}

// presenceText says what each presence means for the person choosing it.
var presenceText = map[auth.Presence]struct{ label, help string }{
	auth.Online:  {"Online", "You take waiting sessions, reply and start processes."},
	auth.Away:    {"Away", "You stay signed in, but new sessions wait for others."},
	auth.Offline: {"Offline", "You can read sessions, but not reply, take them or start processes."},
}

// initial is the first letter of a name, for the avatar beside it.
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// parsePages parses templates/pages/*.html, each with templates/layout.html. Templates are
// embedded, so a parse error is a bug in the binary and panics at start (and in every test).
// asset gives the fingerprinted address of a static file, for templates' {{asset "css/x.css"}}.
func parsePages(fsys fs.FS, asset func(string) string) *pages {
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"presences":     func() []auth.Presence { return presences },
		"presenceLabel": func(p auth.Presence) string { return presenceText[p].label },
		"presenceHelp":  func(p auth.Presence) string { return presenceText[p].help },
		"initial":       initial,
		"asset":         asset,
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		p.sets[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layout.html", f))
	}
	return p
}

// view is what a page template sees. Handlers fill the first group; render fills the rest.
type view struct {
	// Page names the template file under templates/pages, without ".html".
	Page string
	// Title is the page's title in the browser tab, before " · Parley".
	Title string
	// Script names the page's module under static/js/pages, without ".js"; empty for none.
	Script string
	// Layout is "layout" (top bar and navigation) or "bare" (a centered card, for login).
	Layout string
	// Status is the HTTP status; zero means 200.
	Status int
	// Data is the page's own data.
	Data any
	// Frameable lets other sites frame the page (the customer's widget); no other page may be.
	Frameable bool

	User     *auth.User
	TopNav   []navLink
	AdminNav []navLink
	// InAdmin is set on pages under /admin, which show the Administration sidebar.
	InAdmin   bool
	AdminHome string
	CSS       string
	AppJS     string
	ScriptURL string
}

// navLink is a navigation entry as drawn, knowing whether it is the current section.
type navLink struct {
	Title, Path string
	Active      bool
}

// render writes the page v for the request's user. The output is buffered so a template
// error becomes a clean 500 rather than half a page.
func (ui *UI) render(w http.ResponseWriter, r *http.Request, v view) {
	t, ok := ui.pages.sets[v.Page]
	if !ok {
		ui.log.Error("no such page template", "page", v.Page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	ui.fillView(r, &v)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, v.Layout, v); err != nil {
		ui.log.Error("render page", "page", v.Page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	if v.Frameable {
		w.Header().Set("Content-Security-Policy", framedCSP)
	}
	w.WriteHeader(v.Status)
	_, _ = w.Write(buf.Bytes())
}

// fillView adds what every page shows: the user, the navigation, the asset addresses.
func (ui *UI) fillView(r *http.Request, v *view) {
	if v.Layout == "" {
		v.Layout = "layout"
	}
	if v.Status == 0 {
		v.Status = http.StatusOK
	}
	v.User, _ = auth.StaffFrom(r.Context())
	v.CSS, v.AppJS = ui.static.url("css/parley.css"), ui.static.url("js/app.js")
	if v.Script != "" {
		v.ScriptURL = ui.static.url("js/pages/" + v.Script + ".js")
	}
	if v.User == nil {
		return
	}
	v.TopNav = links(ui.topNav, r.URL.Path)
	v.InAdmin = strings.HasPrefix(r.URL.Path, "/admin/") && v.User.IsAdmin()
	if v.User.IsAdmin() && len(ui.adminNav) > 0 {
		v.AdminHome = ui.adminNav[0].Path
		v.AdminNav = links(ui.adminNav, r.URL.Path)
	}
}

func links(items []navItem, current string) []navLink {
	out := make([]navLink, len(items))
	for i, it := range items {
		out[i] = navLink{Title: it.Title, Path: it.Path, Active: current == it.Path || strings.HasPrefix(current, it.Path+"/")}
	}
	return out
}

// setPageHeaders sets the security headers of every page. The content security policy allows
// only Parley's own scripts, styles and connections: pages have no inline script, so even an
// escaping mistake could not run injected code. The process page's BPMN modeler (bpmn-js)
// runs under the same policy unchanged — it positions and sizes through the CSSOM, which
// style-src does not govern, and its font is a static file — and its browser test fails on
// any violation, so no page needs a looser policy for it.
func setPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// errorView describes a failed page request for the error template.
type errorView struct {
	Heading string
	Message string
}

// renderError shows err as a page with the status its code maps to. Not found and forbidden
// show the error's own message, which is written for people; anything else is logged and
// shown without detail, as the API does.
func (ui *UI) renderError(w http.ResponseWriter, r *http.Request, err error) {
	ev := errorView{"Something went wrong", "The error was logged. Try again in a moment."}
	status := http.StatusInternalServerError
	var e *errs.Error
	switch code := errs.CodeOf(err); {
	case code == errs.NotFound && errors.As(err, &e):
		status, ev = http.StatusNotFound, errorView{"Not found", e.Message}
	case code == errs.Forbidden && errors.As(err, &e):
		status, ev = http.StatusForbidden, errorView{"Not allowed", e.Message}
	default:
		ui.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	ui.render(w, r, view{Page: "error", Title: ev.Heading, Status: status, Data: ev})
}
