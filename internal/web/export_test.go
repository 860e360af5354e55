package web

import (
	"io/fs"
	"net/http"
)

// StaticHandler serves the embedded static files under /static/, for tests that run the
// page modules outside Parley's pages (ws.js against a scripted WebSocket server).
func StaticHandler() http.Handler {
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err)
	}
	return newAssets(sub)
}

// SessionCookie is the cookie name the UI expects the API to set.
const SessionCookie = sessionCookie
