package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestTransferToOperatorAndLiveChat hands one session from its operator to a colleague with a
// note, then from a supervisor to another live chat's queue: who may, where it goes, the note
// that follows it, and the refusals that name the field.
func TestTransferToOperatorAndLiveChat(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "my parcel is lost")
		path := "/api/v1/sessions/" + id
		env.MustDo("POST", path+"/take", c.op, nil, 200, nil)

		wantError(t, env.Do("POST", path+"/transfer", c.op2, map[string]any{"to_user": c.op2ID}), 403, "transfer")
		wantError(t, env.Do("POST", path+"/transfer", c.op, map[string]any{}), 422, "to_user")
		wantError(t, env.Do("POST", path+"/transfer", c.op, map[string]any{"to_user": c.strangerID}), 422, "to_user")
		wantError(t, env.Do("POST", path+"/transfer", c.op, map[string]any{"to_livechat": "lc_nope"}), 422, "to_livechat")
		wantError(t, env.Do("POST", path+"/transfer", c.op, map[string]any{"to_user": c.opID}), 409, "already")
		wantError(t, env.Do("POST", path+"/transfer", visitor, map[string]any{"to_user": c.op2ID}), 401)

		// The session's operator may hand it to Sales, whose live chats she is not in.
		var targets struct {
			Items []struct {
				LiveChatID string `json:"live_chat_id"`
				Operators  []struct{ ID string }
			}
		}
		env.MustDo("GET", path+"/transfer-targets", c.op, nil, 200, &targets)
		found := false
		for _, lc := range targets.Items {
			found = found || (lc.LiveChatID == c.otherChat && len(lc.Operators) == 1 && lc.Operators[0].ID == c.strangerID)
		}
		if !found {
			t.Fatalf("the transfer targets %+v lack Sales and its operator", targets.Items)
		}
		wantError(t, env.Do("GET", path+"/transfer-targets", c.op2, nil), 403)

		var sess struct {
			State      string
			OperatorID string `json:"operator_id"`
			LiveChatID string `json:"live_chat_id"`
		}
		env.MustDo("POST", path+"/transfer", c.op, map[string]any{"to_user": c.op2ID, "note": "She wants a refund, not a new parcel."}, 200, &sess)
		if sess.State != "assigned" || sess.OperatorID != c.op2ID {
			t.Fatalf("after the transfer the session is %+v, want assigned to oleg", sess)
		}
		var notes struct {
			Items []struct{ Text, AuthorID string }
		}
		env.MustDo("GET", path+"/notes", c.op2, nil, 200, &notes)
		if len(notes.Items) != 1 || notes.Items[0].Text != "Transferred to oleg: She wants a refund, not a new parcel." {
			t.Fatalf("notes %+v", notes.Items)
		}
		if res := env.MustDo("GET", "/api/v1/widget/sessions/"+id+"/messages", visitor, nil, 200, nil); strings.Contains(string(res.Body), "refund") {
			t.Fatalf("the customer sees the transfer note: %s", res.Body)
		}
		// The first operator handed it on: it is no longer theirs to transfer.
		wantError(t, env.Do("POST", path+"/transfer", c.op, map[string]any{"to_user": c.opID}), 403)

		env.MustDo("POST", path+"/transfer", c.sup, map[string]any{"to_livechat": c.otherChat, "note": "Sales handles refunds."}, 200, &sess)
		if sess.State != "waiting" || sess.OperatorID != "" || sess.LiveChatID != c.otherChat {
			t.Fatalf("after the transfer to Sales the session is %+v, want waiting in %s", sess, c.otherChat)
		}
		env.MustDo("GET", path, c.otherOp, nil, 200, nil)
		wantError(t, env.Do("GET", path, c.op, nil), 404)
		env.MustDo("GET", path+"/notes", c.otherOp, nil, 200, &notes)
		if len(notes.Items) != 2 || notes.Items[1].Text != "Transferred to the queue of Sales: Sales handles refunds." {
			t.Fatalf("notes %+v", notes.Items)
		}
		// The customer goes on writing in the same conversation, now Sales'.
		env.MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]any{"text": "hello?"}, 201, nil)
		var list struct{ Items []struct{ ID string } }
		env.MustDo("GET", "/api/v1/sessions?state=waiting&livechat="+c.otherChat, c.otherOp, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id {
			t.Fatalf("Sales' queue %+v, want the transferred session", list.Items)
		}

		env.MustDo("POST", path+"/close", c.otherOp, nil, 200, nil)
		wantError(t, env.Do("POST", path+"/transfer", env.Admin, map[string]any{"to_livechat": c.liveChat}), 409, "closed")
	})
}
