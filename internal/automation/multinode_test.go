package automation_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestTwoNodesShareOnePostgreSQL runs two servers on one PostgreSQL database, as a company
// that has outgrown one node does. Customers write to either node while both nodes'
// dispatchers run: every session gets exactly one instance of the process bound to
// session_created and every message one of the process bound to message_received, and an
// operator whose console is on one node hears of the sessions created on the other.
func TestTwoNodesShareOnePostgreSQL(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	var dsn string
	a := servertest.Start(t, "postgres", servertest.Options{Configure: func(c *server.Config) { dsn = c.DB }})
	b := servertest.Start(t, "postgres", servertest.Options{Configure: func(c *server.Config) { c.DB = dsn }})
	ca := newChat(t, a)
	cb := &chatEnv{Env: b, chat: ca.chat, operator: b.Login("olga", "olga-password"), supervisor: b.Login("sam", "sam-password")}
	ca.publish("created", "global", waitBPMN("created"))
	ca.publish("received", "global", waitBPMN("received"))
	ca.bind("session_created", "created", nil)
	ca.bind("message_received", "received", nil)
	console := staffSocket(t, b.URL, cb.operator)

	const customers = 12
	nodes := []*chatEnv{ca, cb}
	sessions := map[string]bool{}
	for i := range customers {
		id, token := nodes[i%2].customer(fmt.Sprintf("question %d", i))
		nodes[(i+1)%2].MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", token, map[string]any{"text": "and one more"}, 201, nil)
		sessions[id] = true
	}
	for id := range sessions {
		got := map[string]int{}
		for _, p := range ca.processes(id, 3) {
			got[p.Process]++
		}
		if got["created"] != 1 || got["received"] != 2 {
			t.Fatalf("session %s has instances %v, want created once and received twice", id, got)
		}
	}
	if started := len(ca.log("?outcome=started&limit=200")); started != 3*customers {
		t.Fatalf("the automation log has %d started lines, want %d", started, 3*customers)
	}
	heard := console.sessionsCreated(len(sessions))
	for id := range sessions {
		if !heard[id] {
			t.Fatalf("the console on node B never heard of session %s", id)
		}
	}
}

// staffConsole is an operator's staff WebSocket.
type staffConsole struct {
	t    *testing.T
	conn *websocket.Conn
}

func staffSocket(t *testing.T, url, token string) *staffConsole {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial the staff socket: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &staffConsole{t: t, conn: conn}
}

// sessionsCreated reads frames until n session_created events have come, and returns their
// sessions.
func (c *staffConsole) sessionsCreated(n int) map[string]bool {
	c.t.Helper()
	seen := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for len(seen) < n {
		var f struct {
			Type      string
			SessionID string `json:"session_id"`
		}
		if err := wsjson.Read(ctx, c.conn, &f); err != nil {
			c.t.Fatalf("after %d of %d session_created events: %v", len(seen), n, err)
		}
		if f.Type == "session_created" {
			seen[f.SessionID] = true
		}
	}
	return seen
}
