package process

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// zeebeDiagram is diagram with the Zeebe namespace declared too.
func zeebeDiagram(body string) string {
	return strings.Replace(diagram(body), `xmlns:parley=`, `xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:parley=`, 1)
}

// ioMapping writes an element's extensions: a zeebe:ioMapping, then any other extensions.
func ioMapping(inner string, others ...string) string {
	return `<bpmn:extensionElements><zeebe:ioMapping>` + inner + `</zeebe:ioMapping>` + strings.Join(others, "") + `</bpmn:extensionElements>`
}

// incidentError is the error of an instance's one open incident.
func (e *env) incidentError(id string) string {
	inst := e.instance(id)
	if len(inst.Incidents) != 1 {
		e.t.Fatalf("%d incidents: %s", len(inst.Incidents), trail(inst))
	}
	return inst.Incidents[0].Error
}

// TestIOMappingServiceTask: inputs become the job's locals, computed on entry (a later input
// reads an earlier one, and a local shadows the process variable of the same name); outputs
// read the locals and the worker's result and write process variables; the locals end with
// the task.
func TestIOMappingServiceTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:serviceTask id="job"><bpmn:extensionElements><zeebe:taskDefinition type="crm"/><zeebe:ioMapping>
<zeebe:input source="=total * 2" target="amount"/><zeebe:input source="=amount + 1" target="plus"/>
<zeebe:output source="=plus" target="doubled"/>
<zeebe:output source="=upper case(customer) + &quot;:&quot; + string(score) + &quot;:&quot; + string(amount)" target="label"/>
</zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:scriptTask id="after"><bpmn:extensionElements><zeebe:script expression="=amount" resultVariable="seen"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:userTask id="u"/><bpmn:endEvent id="end"/>` + chain("start", "job", "after", "u", "end")
		e.deploy("io-svc", zeebeDiagram(body), variable("total", "number"), variable("customer", "string"),
			variable("score", "integer"), variable("doubled", "number"), variable("label", "string"),
			variable("amount", "number"), variable("seen", "number"))
		inst := e.start("io-svc", map[string]value.Value{"total": v(typ("number"), "10"), "customer": v(typ("string"), `"Ann"`),
			"amount": v(typ("number"), "5")}, "")
		jobs, err := e.svc.Jobs(e.admin, "crm", store.Page{})
		if err != nil || len(jobs.Items) != 1 {
			t.Fatalf("jobs = %+v, %v", jobs, err)
		}
		if got, _ := json.Marshal(jobs.Items[0].Locals); string(got) != `{"amount":20,"plus":21}` {
			t.Errorf("the worker sees locals %s", got)
		}
		if err := e.svc.CompleteJob(e.admin, jobs.Items[0].ID, JobCompletion{Variables: map[string]json.RawMessage{"score": json.RawMessage("7")}}); err != nil {
			t.Fatal(err)
		}
		got := e.instance(inst.ID)
		if active(got) != "u:task" {
			t.Fatalf("active %q\n%s", active(got), trail(got))
		}
		for name, want := range map[string]string{"doubled": "21", "label": "ANN:7:20", "seen": "5", "amount": "5"} {
			if s := got.Variables[name].String(); s != want {
				t.Errorf("%s = %s, want %s", name, s, want)
			}
		}
	})
}

// TestIOMappingUserTask: a user task's inputs are computed when it opens and its outputs, when
// it is completed, read them together with what the person filled in.
func TestIOMappingUserTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:userTask id="review">` + ioMapping(`<zeebe:input source="=customer + &quot;!&quot;" target="greeting"/>
<zeebe:input source="=count(split(customer, &quot;n&quot;))" target="parts"/>
<zeebe:output source="=greeting + &quot; &quot; + note + &quot; &quot; + string(parts)" target="summary"/>
<zeebe:output source="=if note = null then 0 else string length(note)" target="size"/>`, `<parley:form><parley:field variable="note"/></parley:form>`) + `</bpmn:userTask>
<bpmn:userTask id="next"/><bpmn:endEvent id="end"/>` + chain("start", "review", "next", "end")
		e.deploy("io-user", zeebeDiagram(body), variable("customer", "string"), variable("note", "string"),
			variable("summary", "string"), variable("size", "integer"))
		inst := e.start("io-user", map[string]value.Value{"customer": v(typ("string"), `"Ann"`)}, "")
		task, err := e.svc.Task(e.admin, e.instance(inst.ID).Tasks[0].ID)
		if err != nil || task.Locals["greeting"] != "Ann!" || task.Locals["parts"] != 3.0 {
			t.Fatalf("the open task shows locals %v, %v", task.Locals, err)
		}
		e.completeTaskAt(e.admin, inst.ID, "review", map[string]string{"note": `"hello"`})
		got := e.instance(inst.ID)
		if active(got) != "next:task" || got.Variables["summary"].String() != "Ann! hello 3" || got.Variables["size"].String() != "5" {
			t.Fatalf("active %q summary %q size %q\n%s", active(got), got.Variables["summary"].String(), got.Variables["size"].String(), trail(got))
		}
	})
}

