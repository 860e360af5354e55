package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestRoutingAndWorkingHoursOverHTTP sets a live chat's distribution and working hours over
// the API: bad values are refused naming the field and change nothing; a waiting session is
// routed as soon as round robin is turned on; an operator coming online takes the queue; the
// widget's status tells the hours.
func TestRoutingAndWorkingHoursOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		routing := "/api/v1/livechats/" + c.liveChat + "/routing"
		hours := "/api/v1/livechats/" + c.liveChat + "/working-hours"
		wantError(t, env.Do("PUT", routing, env.Admin, map[string]any{"mode": "lottery"}), 422, "mode")
		wantError(t, env.Do("PUT", routing, env.Admin, map[string]any{"mode": "round_robin", "max_open": -1}), 422, "max_open")
		for _, token := range []string{c.op, c.op2} {
			env.MustDo("PUT", "/api/v1/me/presence", token, map[string]any{"presence": "offline"}, 200, nil)
		}
		first, _ := c.startWidget(c.liveChat, "anyone?")
		env.MustDo("PUT", routing, env.Admin, map[string]any{"mode": "round_robin", "max_open": 1, "reassign_after": 120}, 200, nil)
		var sess struct {
			State    string
			Operator string `json:"operator_id"`
		}
		env.MustDo("GET", "/api/v1/sessions/"+first, env.Admin, nil, 200, &sess)
		if sess.State != "waiting" {
			t.Fatalf("with nobody online the session is %s", sess.State)
		}
		env.MustDo("PUT", "/api/v1/me/presence", c.op, map[string]any{"presence": "online"}, 200, nil)
		env.MustDo("GET", "/api/v1/sessions/"+first, env.Admin, nil, 200, &sess)
		if sess.State != "assigned" || sess.Operator != c.opID {
			t.Fatalf("after olga came online the session is %s to %q, want hers", sess.State, sess.Operator)
		}

		wantError(t, env.Do("PUT", hours, env.Admin, map[string]any{"enabled": true, "time_zone": "Nowhere/Town"}), 422, "time_zone")
		wantError(t, env.Do("PUT", hours, env.Admin, map[string]any{"enabled": true, "time_zone": "UTC",
			"schedule": []any{map[string]any{"day": "monday", "from": "18:00", "to": "09:00"}}}), 422, "schedule[0].to")
		var wh struct {
			Enabled    bool
			WorkingNow bool `json:"working_now"`
		}
		env.MustDo("GET", hours, c.op, nil, 200, &wh)
		if wh.Enabled || !wh.WorkingNow {
			t.Fatalf("refused changes left %+v", wh)
		}
		env.MustDo("PUT", hours, env.Admin, map[string]any{"enabled": true, "time_zone": "Europe/Lisbon", "schedule": []any{}}, 200, &wh)
		var status struct {
			WorkingNow  bool    `json:"working_now"`
			NextOpening *string `json:"next_opening"`
		}
		env.MustDo("GET", "/api/v1/widget/"+c.liveChat+"/status", "", nil, 200, &status)
		if wh.WorkingNow || status.WorkingNow || status.NextOpening != nil {
			t.Fatalf("a schedule without intervals works: %+v, widget %+v", wh, status)
		}
	})
}
