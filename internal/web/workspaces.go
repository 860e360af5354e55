package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// appView is the data of an app's page. The page only carries the codes: the app, its fields
// and its items come from the API in the browser, like every other page's data.
type appView struct {
	Workspace, App string
}

// registerWorkspaces registers Administration > Workspaces: the list of workspaces, one
// workspace with its apps, and one app with its fields and items. The codes in the paths are
// passed to the page unchecked; the page's first API call answers an unknown code.
func (ui *UI) registerWorkspaces() {
	ui.addNav(true, "Workspaces", "/admin/workspaces")
	ui.page("GET /admin/workspaces", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "workspaces", Title: "Workspaces", Script: "workspaces"})
		return nil
	})
	ui.page("GET /admin/workspaces/{ws}", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ws := r.PathValue("ws")
		ui.render(w, r, view{Page: "workspace", Title: "Workspace " + ws, Script: "workspace", Data: ws})
		return nil
	})
	ui.page("GET /admin/workspaces/{ws}/apps/{app}", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		v := appView{Workspace: r.PathValue("ws"), App: r.PathValue("app")}
		ui.render(w, r, view{Page: "app", Title: "App " + v.Workspace + "/" + v.App, Script: "app", Data: v})
		return nil
	})
}
