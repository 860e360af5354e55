package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

// TestDeliveryRetryOverHTTP has an http channel's webhook refuse a reply (400: failed for
// good), shows the failure with the messages, retries it once the webhook takes deliveries,
// and refuses to retry what did not fail.
func TestDeliveryRetryOverHTTP(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) { cfg.Webhooks.Poll = 50 * time.Millisecond }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		var accept atomic.Bool
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !accept.Load() {
				http.Error(w, "unknown chat", http.StatusBadRequest)
			}
		}))
		defer hook.Close()
		c := newChatEnv(t, env)
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", "/api/v1/livechats/"+c.liveChat+"/channels", env.Admin, map[string]any{"type": "http", "name": "Messenger", "webhook_url": hook.URL}, 201, &ch)
		var in struct {
			SessionID string `json:"session_id"`
		}
		env.MustDo("POST", "/api/v1/channels/"+ch.ID+"/inbound", ch.APIKey, map[string]any{"external_chat_id": "x", "text": "Hi"}, 201, &in)
		var reply struct{ ID string }
		env.MustDo("POST", "/api/v1/sessions/"+in.SessionID+"/messages", c.op, map[string]any{"text": "Hello"}, 201, &reply)
		d := waitDelivery(t, env, c.op, in.SessionID, reply.ID, "failed")
		if !strings.Contains(d.Error, "HTTP 400") || !strings.Contains(d.Error, "unknown chat") {
			t.Fatalf("the failure says %q", d.Error)
		}

		retry := "/api/v1/sessions/" + in.SessionID + "/messages/" + reply.ID + "/retry"
		accept.Store(true)
		var pending struct{ State string }
		env.MustDo("POST", retry, c.op, nil, 200, &pending)
		if pending.State != "pending" {
			t.Fatalf("the retry answers %+v", pending)
		}
		if d := waitDelivery(t, env, c.op, in.SessionID, reply.ID, "delivered"); d.Attempts != 1 || d.Error != "" {
			t.Fatalf("after the retry: %+v", d)
		}
		if r := env.Do("POST", retry, c.op, nil); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "delivered") {
			t.Fatalf("retrying a delivered reply: %d %s", r.Status, r.Body)
		}
		if r := env.Do("POST", retry, c.offline, nil); r.Status != http.StatusForbidden {
			t.Fatalf("an offline operator's retry: %d %s", r.Status, r.Body)
		}
	})
}

type messageDelivery struct {
	State, Error string
	Attempts     int
}

// waitDelivery reads the session's messages until the reply's delivery is in state.
func waitDelivery(t *testing.T, env *servertest.Env, token, sessionID, messageID, state string) messageDelivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var list struct {
			Items []struct {
				ID       string
				Delivery *messageDelivery
			}
		}
		env.MustDo("GET", "/api/v1/sessions/"+sessionID+"/messages", token, nil, 200, &list)
		for _, m := range list.Items {
			if m.ID == messageID && m.Delivery != nil && m.Delivery.State == state {
				return *m.Delivery
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery of %s did not become %s: %+v", messageID, state, list.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
