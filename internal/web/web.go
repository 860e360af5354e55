package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/parleychat/parley/internal/auth"
)

// sessionCookie is the cookie POST /api/v1/auth/login sets (httpapi.SessionCookie). It is
// repeated rather than imported so that web depends on the API's contract, not its package;
// a test keeps the two equal.
const sessionCookie = "parley_session"

//go:embed templates static
var embedded embed.FS

// Deps are what the pages need from the rest of Parley.
type Deps struct {
	Auth *auth.Service
	// Mux is the API's router; pages are registered beside the API so that they share its
	// middleware (authentication, cross-origin protection, logging).
	Mux    *http.ServeMux
	Logger *slog.Logger
	// DemoLiveChat returns the id of the live chat /demo/site embeds; nil means no demo site.
	DemoLiveChat func(ctx context.Context) (string, error)
}

// UI is the set of HTML pages.
type UI struct {
	deps   Deps
	log    *slog.Logger
	pages  *pages
	static *assets
	// topNav holds the sections of the top bar; adminNav the sections of Administration.
	topNav   []navItem
	adminNav []navItem
}

// navItem is one link of the navigation.
type navItem struct {
	Title string
	Path  string
}

// New registers every page on deps.Mux and returns the UI.
func New(deps Deps) *UI {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	staticFS, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err)
	}
	static := newAssets(staticFS)
	ui := &UI{deps: deps, log: deps.Logger, pages: parsePages(embedded, static.url), static: static}
	ui.registerShell()
	ui.registerConsole()
	ui.registerTasks()
	ui.registerReports()
	ui.registerSearch()
	ui.registerWidget()
	ui.registerAccount()
	ui.registerLiveChats()
	ui.registerUsers()
	ui.registerGroups()
	ui.registerProcesses()
	ui.registerWorkspaces()
	ui.registerWorkerKeys()
	ui.registerAudit()
	return ui
}

// addNav adds a section to the navigation: to Administration when admin is set, else to the
// top bar. Sections appear only once their pages exist, so the navigation never leads to a
// page that does nothing.
func (ui *UI) addNav(admin bool, title, path string) {
	if admin {
		ui.adminNav = append(ui.adminNav, navItem{title, path})
		return
	}
	ui.topNav = append(ui.topNav, navItem{title, path})
}

// home is where GET / sends a logged-in user: the first section of the top bar (the
// console, for operators), else Administration for administrators, else their account.
func (ui *UI) home(u *auth.User) string {
	switch {
	case len(ui.topNav) > 0:
		return ui.topNav[0].Path
	case u.IsAdmin() && len(ui.adminNav) > 0:
		return ui.adminNav[0].Path
	}
	return "/account"
}

// Wrap returns next with one correction for pages: a session cookie that is no longer valid
// (expired, revoked) is dropped from page requests and cleared in the browser, so the page
// sends the user to /login instead of the API answering a JSON 401. Static files never need
// the cookie, so it is dropped from them unchecked, which spares a database read per asset.
// API requests pass untouched: a client must learn that its credential is bad.
func (ui *UI) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || r.Header.Get("Authorization") != "" || strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, withoutCookie(r, sessionCookie))
			return
		}
		if _, err := ui.deps.Auth.Authenticate(r.Context(), c.Value); err != nil {
			clearSessionCookie(w)
			r = withoutCookie(r, sessionCookie)
		}
		next.ServeHTTP(w, r)
	})
}

// withoutCookie returns a copy of r whose Cookie header lacks the named cookie.
func withoutCookie(r *http.Request, name string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header.Del("Cookie")
	for _, c := range r.Cookies() {
		if c.Name != name {
			r2.AddCookie(c)
		}
	}
	return r2
}

// clearSessionCookie tells the browser to forget the session cookie.
func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
