package process

import "testing"

// link draws a link throw or catch event of a name.
func link(tag, id, name string) string {
	return `<bpmn:` + tag + ` id="` + id + `"><bpmn:linkEventDefinition name="` + name + `"/></bpmn:` + tag + `>`
}

func TestLinkEvents(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// Two throws jump to one catch: a loop drawn without a line back, and a shortcut.
		body := `<bpmn:userTask id="a"><bpmn:extensionElements><parley:form><parley:field variable="again"/></parley:form></bpmn:extensionElements></bpmn:userTask>
			<bpmn:exclusiveGateway id="x" default="f_done"/>` +
			link("intermediateThrowEvent", "goBack", "retry") + link("intermediateCatchEvent", "comeBack", "retry") +
			link("intermediateThrowEvent", "toEnd", "finish") + link("intermediateCatchEvent", "atEnd", "finish") +
			`<bpmn:userTask id="b"/><bpmn:endEvent id="end"/>` +
			chain("start", "a", "x") + cond("f_again", "x", "goBack", "again") +
			`<bpmn:sequenceFlow id="f_done" sourceRef="x" targetRef="toEnd"/>` + chain("comeBack", "b", "a") + chain("atEnd", "end")
		e.deploy("links", diagram(body), variable("again", "boolean"))
		inst := e.start("links", nil, "")
		e.completeTaskAt(e.admin, inst.ID, "a", map[string]string{"again": "true"})
		if got := active(e.instance(inst.ID)); got != "b:task" {
			t.Fatalf("after the retry link: %q\n%s", got, trail(e.instance(inst.ID)))
		}
		e.completeTaskAt(e.admin, inst.ID, "b", nil)
		e.completeTaskAt(e.admin, inst.ID, "a", map[string]string{"again": "false"})
		e.wantEnded(inst.ID, "goBack completed", "comeBack completed", "b completed", "toEnd completed", "atEnd completed", "end completed")
	})
}
