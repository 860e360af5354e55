package process

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/value"
)

// Lists and objects go into a process, expressions read and build them, a task form fills
// them, and they come back from the database as they went in.
func TestListAndObjectVariables(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:scriptTask id="s"><bpmn:extensionElements><parley:script>
			<parley:assign variable="n" expression="len(items)"/>
			<parley:assign variable="first" expression="items[0].name + ' ' + customer.city"/>
			<parley:assign variable="summary" expression="{count: n, names: map(items, .name), total: sum(map(items, .qty))}"/>
			<parley:assign variable="big" expression="filter(items, .qty > 1)"/>
			</parley:script></bpmn:extensionElements></bpmn:scriptTask>
			<bpmn:userTask id="u"><bpmn:extensionElements><parley:form><parley:field variable="notes"/></parley:form></bpmn:extensionElements></bpmn:userTask>
			<bpmn:endEvent id="end"/>` + chain("start", "s", "u", "end")
		e.deploy("orders", diagram(body), variable("items", "list"), variable("customer", "object"), variable("n", "integer"),
			variable("first", "string"), variable("summary", "object"), variable("big", "list"), variable("notes", "list"))
		inst := e.start("orders", map[string]value.Value{
			"items":    v(typ("list"), `[{"name":"tea","qty":2},{"name":"cup","qty":1}]`),
			"customer": v(typ("object"), `{"city":"Oslo","vip":true}`),
		}, "")
		got := e.instance(inst.ID)
		want := map[string]string{
			"n": "2", "first": "tea Oslo",
			"summary": `{"count":2,"names":["tea","cup"],"total":3}`,
			"big":     `[{"name":"tea","qty":2}]`,
			"items":   `[{"name":"tea","qty":2},{"name":"cup","qty":1}]`,
		}
		for name, w := range want {
			if s := got.Variables[name].String(); s != w {
				t.Errorf("%s = %s; want %s", name, s, w)
			}
		}
		task := got.Tasks[0]
		_, err := e.svc.CompleteTask(e.admin, task.ID, map[string]json.RawMessage{"notes": json.RawMessage(`{"a":1}`)})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "notes") || !strings.Contains(err.Error(), "expected list, got object") {
			t.Fatalf("an object for a list field: %v", err)
		}
		e.completeTaskAt(e.admin, inst.ID, "u", map[string]string{"notes": `["call back", 3]`})
		done := e.instance(inst.ID)
		if done.State != StateCompleted || done.Variables["notes"].String() != `["call back",3]` {
			t.Fatalf("state %s, notes %s", done.State, done.Variables["notes"])
		}
	})
}

// An expression that gives something else than a list or an object for such a variable is
// refused when the process is published, naming the variable.
func TestListAndObjectTypeChecks(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, c := range []struct{ expr, t, msg string }{
			{"'abc'", "list", "the expression gives a string, the variable is list"},
			{"[1, 2]", "object", "the expression gives a list, the variable is object"},
			{"{a: 1}", "list", "the expression gives an object, the variable is list"},
		} {
			body := `<bpmn:scriptTask id="s"><bpmn:extensionElements><parley:script><parley:assign variable="x" expression="` + c.expr +
				`"/></parley:script></bpmn:extensionElements></bpmn:scriptTask><bpmn:endEvent id="end"/>` + chain("start", "s", "end")
			_, err := e.tryDeploy("bad-"+c.t+strings.Repeat("x", len(c.expr)), diagram(body), variable("x", c.t))
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s into %s: %v; want %q", c.expr, c.t, err, c.msg)
			}
		}
	})
}
