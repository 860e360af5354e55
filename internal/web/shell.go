package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// role is who may open a page.
type role int

const (
	staff role = iota // any logged-in user
	admin             // a member of Administrators
)

// pageFunc serves a page for a logged-in user; an error is shown as an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, u *auth.User) error

// page registers a page that needs a logged-in user with the role. Without a user the
// browser goes to /login and comes back afterwards; with the wrong role it gets a 403 page.
func (ui *UI) page(pattern string, need role, h pageFunc) {
	ui.deps.Mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.StaffFrom(r.Context())
		if err != nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if need == admin && !u.IsAdmin() {
			ui.renderError(w, r, errs.New(errs.Forbidden, "Administration is only for members of the Administrators group."))
			return
		}
		if err := h(w, r, u); err != nil {
			ui.renderError(w, r, err)
		}
	})
}

// registerShell registers what surrounds the pages: the home redirect, login and logout,
// the static files and the not-found page.
func (ui *UI) registerShell() {
	mux := ui.deps.Mux
	mux.Handle("GET /static/", ui.static)
	mux.HandleFunc("GET /{$}", ui.handleHome)
	mux.HandleFunc("GET /login", ui.handleLogin)
	mux.HandleFunc("GET /logout", ui.handleLogoutPage)
	mux.HandleFunc("POST /logout", ui.handleLogout)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ui.renderError(w, r, errs.New(errs.NotFound, "There is no page at %s.", r.URL.Path))
	})
}

// handleHome handles GET /: the user's home section, or the login page.
func (ui *UI) handleHome(w http.ResponseWriter, r *http.Request) {
	u, err := auth.StaffFrom(r.Context())
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, ui.home(u), http.StatusSeeOther)
}

// loginView is the data of the login page.
type loginView struct {
	// Next is where to go after logging in; always a path on this server.
	Next string
}

// handleLogin handles GET /login. The form posts to the JSON API from the page's module,
// which sets the session cookie; a user who is logged in already goes on at once.
func (ui *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if u, err := auth.StaffFrom(r.Context()); err == nil {
		if next == "" {
			next = ui.home(u)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if next == "" {
		next = "/"
	}
	ui.render(w, r, view{Page: "login", Title: "Log in", Layout: "bare", Script: "login", Data: loginView{Next: next}})
}

// localPath returns p when it is a path on this server, else "". It stops an open redirect:
// a link to /login?next=https://evil.example must not send a user who logs in elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}

// handleLogoutPage handles GET /logout: it asks before logging out, because a GET that
// changed state could be triggered by any page that links here.
func (ui *UI) handleLogoutPage(w http.ResponseWriter, r *http.Request) {
	if _, err := auth.StaffFrom(r.Context()); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ui.render(w, r, view{Page: "logout", Title: "Log out", Layout: "bare"})
}

// handleLogout handles POST /logout: it revokes the session's token, so a copied cookie stops
// working too, and clears the cookie. The API middleware's cross-origin protection guards it.
func (ui *UI) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := ui.deps.Auth.Logout(r.Context(), c.Value); err != nil {
			ui.renderError(w, r, err)
			return
		}
	}
	clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
