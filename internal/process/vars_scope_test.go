package process

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/internal/store"
)

// TestScopeLocalVariables: a variable local to a sub-process's scope shadows the process's
// for the expressions inside, and a script that assigns it changes the local one; a variable
// no scope has is set on the process (Camunda 8's propagation).
func TestScopeLocalVariables(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		script := `<bpmn:scriptTask id="calc"><bpmn:extensionElements><parley:script>
			<parley:assign variable="x" expression="x + 1"/><parley:assign variable="y" expression="x * 2"/>
			</parley:script></bpmn:extensionElements></bpmn:scriptTask>
			<bpmn:exclusiveGateway id="gw" default="toSmall"/><bpmn:userTask id="big"/><bpmn:userTask id="small"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>` +
			cond("toBig", "gw", "big", "x > 10") + `<bpmn:sequenceFlow id="toSmall" sourceRef="gw" targetRef="small"/>` +
			`<bpmn:userTask id="first"/>` + chain("sub_start", "first", "calc", "gw") + chain("big", "e1") + chain("small", "e2")
		e.deploy("locals", aroundSub(script, ""), variable("x", "integer"), variable("y", "integer"))
		inst := e.start("locals", nil, "")
		e.setLocal(inst.ID, "sub", "x", `100`)
		e.completeTaskAt(e.admin, inst.ID, "first", nil)
		got := e.instance(inst.ID)
		if active(got) != "big:task sub:scope" {
			t.Fatalf("the gateway did not see the local x: %q", active(got))
		}
		if x, y := got.Variables["x"], got.Variables["y"]; !x.IsNull() || y.String() != "202" {
			t.Fatalf("process variables x=%s y=%s; want x unset (the local one changed) and y=202", x.String(), y.String())
		}
		if len(got.Scopes) != 1 || got.Scopes[0].Variables["x"].String() != "101" {
			t.Fatalf("scopes %+v; want the local x at 101", got.Scopes)
		}
	})
}

// setLocal gives the running scope of element el a local variable, as an input mapping would.
func (e *env) setLocal(instanceID, el, name, raw string) {
	e.t.Helper()
	ctx := context.Background()
	err := e.db.Tx(ctx, func(tx *store.Tx) error {
		st, err := e.svc.loadState(ctx, tx, instanceID, true)
		if err != nil {
			return err
		}
		for _, sc := range st.toks.Scopes {
			if sc.El == el {
				sc.Vars = map[string]json.RawMessage{name: json.RawMessage(raw)}
			}
		}
		return st.save(ctx, tx, newBatch())
	})
	if err != nil {
		e.t.Fatal(err)
	}
}
