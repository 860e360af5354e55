package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// consoleView is the data of the console and session pages. The page modules read it from
// data- attributes: whether the user supervises (which shows the Spam filter) and who they
// are (which tells "My sessions" apart from the queue).
type consoleView struct {
	UserID    string
	Admin     bool
	SessionID string
	CSS       string
}

// registerConsole registers the operator console, the first section of the top bar and so
// everyone's home page, and the page of one session. The session is looked up by the page's
// module rather than here, so the page shows exactly what the API lets the user see.
func (ui *UI) registerConsole() {
	ui.addNav(false, "Console", "/console")
	ui.page("GET /console", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "console", Title: "Console", Script: "console", Data: consoleView{UserID: u.ID, Admin: u.IsAdmin(), CSS: ui.static.url("css/console.css")}})
		return nil
	})
	ui.page("GET /console/sessions/{id}", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "session", Title: "Session", Script: "session",
			Data: consoleView{UserID: u.ID, Admin: u.IsAdmin(), SessionID: r.PathValue("id"), CSS: ui.static.url("css/console.css")}})
		return nil
	})
}

// registerTasks registers the task inbox: the open user tasks of the caller.
func (ui *UI) registerTasks() {
	ui.addNav(false, "Tasks", "/tasks")
	ui.page("GET /tasks", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "tasks", Title: "Tasks", Script: "tasks", Data: consoleView{CSS: ui.static.url("css/console.css")}})
		return nil
	})
}
