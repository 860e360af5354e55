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

// registerWorkerKeys registers Administration > Worker keys: create (the key is shown once),
// list and revoke the API keys of outside workers, through /api/v1/worker-keys.
func (ui *UI) registerWorkerKeys() {
	ui.addNav(true, "Worker keys", "/admin/worker-keys")
	ui.page("GET /admin/worker-keys", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "workerkeys", Title: "Worker keys", Script: "workerkeys"})
		return nil
	})
}
