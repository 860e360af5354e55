package web

import (
	"net/http"

	"github.com/parleychat/parley/internal/errs"
)

// widgetView is the data of the customer's chat page and of the demo site.
type widgetView struct {
	LiveChatID string
	CSS        string
}

// framedCSP is the content security policy of the widget's chat page. It is the pages' policy
// except that any site may frame it: the page is made to sit in an iframe on a company's own
// website. Framing cannot act for the customer, because the page holds only the visitor token
// it was given, never a staff session, and it sends that token itself as a Bearer header.
// blob: images are the thumbnails of attachments, fetched with that header.
const framedCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'self'"

// registerWidget registers what customers see, none of which needs a login: /widget.js, the
// script a company puts on its website; /widget/{livechatId}, the chat page the script opens
// in an iframe; and /demo/site, a company page that embeds the widget for the demo live chat.
func (ui *UI) registerWidget() {
	mux := ui.deps.Mux
	mux.HandleFunc("GET /widget.js", ui.handleWidgetScript)
	mux.HandleFunc("GET /widget/{livechatId}", func(w http.ResponseWriter, r *http.Request) {
		ui.render(w, r, view{Page: "widget", Title: "Chat", Layout: "widget-frame", Script: "widget", Frameable: true,
			Data: widgetView{LiveChatID: r.PathValue("livechatId"), CSS: ui.static.url("css/widget.css")}})
	})
	mux.HandleFunc("GET /demo/site", ui.handleDemoSite)
}

// handleWidgetScript handles GET /widget.js. The script lives with the other static files but
// is served at a short, stable address, because companies paste that address into their pages
// and cannot follow a versioned one.
func (ui *UI) handleWidgetScript(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/static/js/widget-embed.js"
	// Other sites load this script, so it must not be blocked as a cross-origin resource.
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	ui.static.ServeHTTP(w, r2)
}

// handleDemoSite handles GET /demo/site: a made-up company's page with the widget of the demo
// live chat on it, so that a newcomer can play the customer in one tab and the operator in
// another.
func (ui *UI) handleDemoSite(w http.ResponseWriter, r *http.Request) {
	if ui.deps.DemoLiveChat == nil {
		ui.renderError(w, r, errs.New(errs.NotFound, "This server has no demo site."))
		return
	}
	id, err := ui.deps.DemoLiveChat(r.Context())
	if err != nil {
		ui.renderError(w, r, err)
		return
	}
	ui.render(w, r, view{Page: "demo_site", Title: "Northwind Lamps", Layout: "demo-site",
		Data: widgetView{LiveChatID: id, CSS: ui.static.url("css/demo-site.css")}})
}
