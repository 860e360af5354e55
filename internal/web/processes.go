package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// registerProcesses registers Administration > Processes (the list and one process with its
// diagram) and the page of a process instance, which every staff user may open: operators
// follow the instances their sessions started.
func (ui *UI) registerProcesses() {
	ui.addNav(true, "Processes", "/admin/processes")
	ui.page("GET /admin/processes", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "processes", Title: "Processes", Script: "processes"})
		return nil
	})
	ui.page("GET /admin/processes/{code}", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "process", Title: "Process " + r.PathValue("code"), Script: "process", Data: r.PathValue("code")})
		return nil
	})
	ui.page("GET /instances/{id}", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "instance", Title: "Process instance", Script: "instance", Data: r.PathValue("id")})
		return nil
	})
}
