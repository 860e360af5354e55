package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
)

// liveChatView is the data of a live chat's page: the id the page's module loads, and the tab
// to open first, so that /admin/livechats/{id}/log is a link straight to the automation log.
type liveChatView struct {
	ID  string
	Tab string
}

// registerLiveChats registers Administration > Live Chats: the list, and the page of one live
// chat with its settings, channels, business processes and automation log. It is the first
// section of Administration because live chats are what an administrator sets up first.
func (ui *UI) registerLiveChats() {
	ui.addNav(true, "Live Chats", "/admin/livechats")
	ui.page("GET /admin/livechats", admin, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "livechats", Title: "Live Chats", Script: "livechats"})
		return nil
	})
	ui.page("GET /admin/livechats/{id}", admin, ui.liveChatPage("settings"))
	ui.page("GET /admin/livechats/{id}/log", admin, ui.liveChatPage("log"))
	// Canned responses follow live chats: global ones, and each live chat's own
	// (?livechat=<id> opens the page on one live chat's). Supervisors keep their live chats'
	// own, so the page is open to staff (the console links it for supervisors); the API says
	// what each may change.
	ui.addNav(true, "Canned responses", "/admin/canned-responses")
	ui.page("GET /admin/canned-responses", staff, func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "canned", Title: "Canned responses", Script: "canned"})
		return nil
	})
}

// liveChatPage serves a live chat's page opened at tab. The live chat itself is loaded by the
// page's module through the API, which answers an unknown id with 404 and the page says so.
func (ui *UI) liveChatPage(tab string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, u *auth.User) error {
		ui.render(w, r, view{Page: "livechat", Title: "Live chat", Script: "livechat", Data: liveChatView{r.PathValue("id"), tab}})
		return nil
	}
}
