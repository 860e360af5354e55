package process

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

func script(id, variable, expression string) string {
	return `<bpmn:scriptTask id="` + id + `"><bpmn:extensionElements><parley:script><parley:assign variable="` + variable +
		`" expression="` + expression + `"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>`
}

func service(id, typ, inner string) string {
	return `<bpmn:serviceTask id="` + id + `"><bpmn:extensionElements><parley:task type="` + typ + `">` + inner +
		`</parley:task></bpmn:extensionElements></bpmn:serviceTask>`
}

const end = `<bpmn:endEvent id="end"/>`

// TestPublishRefuses checks each validation error: the publish is refused, the error is
// invalid, and its message names the element at fault and the problem.
func TestPublishRefuses(t *testing.T) {
	x := []Variable{variable("x", "integer"), variable("s", "string")}
	cases := []struct {
		name  string
		body  string
		vars  []Variable
		wants []string
	}{
		{"unsupported element", `<bpmn:complexGateway id="inc"/>` + end + chain("start", "inc", "end"), nil, []string{"inc", "not supported"}},
		{"missing outgoing flow", `<bpmn:task id="t"/>` + end + chain("start", "t"), nil, []string{"t", "no outgoing flow"}},
		{"gateway without default or conditions", `<bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "end") + chain("g", "e1"),
			nil, []string{"without a condition and is not its default flow"}},
		{"condition does not compile", `<bpmn:exclusiveGateway id="g" default="f_g_e1"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "e1") + cond("bad", "g", "end", "x +"),
			x, []string{"bad"}},
		{"condition is not boolean", `<bpmn:exclusiveGateway id="g" default="f_g_e1"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "e1") + cond("num", "g", "end", "x + 1"),
			x, []string{"num", "not a boolean"}},
		{"condition compares wrong types", `<bpmn:exclusiveGateway id="g" default="f_g_e1"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "e1") + cond("mixed", "g", "end", "s &gt; 5"),
			x, []string{"mixed"}},
		{"condition names an unknown variable", `<bpmn:exclusiveGateway id="g" default="f_g_e1"/><bpmn:endEvent id="e1"/>` + end + chain("start", "g", "e1") + cond("unk", "g", "end", "price &gt; 5"),
			x, []string{"unk", "price"}},
		{"assignment to an unknown variable", script("sc", "nope", "1") + end + chain("start", "sc", "end"), x, []string{"sc", "unknown variable", "nope"}},
		{"assignment of the wrong type", script("sc", "x", "'text'") + end + chain("start", "sc", "end"), x, []string{"sc", "gives a string", "integer"}},
		{"number into integer", script("sc", "x", "x / 2") + end + chain("start", "sc", "end"), x, []string{"sc", "gives a number", "integer"}},
		{"unreachable element", `<bpmn:task id="island"/>` + end + chain("start", "end") + chain("island", "end"), nil, []string{"island", "cannot be reached"}},
		{"form names an unknown variable", `<bpmn:userTask id="u"><bpmn:extensionElements><parley:form><parley:field variable="ghost"/></parley:form></bpmn:extensionElements></bpmn:userTask>` +
			end + chain("start", "u", "end"), x, []string{"u", "ghost"}},
		{"unknown assignee", `<bpmn:userTask id="u"><bpmn:extensionElements><parley:assignee user="nobody"/></bpmn:extensionElements></bpmn:userTask>` +
			end + chain("start", "u", "end"), nil, []string{"u", "nobody", "does not exist"}},
		{"unknown group", `<bpmn:userTask id="u"><bpmn:extensionElements><parley:assignee group="ghosts"/></bpmn:extensionElements></bpmn:userTask>` +
			end + chain("start", "u", "end"), nil, []string{"u", "ghosts"}},
		{"message into a non-string", `<bpmn:intermediateCatchEvent id="m"><bpmn:extensionElements><parley:message variable="x"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>` +
			end + chain("start", "m", "end"), x, []string{"m", "string"}},
		{"template does not compile", service("r", "livechat.reply", `<parley:input name="text" value="Hi {{ missing }}"/>`) + end + chain("start", "r", "end"), x, []string{"r", "missing"}},
		{"http method", service("h", "http", `<parley:input name="url" value="https://example.com"/><parley:input name="method" value="FETCH"/>`) + end + chain("start", "h", "end"), nil, []string{"h", "method"}},
		{"app task without workspaces", service("a", "app.createItem", `<parley:input name="app" value="crm/leads"/>`) + end + chain("start", "a", "end"), nil, []string{"a", "crm/leads"}},
		{"assign without operator", service("a", "livechat.assign", "") + end + chain("start", "a", "end"), nil, []string{"a", "operator"}},
		{"no diagram", "", nil, []string{"bpmn"}},
	}
	e := newEnv(t, "sqlite", Options{})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xml := diagram(c.body)
			if c.body == "" {
				xml = ""
			}
			_, err := e.tryDeploy("bad-"+itoa(i), xml, c.vars...)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("publish error %v, want invalid", err)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestPublishVersions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		xml := diagram(`<bpmn:userTask id="u"/>` + end + chain("start", "u", "end"))
		v1 := e.deploy("multi", xml)
		old := e.start("multi", nil, "")
		if _, err := e.svc.UpdateDraft(e.admin, "multi", Draft{Name: "Multi", BPMN: diagram(end + chain("start", "end"))}); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Publish(e.admin, "multi")
		if err != nil || p.Number != 2 || v1.Number != 1 {
			t.Fatalf("second publish: %+v %v", p, err)
		}
		if inst := e.start("multi", nil, ""); inst.Version != 2 || inst.State != StateCompleted {
			t.Fatalf("new instance on version %d, %s", inst.Version, inst.State)
		}
		if got := e.instance(old.ID); got.Version != 1 || active(got) != "u:task" {
			t.Fatalf("old instance moved: version %d, %q", got.Version, active(got))
		}
		if _, err := e.svc.Unpublish(e.admin, "multi"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.tryStart("multi", nil, ""); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "no published version") {
			t.Fatalf("start after unpublish: %v", err)
		}
		if _, err := e.svc.Publish(e.user("bob"), "multi"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("non-admin publish: %v", err)
		}
	})
}

// TestSecondExecutableProcessIsAWarning publishes a file with two executable pools: the first
// is the one that runs, and the publish says in a warning that the second never will, naming
// both; a pool marked not executable is documentation and says nothing.
func TestSecondExecutableProcessIsAWarning(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		xml := strings.Replace(diagram(end+chain("start", "end")), `</bpmn:process>`, `</bpmn:process>
<bpmn:process id="Billing" name="Billing" isExecutable="true"><bpmn:startEvent id="s2"/><bpmn:endEvent id="e2"/>`+chain("s2", "e2")+`</bpmn:process>
<bpmn:process id="Customer" isExecutable="false"/>`, 1)
		p, err := e.tryDeploy("pools", xml)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Warnings) != 1 || p.Warnings[0].Source != "bpmn" ||
			!strings.Contains(p.Warnings[0].Message, "process 'Billing' (Billing) is executable but will never run") ||
			!strings.Contains(p.Warnings[0].Message, "the first executable process of a file, P") {
			t.Fatalf("warnings %+v", p.Warnings)
		}
		e.wantEnded(e.start("pools", nil, "").ID, "start completed", "end completed")
		single, err := e.tryDeploy("single", diagram(end+chain("start", "end")))
		if err != nil || len(single.Warnings) != 0 {
			t.Fatalf("one pool: %+v, %v", single.Warnings, err)
		}
	})
}
