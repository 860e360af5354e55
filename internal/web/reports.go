package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// registerSearch registers the results page of the console's search box. The query travels
// in the address (?q=), so a search can be bookmarked, reloaded and shared with a colleague
// who sees the same sessions or fewer: the page's module asks the API, which decides.
func (ui *UI) registerSearch() {
	ui.page("GET /console/search", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "search", Title: "Search", Script: "search",
			Data: searchView{Query: r.URL.Query().Get("q"), CSS: ui.static.url("css/console.css")}})
		return nil
	})
}

type searchView struct {
	Query string
	CSS   string
}

// registerReports registers the Reports page. Every staff user may open it; the API answers
// for supervisors and administrators only, and the page tells others so.
func (ui *UI) registerReports() {
	ui.addNav(false, "Reports", "/reports")
	ui.page("GET /reports", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "reports", Title: "Reports", Script: "reports", Data: consoleView{CSS: ui.static.url("css/console.css")}})
		return nil
	})
}