// TestIOMappingFailures: an output whose value does not fit its variable stops the token with an
// incident naming the variable, and changes nothing.
func TestIOMappingFailures(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:task id="t">` + ioMapping(`<zeebe:output source="=number(text)" target="n"/>`) + `</bpmn:task>
<bpmn:endEvent id="end"/>` + chain("start", "t", "end")
		e.deploy("io-fail", zeebeDiagram(body), variable("text", "string"), variable("n", "integer"))
		inst := e.start("io-fail", map[string]value.Value{"text": v(typ("string"), `"1.5"`)}, "")
		if inst.State != StateIncident || active(inst) != "t:incident" || !inst.Variables["n"].IsNull() {
			t.Fatalf("state %s active %q n=%s\n%s", inst.State, active(inst), inst.Variables["n"].String(), trail(inst))
		}
		if msg := e.incidentError(inst.ID); !strings.Contains(msg, "n") || !strings.Contains(msg, "1.5") {
			t.Errorf("the incident does not name the variable and its value: %s", msg)
		}
		// A retry computes the outputs again (and fails again the same way), without redoing the task.
		if _, err := e.svc.RetryIncident(e.admin, e.instance(inst.ID).Incidents[0].ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		if msg := e.incidentError(inst.ID); !strings.Contains(msg, "1.5") {
			t.Errorf("after a retry: %s", msg)
		}
		ok := e.start("io-fail", map[string]value.Value{"text": v(typ("string"), `"12"`)}, "")
		if ok.State != StateCompleted || ok.Variables["n"].String() != "12" {
			t.Fatalf("state %s n=%s", ok.State, ok.Variables["n"].String())
		}
	})
}

// TestFEELPublishErrors: FEEL mistakes are refused at publish, naming the element and the
// expression as written.
func TestFEELPublishErrors(t *testing.T) {
	x := []Variable{variable("x", "integer"), variable("s", "string")}
	gw := `<bpmn:exclusiveGateway id="g" default="f_g_e1"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "e1")
	cases := []struct {
		name, body string
		wants      []string
	}{
		{"unknown variable in a condition", gw + cond("unk", "g", "end", "=price &gt; 5 and x &lt; 2"), []string{"unk", "=price > 5 and x < 2", `unknown variable "price"`}},
		{"condition that is not boolean", gw + cond("str", "g", "end", `=upper case(s)`), []string{"str", "=upper case(s)", "gives a string"}},
		{"syntax error", gw + cond("syn", "g", "end", `=x in [1..`), []string{"syn", "=x in [1..", "ends too early"}},
		{"unknown function", gw + cond("fn", "g", "end", `=frobnicate(x)`), []string{"fn", "unknown function frobnicate()"}},
		{"input names an unknown variable", `<bpmn:task id="t">` + ioMapping(`<zeebe:input source="=ghost + 1" target="y"/>`) + `</bpmn:task>` + end + chain("start", "t", "end"),
			[]string{"t", "=ghost + 1", `unknown variable "ghost"`}},
		{"output to an undeclared variable", `<bpmn:task id="t">` + ioMapping(`<zeebe:output source="=x" target="nope"/>`) + `</bpmn:task>` + end + chain("start", "t", "end"),
			[]string{"t", "unknown variable", "nope"}},
		{"output of the wrong type", `<bpmn:task id="t">` + ioMapping(`<zeebe:output source="=upper case(s)" target="x"/>`) + `</bpmn:task>` + end + chain("start", "t", "end"),
			[]string{"t", "=upper case(s)", "gives a string", "integer"}},
		{"output on an end event", `<bpmn:task id="t"/><bpmn:endEvent id="end">` + ioMapping(`<zeebe:output source="=x" target="x"/>`) + `</bpmn:endEvent>` + chain("start", "t", "end"),
			[]string{"end", "zeebe:output on endEvent"}},
		{"mapping on a gateway", `<bpmn:exclusiveGateway id="g2">` + ioMapping(`<zeebe:input source="=x" target="y"/>`) + `</bpmn:exclusiveGateway>` + end + chain("start", "g2", "end"),
			[]string{"g2", "not supported"}},
	}
	each(t, func(t *testing.T, e *env) {
		for i, c := range cases {
			_, err := e.tryDeploy("feel-bad-"+itoa(i), zeebeDiagram(c.body), x...)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: want an invalid error, got %v", c.name, err)
				continue
			}
			for _, want := range c.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %v\ndoes not contain %q", c.name, err, want)
				}
			}
		}
	})
}

