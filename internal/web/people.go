package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// registerAccount registers the user's own page, the home of users who have no other section.
func (ui *UI) registerAccount() {
	ui.page("GET /account", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "account", Title: "Your account"})
		return nil
	})
}

// registerUsers registers Administration > Users and the /admin entry, which leads to the
// first section of Administration.
func (ui *UI) registerUsers() {
	ui.addNav(true, "Users", "/admin/users")
	ui.page("GET /admin/{$}", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		http.Redirect(w, r, ui.adminNav[0].Path, http.StatusSeeOther)
		return nil
	})
	ui.page("GET /admin/users", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "users", Title: "Users", Script: "users"})
		return nil
	})
}

// groupView is the data of a group's page; the members come from the API in the browser.
type groupView struct {
	ID, Name string
	Builtin  bool
}

// registerGroups registers Administration > Groups and the page of one group.
func (ui *UI) registerGroups() {
	ui.addNav(true, "Groups", "/admin/groups")
	ui.page("GET /admin/groups", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "groups", Title: "Groups", Script: "groups"})
		return nil
	})
	ui.page("GET /admin/groups/{id}", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		// The group is looked up here so that an unknown id gets a real 404 page.
		g, err := ui.deps.Auth.Group(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		ui.render(w, r, view{Page: "group", Title: g.Name, Script: "group", Data: groupView{g.ID, g.Name, g.Builtin}})
		return nil
	})
}
