package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// registerAudit registers Administration > Audit: who changed the configuration, and when.
// The lines come from GET /api/v1/audit in the browser.
func (ui *UI) registerAudit() {
	ui.addNav(true, "Audit", "/admin/audit")
	ui.page("GET /admin/audit", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "audit", Title: "Audit", Script: "audit"})
		return nil
	})
}