// TestFEELAtRunTime: FEEL's null logic decides conditions (a null condition is false), list
// functions fill variables, and an expression that runs past its limits stops the token with
// an incident that says so.
func TestFEELAtRunTime(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=sum(for i in 1..n return i)" resultVariable="total"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:exclusiveGateway id="g" default="f_g_other"/><bpmn:userTask id="big"/><bpmn:userTask id="other"/>` + end +
			chain("start", "calc", "g") + chain("g", "other", "end") + chain("big", "end") + cond("isBig", "g", "big", "=total &gt; 10 and (vip or total &gt; 20)")
		e.deploy("feel-run", zeebeDiagram(body), variable("n", "integer"), variable("total", "integer"), variable("vip", "boolean"))
		start := func(n string, vip string) *Instance {
			in := map[string]value.Value{"n": v(typ("integer"), n)}
			if vip != "" {
				in["vip"] = v(typ("boolean"), vip)
			}
			return e.start("feel-run", in, "")
		}
		for _, c := range []struct{ n, vip, active, total string }{
			{"5", "", "big:task", "15"},     // 15 > 10 and (null or false): null, so the default flow
			{"5", "true", "big:task", "15"}, // with vip
			{"3", "", "other:task", "6"},    // false and null is false
			{"7", "", "big:task", "28"},     // null or true is true
		} {
			inst := start(c.n, c.vip)
			if c.n == "5" && c.vip == "" {
				c.active = "other:task"
			}
			if active(inst) != c.active || inst.Variables["total"].String() != c.total {
				t.Errorf("n=%s vip=%q: active %q total %s, want %q %s\n%s", c.n, c.vip, active(inst), inst.Variables["total"].String(), c.active, c.total, trail(inst))
			}
		}
		// 1..n with n = 10^7 needs more than the step limit: an incident, not a stuck server.
		inst := start("10000000", "")
		if inst.State != StateIncident || active(inst) != "calc:incident" {
			t.Fatalf("state %s active %q", inst.State, active(inst))
		}
		if msg := e.incidentError(inst.ID); !strings.Contains(msg, "longer than 10000") || !strings.Contains(msg, "=sum(for i in 1..n return i)") || strings.Contains(msg, "$env") {
			t.Errorf("the incident does not say why: %s", msg)
		}
	})
}
