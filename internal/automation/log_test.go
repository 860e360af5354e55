package automation_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestLogSaysWhenTheEventWasWritten: a log line carries the time of its chat event, no later
// than the line itself, so an administrator (or the load generator) can read how long the
// event waited for its instance.
func TestLogSaysWhenTheEventWasWritten(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("look", "global", waitBPMN("look"))
		c.bind("message_received", "look", nil)
		before := time.Now().UTC().Add(-time.Second)
		session, _ := c.customer("Hello")
		c.processes(session, 1)
		lines := c.log("?outcome=started")
		if len(lines) != 1 {
			t.Fatalf("log %+v, want one started line", lines)
		}
		at, err1 := time.Parse(time.RFC3339Nano, lines[0]["at"].(string))
		raw, ok := lines[0]["event_at"].(string)
		eventAt, err2 := time.Parse(time.RFC3339Nano, raw)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("line %+v: at and event_at must be RFC 3339 times", lines[0])
		}
		if eventAt.Before(before) || eventAt.After(at) {
			t.Fatalf("event_at %v, at %v: want the event written after %v and no later than the line", eventAt, at, before)
		}
	})
}
