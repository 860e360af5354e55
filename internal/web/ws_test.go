package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/parleychat/parley/internal/web"
)

// wsPage runs ws.js in a page of its own, recording what arrives on window.got.
const wsPage = `<!doctype html>
<title>ws.js</title>
<script type="module">
import { connect } from '/static/js/ws.js';
window.got = [];
window.states = [];
connect('/ws', { onMessage: (m) => got.push(m.n), onStatus: (s) => states.push(s), minDelay: 20, maxDelay: 100 });
</script>`

// TestWebSocketResumesFromTheLastCursor drops the connection after two events and checks that
// ws.js reconnects by itself, asks to resume after the last cursor it saw, and so receives
// every event exactly once.
func TestWebSocketResumesFromTheLastCursor(t *testing.T) {
	var conns atomic.Int32
	cursors := make(chan string, 8)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.StaticHandler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(wsPage))
	})
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		cursors <- r.URL.Query().Get("cursor")
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if conns.Add(1) == 1 {
			_ = wsjson.Write(ctx, c, map[string]any{"cursor": "c1", "n": 1})
			_ = wsjson.Write(ctx, c, map[string]any{"cursor": "c2", "n": 2})
			_ = c.Close(websocket.StatusGoingAway, "restarting")
			return
		}
		_ = wsjson.Write(ctx, c, map[string]any{"cursor": "c3", "n": 3})
		_, _, _ = c.Read(ctx) // Hold the connection until the page goes.
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tab := startBrowser(t, srv.URL).Tab("page")
	tab.Open("/")
	tab.WaitTrue("window.got && window.got.length >= 3")
	var got []int
	tab.Eval("window.got", &got)
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("events %v, want [1 2 3] each once", got)
	}
	first, second := <-cursors, <-cursors
	if first != "" || second != "c2" {
		t.Fatalf("connected with cursors %q then %q, want none then c2", first, second)
	}
	var states []string
	tab.Eval("window.states", &states)
	if !slices.Contains(states, "closed") || states[len(states)-1] != "open" {
		t.Fatalf("status changes %v: want a close, then open again", states)
	}
}
