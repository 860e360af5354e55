package process

import (
	"strings"
	"testing"
	"time"
)

// TestMultiInstanceSubProcess: a multi-instance sub-process runs its inside once per element,
// each run in its own scope that sees its element and loopCounter; the output collection
// follows the input, and an interrupting boundary event cancels every run with all inside it.
func TestMultiInstanceSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:startEvent id="s_in"/><bpmn:scriptTask id="label"><bpmn:extensionElements><zeebe:script expression="=item.name + &quot;#&quot; + string(loopCounter)" resultVariable="answer"/></bpmn:extensionElements></bpmn:scriptTask>` +
			`<bpmn:userTask id="check"/><bpmn:endEvent id="s_end"/>` + chain("s_in", "label", "check", "s_end")
		for _, sequential := range []bool{false, true} {
			loop := zeebeLoop(sequential, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= answer + &quot;/&quot; + item.name"`, "")
			body := `<bpmn:subProcess id="mi">` + loop + inner + `</bpmn:subProcess><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>` +
				`<bpmn:boundaryEvent id="b" attachedToRef="mi">` + hourTimer + `</bpmn:boundaryEvent><bpmn:endEvent id="out"/>` +
				chain("start", "mi", "after", "end") + chain("b", "out")
			code := "mi_sub_" + map[bool]string{false: "par", true: "seq"}[sequential]
			e.deploy(code, zeebeDiagram(body), reviewVars...)

			inst := e.start(code, items(`[{"name":"a"},{"name":"b"}]`), "")
			want := 2
			if sequential {
				want = 1
			}
			if open := e.openTasks(inst.ID, "check"); len(open) != want {
				t.Fatalf("%s: %d open tasks, want %d: %s", code, len(open), want, active(e.instance(inst.ID)))
			}
			for range 2 {
				open := e.openTasks(inst.ID, "check")
				mustComplete(t, e, open[len(open)-1])
			}
			got := e.instance(inst.ID)
			if active(got) != "after:task" || !okResults(got.Variables["results"].String()) {
				t.Fatalf("%s: %q results %s\n%s", code, active(got), got.Variables["results"].String(), trail(got))
			}

			cut := e.start(code, items(`[{"name":"a"},{"name":"b"}]`), "")
			e.clock.Advance(time.Hour + time.Second)
			e.runJobs()
			got = e.instance(cut.ID)
			if left := e.openTasks(cut.ID, "check"); len(left) != 0 || got.State != StateCompleted || len(got.Scopes) != 0 || !strings.Contains(trail(got), "b fired") {
				t.Fatalf("%s after the boundary timer: %d open tasks, %s, scopes %+v\n%s", code, len(left), got.State, got.Scopes, trail(got))
			}
		}
	})
}

// TestMultiInstanceCallActivity: a multi-instance call activity calls the process once per
// element, passing the element down by an input mapping, and collects what each returns.
func TestMultiInstanceCallActivity(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("ask-double", diagram(asker+chain("start", "ask", "calc", "end")), childVars()...)
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= doubled"`, "")
		body := `<bpmn:callActivity id="mi" calledElement="ask-double">` + loop +
			`<bpmn:extensionElements><parley:in source="item" target="n"/></bpmn:extensionElements></bpmn:callActivity>` +
			`<bpmn:userTask id="after"/><bpmn:endEvent id="end"/>` + chain("start", "mi", "after", "end")
		e.deploy("mi_call", zeebeDiagram(body), variable("items", "list"), variable("results", "list"), variable("doubled", "integer"))
		inst := e.start("mi_call", items(`[3, 5]`), "")
		children := e.instance(inst.ID).Children
		if len(children) != 2 {
			t.Fatalf("%d called instances, want 2: %s %+v", len(children), active(e.instance(inst.ID)), e.onlyIncidents(inst.ID))
		}
		for _, c := range children {
			e.completeTaskAt(e.admin, c.Instance, "ask", nil)
		}
		got := e.instance(inst.ID)
		if active(got) != "after:task" || got.Variables["results"].String() != `[6,10]` {
			t.Fatalf("%q results %s\n%s", active(got), got.Variables["results"].String(), trail(got))
		}
	})
}

// okResults: each run's output element sees its own item; the script's result variable is a
// process variable, which the runs share, as in Camunda 8.
func okResults(s string) bool {
	return strings.HasSuffix(s, `/a","b#2/b"]`) && strings.HasPrefix(s, `["`) && strings.Contains(s, `#`)
}

func (e *env) onlyIncidents(instanceID string) []string {
	list, _ := e.svc.Incidents(e.admin, pageAll)
	var out []string
	for _, i := range list.Items {
		if i.InstanceID == instanceID {
			out = append(out, i.Error)
		}
	}
	return out
}
