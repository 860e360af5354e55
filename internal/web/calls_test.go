package web_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestInstancePageCallLinks opens a caller's instance page, follows the link to the instance
// its call activity started, and comes back by the link to the caller.
func TestInstancePageCallLinks(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	for _, p := range []struct{ code, step string }{
		{"approval", `<bpmn:userTask id="step"/>`},
		{"order", `<bpmn:callActivity id="step" calledElement="approval"/>`},
	} {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": p.code, "name": p.code, "bpmn": servertest.OneStep(p.step)}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/"+p.code+"/publish", env.Admin, nil, 201, nil)
	}
	var inst struct{ ID string }
	env.MustDo("POST", "/api/v1/processes/order/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)

	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/instances/" + inst.ID)
	if got := admin.WaitText(`[data-call="child"]`, "approval"); !strings.Contains(got, "at step (active)") {
		t.Fatalf("child link %q", got)
	}
	admin.Click(`[data-call="child"]`)
	admin.WaitText(`[data-call="parent"]`, "order v1 at step (active)")
	if !strings.HasPrefix(admin.Path(), "/instances/") || strings.Contains(admin.Path(), inst.ID) {
		t.Fatalf("the child link led to %s", admin.Path())
	}
	admin.Click(`[data-call="parent"]`)
	admin.WaitFor(`[data-call="child"]`)
	if got := admin.Path(); got != "/instances/"+inst.ID {
		t.Fatalf("the parent link led to %s", got)
	}
}
