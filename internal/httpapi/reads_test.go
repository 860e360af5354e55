package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestUnreadCountsPerOperator checks each operator's unread count: every message by someone
// else after their read cursor, in the lists and the session, the cursor set by PUT .../read
// and only ever moving forward.
func TestUnreadCountsPerOperator(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "hello")
		path := "/api/v1/sessions/" + id
		unread := func(token string) int {
			t.Helper()
			var one struct{ Unread *int }
			env.MustDo("GET", path, token, nil, 200, &one)
			var list struct {
				Items []struct {
					ID     string
					Unread *int
				}
			}
			env.MustDo("GET", "/api/v1/sessions?livechat="+c.liveChat, token, nil, 200, &list)
			if len(list.Items) != 1 || list.Items[0].Unread == nil || one.Unread == nil || *list.Items[0].Unread != *one.Unread {
				t.Fatalf("the list says %+v, the session %v", list.Items, one.Unread)
			}
			return *one.Unread
		}
		if n := unread(c.op); n != 1 {
			t.Fatalf("a new session has %d unread, want 1", n)
		}
		var mark struct {
			Seq    int64
			Unread int
		}
		env.MustDo("PUT", path+"/read", c.op, nil, 200, &mark)
		if mark.Seq != 1 || mark.Unread != 0 || unread(c.op) != 0 {
			t.Fatalf("after reading: %+v, unread %d", mark, unread(c.op))
		}
		for _, text := range []string{"are you there?", "hello again"} {
			env.MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]any{"text": text}, 201, nil)
		}
		env.MustDo("POST", path+"/messages", c.op, map[string]any{"text": "Here I am."}, 201, nil)
		if n := unread(c.op); n != 2 {
			t.Fatalf("after two customer messages and her own reply the operator has %d unread, want 2", n)
		}
		if n := unread(c.op2); n != 4 {
			t.Fatalf("a colleague who never opened the session has %d unread, want 4", n)
		}
		env.MustDo("PUT", path+"/read", c.op, map[string]any{"seq": 3}, 200, &mark)
		if mark.Seq != 3 || mark.Unread != 0 {
			t.Fatalf("read up to 3: %+v", mark)
		}
		env.MustDo("PUT", path+"/read", c.op, map[string]any{"seq": 1}, 200, &mark)
		if mark.Seq != 3 {
			t.Fatalf("an older cursor moved the read mark back: %+v", mark)
		}
		wantError(t, env.Do("PUT", path+"/read", c.op, map[string]any{"seq": 99}), 422, "seq")
		wantError(t, env.Do("PUT", path+"/read", c.otherOp, nil), 404)
		wantError(t, env.Do("PUT", path+"/read", visitor, nil), 401)
	})
}
