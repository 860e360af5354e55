package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

type callRef struct{ Instance, Element, Process, State string }

// TestInstanceCallLinks checks that GET /api/v1/instances/{id} links a caller and the instance
// its call activity started both ways, and that cancelling goes through the caller.
func TestInstanceCallLinks(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		for code, step := range map[string]string{
			"child":  `<bpmn:userTask id="step"/>`,
			"parent": `<bpmn:callActivity id="step" calledElement="child"/>`,
		} {
			draft := map[string]any{"code": code, "name": code, "scope": "global", "variables": []any{}, "bpmn": servertest.OneStep(step)}
			env.MustDo("POST", "/api/v1/processes", env.Admin, draft, 201, nil)
			env.MustDo("POST", "/api/v1/processes/"+code+"/publish", env.Admin, nil, 201, nil)
		}
		var parent struct {
			ID       string
			Active   []struct{ Element, Wait string }
			Children []callRef
		}
		env.MustDo("POST", "/api/v1/processes/parent/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &parent)
		env.MustDo("GET", "/api/v1/instances/"+parent.ID, env.Admin, nil, 200, &parent)
		if len(parent.Active) != 1 || parent.Active[0].Wait != "call" || len(parent.Children) != 1 {
			t.Fatalf("parent %+v", parent)
		}
		c := parent.Children[0]
		if c.Element != "step" || c.Process != "child" || c.State != "active" {
			t.Fatalf("child link %+v", c)
		}
		var child struct {
			State  string
			Parent *callRef
		}
		env.MustDo("GET", "/api/v1/instances/"+c.Instance, env.Admin, nil, 200, &child)
		if child.Parent == nil || child.Parent.Instance != parent.ID || child.Parent.Element != "step" || child.Parent.Process != "parent" {
			t.Fatalf("child %+v", child)
		}
		if r := env.Do("POST", "/api/v1/instances/"+c.Instance+"/cancel", env.Admin, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "cancel instance "+parent.ID) {
			t.Fatalf("cancelling the child alone: %d %s", r.Status, r.Body)
		}
		env.MustDo("POST", "/api/v1/instances/"+parent.ID+"/cancel", env.Admin, nil, 200, nil)
		env.MustDo("GET", "/api/v1/instances/"+c.Instance, env.Admin, nil, 200, &child)
		if child.State != "cancelled" {
			t.Fatalf("child is %s after its caller was cancelled", child.State)
		}
	})
}
