package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// chatEnv is a running server with a live chat "Support" and a user of every role.
type chatEnv struct {
	*servertest.Env
	liveChat, widget   string
	ops, sups          string
	opID, op2ID        string
	op, op2, sup       string // tokens of online operators and the supervisor
	offline, stranger  string // tokens of an offline operator and of a user of no live chat
	strangerID, supID  string
	otherChat, otherOp string // a second live chat and an online operator of it only
}

func newChatEnv(t *testing.T, env *servertest.Env) *chatEnv {
	t.Helper()
	c := &chatEnv{Env: env, ops: env.Group("Operators"), sups: env.Group("Supervisors")}
	c.opID, c.op = env.User("olga", c.ops)
	c.op2ID, c.op2 = env.User("oleg", c.ops)
	c.supID, c.sup = env.User("sam", c.sups)
	_, c.offline = env.User("otto", c.ops)
	others := env.Group("Sales")
	c.strangerID, c.stranger = env.User("stan", others)
	for _, token := range []string{c.op, c.op2, c.stranger} {
		env.MustDo("PUT", "/api/v1/me/presence", token, map[string]any{"presence": "online"}, 200, nil)
	}
	var lc struct {
		ID       string
		Channels []struct{ ID, Type string }
	}
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Support", "description": "First line",
		"operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}, 201, &lc)
	c.liveChat, c.widget = lc.ID, lc.Channels[0].ID
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Sales",
		"operator_groups": []string{others}, "supervisor_groups": []string{others}}, 201, &lc)
	c.otherChat, c.otherOp = lc.ID, c.stranger
	return c
}

// startWidget has a new widget customer write to the live chat; it returns the session id
// and the visitor token.
func (c *chatEnv) startWidget(liveChat, text string) (string, string) {
	c.T.Helper()
	var ws struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	c.MustDo("POST", "/api/v1/widget/"+liveChat+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Ann", "phone": "+79991234567"}, "text": text}, 201, &ws)
	return ws.SessionID, ws.VisitorToken
}

// wantError fails unless the answer has the status and its message names each word.
func wantError(t *testing.T, r *servertest.Response, status int, words ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d %s, want %d", r.Status, r.Body, status)
	}
	for _, w := range words {
		if !strings.Contains(r.ErrorMessage(), w) {
			t.Fatalf("message %q does not name %q", r.ErrorMessage(), w)
		}
	}
}

func TestLiveChatsOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		var lc struct {
			ID, Name, Description string
			OperatorGroups        []string `json:"operator_groups"`
			Channels              []struct{ Type string }
		}
		env.MustDo("GET", "/api/v1/livechats/"+c.liveChat, c.op, nil, 200, &lc)
		if lc.Name != "Support" || lc.OperatorGroups[0] != c.ops || len(lc.Channels) != 1 || lc.Channels[0].Type != "widget" {
			t.Fatalf("live chat %+v", lc)
		}
		body := map[string]any{"name": "X", "operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}
		wantError(t, env.Do("POST", "/api/v1/livechats", c.sup, body), 403)
		wantError(t, env.Do("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "X"}), 422, "operator_groups", "supervisor_groups")
		wantError(t, env.Do("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Support",
			"operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}), 409, "name")
		wantError(t, env.Do("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Y",
			"operator_groups": []string{"grp_nope"}, "supervisor_groups": []string{c.sups}}), 422, "operator_groups")
		wantError(t, env.Do("GET", "/api/v1/livechats/"+c.liveChat, c.stranger, nil), 403)
		var list struct{ Items []struct{ ID string } }
		env.MustDo("GET", "/api/v1/livechats", c.op, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != c.liveChat {
			t.Fatalf("an operator's live chats: %+v", list.Items)
		}
		env.MustDo("PATCH", "/api/v1/livechats/"+c.liveChat, env.Admin, map[string]any{"description": "Help desk"}, 200, &lc)
		if lc.Description != "Help desk" || lc.Name != "Support" {
			t.Fatalf("patched %+v", lc)
		}
		c.startWidget(c.liveChat, "hello")
		wantError(t, env.Do("DELETE", "/api/v1/livechats/"+c.liveChat, env.Admin, nil), 409, "sessions")
		var empty struct{ ID string }
		env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Empty",
			"operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}, 201, &empty)
		env.MustDo("DELETE", "/api/v1/livechats/"+empty.ID, env.Admin, nil, 204, nil)
		env.MustDo("GET", "/api/v1/livechats/"+empty.ID, env.Admin, nil, 404, nil)
	})
}

func TestChannelsOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		path := "/api/v1/livechats/" + c.liveChat + "/channels"
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", path, env.Admin, map[string]any{"type": "http", "name": "Telegram", "webhook_url": "https://example.com/hook"}, 201, &ch)
		if !strings.HasPrefix(ch.APIKey, "pk_") {
			t.Fatalf("an http channel's API key is shown on creation: %+v", ch)
		}
		wantError(t, env.Do("POST", path, env.Admin, map[string]any{"type": "email", "name": "Mail"}), 422, "address")
		wantError(t, env.Do("POST", path, env.Admin, map[string]any{"type": "sms", "name": "x"}), 422, "type")
		wantError(t, env.Do("POST", path, c.op, map[string]any{"type": "widget", "name": "x"}), 403)
		var list struct {
			Items []struct {
				ID     string
				APIKey string `json:"api_key"`
			}
		}
		env.MustDo("GET", path, env.Admin, nil, 200, &list)
		if len(list.Items) != 2 || list.Items[1].APIKey != "" {
			t.Fatalf("channels %+v: the key must not be listed", list.Items)
		}
		env.MustDo("PATCH", path+"/"+ch.ID, env.Admin, map[string]any{"name": "Telegram bot"}, 200, nil)
		env.MustDo("GET", path+"/"+ch.ID+"/deliveries", env.Admin, nil, 200, nil)
		env.MustDo("DELETE", path+"/"+ch.ID, env.Admin, nil, 204, nil)
		r := env.Do("POST", "/api/v1/channels/"+ch.ID+"/inbound", ch.APIKey, map[string]any{"external_chat_id": "1", "text": "hi"})
		wantError(t, r, 401)
	})
}

// doWithHeader sends a JSON body with one extra header.
func doWithHeader(t *testing.T, env *servertest.Env, method, path, token string, body []byte, key, value string) *servertest.Response {
	t.Helper()
	return env.DoRequest(method, path, body, func(r *http.Request) {
		r.Header.Set(key, value)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
}
