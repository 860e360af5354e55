package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

const secretNote = "refund approved, do not tell yet"

// TestNotesNeverReachTheWidget checks that staff read a session's notes while the customer's
// widget never lists them among the messages.
func TestNotesNeverReachTheWidget(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "where is my refund?")
		notes := "/api/v1/sessions/" + id + "/notes"
		var n struct{ ID, Text string }
		env.MustDo("POST", notes, c.op, map[string]any{"text": secretNote}, 201, &n)
		if n.Text != secretNote || n.ID == "" {
			t.Fatalf("note %+v", n)
		}
		var list struct{ Items []struct{ Text string } }
		env.MustDo("GET", notes, env.Admin, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].Text != secretNote {
			t.Fatalf("notes %+v", list.Items)
		}
		if res := env.MustDo("GET", "/api/v1/widget/sessions/"+id+"/messages", visitor, nil, 200, nil); strings.Contains(string(res.Body), secretNote) {
			t.Fatalf("the widget shows the note: %s", res.Body)
		}
		staff := env.MustDo("GET", "/api/v1/sessions/"+id+"/messages", c.op, nil, 200, nil)
		if strings.Contains(string(staff.Body), secretNote) {
			t.Fatalf("the note is among the messages: %s", staff.Body)
		}
		wantError(t, env.Do("POST", notes, c.op, map[string]any{"text": ""}), 422, "text")
		wantError(t, env.Do("GET", notes, visitor, nil), 401)
	})
}

// TestNotesNeverReachTheWebhook checks that an http channel's delivery queue carries the
// operator's reply and not the note written before it.
func TestNotesNeverReachTheWebhook(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) { cfg.Webhooks.Poll = 50 * time.Millisecond }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		var mu sync.Mutex
		var bodies []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
		}))
		defer srv.Close()
		c := newChatEnv(t, env)
		channels := "/api/v1/livechats/" + c.liveChat + "/channels"
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", channels, env.Admin, map[string]any{"type": "http", "name": "Messenger", "webhook_url": srv.URL}, 201, &ch)
		var in struct {
			SessionID string `json:"session_id"`
		}
		env.MustDo("POST", "/api/v1/channels/"+ch.ID+"/inbound", ch.APIKey, map[string]any{"external_chat_id": "x", "text": "Hi"}, 201, &in)
		env.MustDo("POST", "/api/v1/sessions/"+in.SessionID+"/notes", c.op, map[string]any{"text": secretNote}, 201, nil)
		var reply struct{ ID string }
		env.MustDo("POST", "/api/v1/sessions/"+in.SessionID+"/messages", c.op, map[string]any{"text": "Looking into it"}, 201, &reply)
		var list struct{ Items []json.RawMessage }
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(string(firstOr(list.Items)), `"delivered"`) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			env.MustDo("GET", channels+"/"+ch.ID+"/deliveries", env.Admin, nil, 200, &list)
		}
		if len(list.Items) != 1 || !strings.Contains(string(list.Items[0]), reply.ID) || !strings.Contains(string(list.Items[0]), `"delivered"`) {
			t.Fatalf("deliveries %s, want the reply alone, delivered", list.Items)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, b := range bodies {
			if strings.Contains(b, secretNote) {
				t.Fatalf("the webhook received the note: %s", b)
			}
		}
		if len(bodies) != 1 || !strings.Contains(bodies[0], "Looking into it") {
			t.Fatalf("the webhook received %q, want the reply once", bodies)
		}
	})
}

func firstOr(items []json.RawMessage) json.RawMessage {
	if len(items) == 0 {
		return nil
	}
	return items[0]
}
