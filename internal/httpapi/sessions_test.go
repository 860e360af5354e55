package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/server/servertest"
)

type sessionBody struct {
	ID, State, Priority string
	OperatorID          string `json:"operator_id"`
	MessageCount        int    `json:"message_count"`
	Customer            struct{ Name, Phone string }
}

func (c *chatEnv) session(id string) sessionBody {
	c.T.Helper()
	var s sessionBody
	c.MustDo("GET", "/api/v1/sessions/"+id, c.Admin, nil, 200, &s)
	return s
}

// wantState fails unless the answer is a 409 that names the state in message and details.
func wantState(t *testing.T, r *servertest.Response, state string) {
	t.Helper()
	wantError(t, r, 409, "the session is "+state)
	var e struct {
		Error struct{ Details map[string]any }
	}
	r.JSON(t, &e)
	if e.Error.Details["state"] != state {
		t.Fatalf("details %v, want state %s", e.Error.Details, state)
	}
}

func TestSessionLifecycleOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "My parcel is late")
		path := "/api/v1/sessions/" + id
		if s := c.session(id); s.State != "waiting" || s.Customer.Name != "Ann" || s.Priority != "medium" || s.MessageCount != 1 {
			t.Fatalf("new session %+v", s)
		}
		r := env.Do("POST", path+"/messages", c.offline, map[string]any{"text": "hi"})
		wantError(t, r, 403, "offline")
		wantError(t, env.Do("GET", path, c.stranger, nil), 404)       // another live chat's session is concealed
		env.MustDo("GET", path+"/messages", c.offline, nil, 200, nil) // an offline operator reads

		var s sessionBody
		env.MustDo("POST", path+"/take", c.op, nil, 200, &s)
		if s.State != "assigned" || s.OperatorID != c.opID {
			t.Fatalf("taken %+v", s)
		}
		wantState(t, env.Do("POST", path+"/take", c.op2, nil), "assigned")
		env.MustDo("POST", path+"/messages", c.op, map[string]any{"text": "Let me check."}, 201, nil)
		big := strings.Repeat("x", chat.MaxText+1)
		wantError(t, env.Do("POST", path+"/messages", c.op, map[string]any{"text": big}), 413, "text")
		wantError(t, env.Do("POST", path+"/assign", c.op, map[string]any{"operator": c.op2ID}), 403)
		wantError(t, env.Do("POST", path+"/assign", c.sup, map[string]any{"operator": c.strangerID}), 422, "operator")
		env.MustDo("POST", path+"/assign", c.sup, map[string]any{"operator": c.op2ID}, 200, &s)
		env.MustDo("PATCH", path, c.op2, map[string]any{"priority": "high"}, 200, &s)
		wantError(t, env.Do("PATCH", path, c.op2, map[string]any{"priority": "urgent"}), 422, "priority")

		env.MustDo("POST", path+"/spam", c.op2, nil, 200, &s)
		if s.State != "spam" || s.OperatorID != "" || s.Priority != "low" {
			t.Fatalf("spam %+v", s)
		}
		wantState(t, env.Do("POST", path+"/close", c.op2, nil), "spam")
		wantError(t, env.Do("DELETE", path+"/spam", c.offline, nil), 403)
		// The operator who marked it may undo the mark, as a supervisor may.
		env.MustDo("DELETE", path+"/spam", c.op2, nil, 200, &s)
		if s.State != "assigned" || s.OperatorID != c.op2ID || s.Priority != "high" {
			t.Fatalf("restored %+v", s)
		}
		env.MustDo("POST", path+"/close", c.op2, nil, 200, &s)
		wantState(t, env.Do("POST", path+"/messages", c.op2, map[string]any{"text": "one more"}), "closed")
		wantState(t, env.Do("POST", path+"/spam", c.op2, nil), "closed")

		// The customer writes again: the same session reopens, history kept.
		env.MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]any{"text": "Still late!"}, 201, nil)
		if s := c.session(id); s.State != "waiting" || s.OperatorID != "" || s.MessageCount != 3 {
			t.Fatalf("reopened %+v", s)
		}
		var msgs struct {
			Items []struct{ Author, Text string }
		}
		env.MustDo("GET", path+"/messages", c.op, nil, 200, &msgs)
		if len(msgs.Items) != 3 || msgs.Items[1].Author != "operator" || msgs.Items[2].Text != "Still late!" {
			t.Fatalf("messages %+v", msgs.Items)
		}
	})
}

func TestSessionListOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		a, _ := c.startWidget(c.liveChat, "one")
		b, _ := c.startWidget(c.liveChat, "two")
		other, _ := c.startWidget(c.otherChat, "elsewhere")
		env.MustDo("POST", "/api/v1/sessions/"+a+"/take", c.op, nil, 200, nil)
		env.MustDo("POST", "/api/v1/sessions/"+b+"/spam", c.op, nil, 200, nil)
		ids := func(token, query string) []string {
			var list struct{ Items []struct{ ID string } }
			env.MustDo("GET", "/api/v1/sessions"+query, token, nil, 200, &list)
			out := []string{}
			for _, s := range list.Items {
				out = append(out, s.ID)
			}
			return out
		}
		cases := []struct {
			token, query string
			want         []string
		}{
			{c.op, "", []string{a}},
			{c.op, "?state=spam", []string{b}},
			{c.op, "?mine=true", []string{a}},
			{c.op, "?state=waiting,spam&livechat=" + c.liveChat, []string{b}},
			{c.stranger, "", []string{other}},
			{env.Admin, "?limit=1&state=waiting", []string{other}},
		}
		for _, k := range cases {
			if got := ids(k.token, k.query); strings.Join(got, ",") != strings.Join(k.want, ",") {
				t.Errorf("GET /api/v1/sessions%s: %v, want %v", k.query, got, k.want)
			}
		}
		wantError(t, env.Do("GET", "/api/v1/sessions?state=lost", c.op, nil), 422, "state")
		wantError(t, env.Do("GET", "/api/v1/sessions?livechat="+c.liveChat, c.stranger, nil), 403)
	})
}

func TestReplyIdempotencyOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, _ := c.startWidget(c.liveChat, "hello")
		send := func() string {
			req := map[string]any{"text": "Hello!"}
			data, _ := json.Marshal(req)
			r := doWithHeader(t, env, "POST", "/api/v1/sessions/"+id+"/messages", c.op, data, "Idempotency-Key", "reply-1")
			if r.Status != 201 {
				t.Fatalf("status %d %s", r.Status, r.Body)
			}
			var m struct{ ID string }
			r.JSON(t, &m)
			return m.ID
		}
		if first, again := send(), send(); first != again {
			t.Fatalf("a repeated reply stored %s and %s", first, again)
		}
		if n := c.session(id).MessageCount; n != 2 {
			t.Fatalf("%d messages, want 2", n)
		}
	})
}
