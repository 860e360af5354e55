package automation_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestReportCountsOutcomes checks the report's automation figures against the log: two
// starts, a skip for spam, and a failure of a session_closed binding that needs the rating,
// which no session_closed event carries yet (the customer rates after the closing).
func TestReportCountsOutcomes(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("on_message", "global", waitBPMN("on_message"), map[string]any{"name": "text", "type": "string"})
		c.publish("on_rating", "global", waitBPMN("on_rating"), map[string]any{"name": "score", "type": "integer", "required": true})
		c.bind("message_received", "on_message", map[string]string{"text": "lastMessage.text"})
		c.bind("session_closed", "on_rating", map[string]string{"score": "session.rating"})
		first, _ := c.customer("first")
		c.processes(first, 1)
		env.MustDo("POST", "/api/v1/sessions/"+first+"/close", c.operator, nil, 200, nil)
		second, visitor := c.customer("second")
		c.processes(second, 1)
		env.MustDo("POST", "/api/v1/sessions/"+second+"/spam", c.operator, nil, 200, nil)
		env.MustDo("POST", "/api/v1/widget/sessions/"+second+"/messages", visitor, map[string]any{"text": "buy pills"}, 201, nil)
		deadline := time.Now().Add(10 * time.Second)
		for len(c.log("")) < 4 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if failed := c.log("?outcome=failed"); len(failed) != 1 || failed[0]["event"] != "session_closed" {
			t.Fatalf("failed lines %v, want the session_closed start without a rating", failed)
		}
		var rep struct {
			Automation []struct {
				LiveChatID               string `json:"live_chat_id"`
				Started, Skipped, Failed int
			}
		}
		env.MustDo("GET", "/api/v1/reports", c.supervisor, nil, 200, &rep)
		if len(rep.Automation) != 1 {
			t.Fatalf("automation rows %+v, want the supervisor's live chat", rep.Automation)
		}
		if a := rep.Automation[0]; a.LiveChatID != c.chat || a.Started != 2 || a.Skipped != 1 || a.Failed != 1 {
			t.Fatalf("automation outcomes %+v, want 2 started, 1 skipped, 1 failed", a)
		}
	})
}
