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

func TestWidgetOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "hello")
		other, otherVisitor := c.startWidget(c.liveChat, "someone else")
		msgs := "/api/v1/widget/sessions/" + id + "/messages"
		env.MustDo("POST", msgs, visitor, map[string]any{"text": "anyone?"}, 201, nil)
		var list struct {
			Items []struct{ Text, Author string }
		}
		env.MustDo("GET", msgs, visitor, nil, 200, &list)
		if len(list.Items) != 2 || list.Items[1].Text != "anyone?" || list.Items[0].Author != "customer" {
			t.Fatalf("messages %+v", list.Items)
		}
		wantError(t, env.Do("GET", msgs, otherVisitor, nil), 403)
		wantError(t, env.Do("POST", "/api/v1/widget/sessions/"+other+"/messages", visitor, map[string]any{"text": "x"}), 403)
		wantError(t, env.Do("GET", msgs, "", nil), 401)
		wantError(t, env.Do("GET", msgs, "pv_forged", nil), 401)
		wantError(t, env.Do("GET", msgs, c.op, nil), 401)
		wantError(t, env.Do("POST", msgs, visitor, map[string]any{"text": strings.Repeat("x", 16<<10+1)}), 413, "text")
		wantError(t, env.Do("POST", "/api/v1/widget/lch_nope/sessions", "", map[string]any{"text": "x"}), 404)
		wantError(t, env.Do("POST", "/api/v1/widget/"+c.liveChat+"/sessions", "", map[string]any{"text": "x",
			"customer": map[string]any{"phone": "call me"}}), 422, "customer.phone")
		// A returning visitor who sends their token continues their own session.
		var again struct {
			SessionID    string `json:"session_id"`
			VisitorToken string `json:"visitor_token"`
		}
		env.MustDo("POST", "/api/v1/widget/"+c.liveChat+"/sessions", visitor, map[string]any{"text": "back"}, 201, &again)
		if again.SessionID != id || again.VisitorToken != visitor {
			t.Fatalf("returning visitor got %+v", again)
		}
	})
}

// hookReceiver is a webhook endpoint that fails twice, then succeeds.
type hookReceiver struct {
	mu     sync.Mutex
	calls  int
	keys   []string
	bodies []map[string]any
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &body)
	h.mu.Lock()
	h.calls++
	n := h.calls
	h.keys, h.bodies = append(h.keys, r.Header.Get("Idempotency-Key")), append(h.bodies, body)
	h.mu.Unlock()
	if n <= 2 {
		http.Error(w, "not now", http.StatusServiceUnavailable)
	}
}

func TestHTTPChannelOverHTTP(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) {
		cfg.Webhooks.BaseBackoff, cfg.Webhooks.Poll = 20*time.Millisecond, 100*time.Millisecond
	}}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		hook := &hookReceiver{}
		srv := httptest.NewServer(hook)
		defer srv.Close()
		c := newChatEnv(t, env)
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		channels := "/api/v1/livechats/" + c.liveChat + "/channels"
		env.MustDo("POST", channels, env.Admin, map[string]any{"type": "http", "name": "WhatsApp", "webhook_url": srv.URL}, 201, &ch)
		inbound := "/api/v1/channels/" + ch.ID + "/inbound"
		msg := map[string]any{"external_chat_id": "wa-42", "customer": map[string]any{"name": "Ann"}, "text": "Hi!", "external_message_id": "wamid-1"}
		var first, repeat struct {
			SessionID string `json:"session_id"`
			MessageID string `json:"message_id"`
			Duplicate bool
		}
		env.MustDo("POST", inbound, ch.APIKey, msg, 201, &first)
		env.MustDo("POST", inbound, ch.APIKey, msg, 200, &repeat)
		if !repeat.Duplicate || repeat.MessageID != first.MessageID {
			t.Fatalf("repeat %+v, first %+v", repeat, first)
		}
		wantError(t, env.Do("POST", inbound, "", msg), 401)
		wantError(t, env.Do("POST", inbound, c.op, msg), 401)
		wantError(t, env.Do("POST", inbound, ch.APIKey, map[string]any{"text": "x"}), 422, "external_chat_id")

		var reply struct{ ID string }
		env.MustDo("POST", "/api/v1/sessions/"+first.SessionID+"/messages", c.op, map[string]any{"text": "Hello Ann"}, 201, &reply)
		var d struct {
			MessageID string `json:"message_id"`
			State     string
			Attempts  int
		}
		deadline := time.Now().Add(10 * time.Second)
		for d.State != "delivered" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			var list struct{ Items []json.RawMessage }
			env.MustDo("GET", channels+"/"+ch.ID+"/deliveries", env.Admin, nil, 200, &list)
			if len(list.Items) == 1 {
				_ = json.Unmarshal(list.Items[0], &d)
			}
		}
		if d.State != "delivered" || d.Attempts != 3 || d.MessageID != reply.ID {
			t.Fatalf("delivery %+v, want delivered on the third attempt", d)
		}
		hook.mu.Lock()
		defer hook.mu.Unlock()
		if hook.calls != 3 || hook.keys[2] != reply.ID || hook.bodies[2]["external_chat_id"] != "wa-42" {
			t.Fatalf("the receiver got %d calls, keys %v, last body %v", hook.calls, hook.keys, hook.bodies[2])
		}
	})
}

