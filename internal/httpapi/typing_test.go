package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/parleychat/parley/internal/server/servertest"
)

// say sends one JSON frame from a test client.
func (s *socket) say(v any) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, s.conn, v); err != nil {
		s.t.Fatalf("send a frame: %v", err)
	}
}

// TestTypingOverTheSockets has a customer type on the widget socket while the operator's
// socket follows the session (?session=), and the operator type back: each side gets a
// typing frame of that session. A socket may not follow a session its user cannot read.
func TestTypingOverTheSockets(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "hello")
		op := dial(t, env, "/api/v1/ws?session="+id, c.op, false)
		widget := dial(t, env, "/api/v1/widget/sessions/"+id+"/ws", visitor, false)

		widget.say(map[string]any{"type": "typing"})
		if f := op.expect("typing", id); f.SessionID != id {
			t.Fatalf("the operator got %+v", f)
		}
		op.say(map[string]any{"type": "typing", "session_id": id})
		for f := widget.next(); f.Type != "typing"; f = widget.next() {
			if f.Type != "message" {
				t.Fatalf("the widget got %+v while waiting for typing", f)
			}
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		u := "ws" + strings.TrimPrefix(env.URL, "http") + "/api/v1/ws?session=" + id
		_, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + c.stranger}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another live chat's operator followed the session: %v (response %v)", err, resp)
		}
	})
}
