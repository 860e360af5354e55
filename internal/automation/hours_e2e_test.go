package automation_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestWorkingNowMapsIntoAProcess maps liveChat.workingNow to a boolean variable: a session
// created out of hours starts its process with false, one created while working with true.
func TestWorkingNowMapsIntoAProcess(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("triage", "global", waitBPMN("triage"), map[string]any{"name": "working", "type": "boolean", "required": true})
		c.bind("session_created", "triage", map[string]string{"working": "liveChat.workingNow"})
		hours := "/api/v1/livechats/" + c.chat + "/working-hours"
		// Enabled with no interval: never working.
		env.MustDo("PUT", hours, env.Admin, map[string]any{"enabled": true, "time_zone": "Asia/Tokyo", "schedule": []any{}}, 200, nil)
		closed, _ := c.customer("out of hours")
		env.MustDo("PUT", hours, env.Admin, map[string]any{"enabled": false}, 200, nil)
		open, _ := c.customer("within hours")
		for session, want := range map[string]bool{closed: false, open: true} {
			items := c.processes(session, 1)
			var inst struct {
				Variables map[string]any `json:"variables"`
			}
			env.MustDo("GET", "/api/v1/instances/"+items[0].ID, env.Admin, nil, 200, &inst)
			if inst.Variables["working"] != want {
				t.Errorf("session %s started with working = %v, want %v", session, inst.Variables["working"], want)
			}
		}
	})
}