// chatRoutes are the routes of API.md this issue serves; each must be in the OpenAPI document.
var chatRoutes = []string{
	"GET /api/v1/livechats", "POST /api/v1/livechats", "GET /api/v1/livechats/{id}", "PATCH /api/v1/livechats/{id}",
	"DELETE /api/v1/livechats/{id}", "GET /api/v1/livechats/{id}/channels", "POST /api/v1/livechats/{id}/channels",
	"PATCH /api/v1/livechats/{id}/channels/{channelId}", "DELETE /api/v1/livechats/{id}/channels/{channelId}",
	"POST /api/v1/widget/{livechatId}/sessions", "POST /api/v1/widget/sessions/{id}/messages",
	"GET /api/v1/widget/sessions/{id}/messages", "GET /api/v1/widget/sessions/{id}/ws",
	"POST /api/v1/channels/{channelId}/inbound", "GET /api/v1/sessions", "GET /api/v1/sessions/{id}",
	"GET /api/v1/sessions/{id}/messages", "POST /api/v1/sessions/{id}/messages", "POST /api/v1/sessions/{id}/take",
	"POST /api/v1/sessions/{id}/assign", "POST /api/v1/sessions/{id}/close", "POST /api/v1/sessions/{id}/spam",
	"DELETE /api/v1/sessions/{id}/spam", "GET /api/v1/ws",
}

func TestOpenAPIHasChatRoutes(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	for _, route := range chatRoutes {
		method, path, _ := strings.Cut(route, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s is not in the OpenAPI document", route)
		}
	}
}

// TestWidgetStatusFollowsOperators checks the widget's status: online while an operator of
// the live chat is online, whatever the other live chats' operators do; 404 for a live chat
// that does not exist.
func TestWidgetStatusFollowsOperators(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		status := func(liveChat string) bool {
			var st struct {
				OperatorsOnline bool `json:"operators_online"`
			}
			env.MustDo("GET", "/api/v1/widget/"+liveChat+"/status", "", nil, 200, &st)
			return st.OperatorsOnline
		}
		if !status(c.liveChat) {
			t.Fatal("with olga and oleg online the widget says nobody is online")
		}
		for _, token := range []string{c.op, c.op2} {
			env.MustDo("PUT", "/api/v1/me/presence", token, map[string]any{"presence": "away"}, 200, nil)
		}
		if status(c.liveChat) {
			t.Fatal("with every operator away the widget says an operator is online")
		}
		if !status(c.otherChat) {
			t.Fatal("the other live chat's online operator does not count for it")
		}
		wantError(t, env.Do("GET", "/api/v1/widget/lch_nope/status", "", nil), 404)
	})
}
