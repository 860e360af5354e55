package web_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestPropertiesPanelErrorsLoopsAndCalls sets, with the panel's controls only, a new error with
// its code on an error end event, parallel multi-instance over a collection on a service task,
// the called process and its pinned version on a call activity, and the message of a message
// start event, and the condition and default flow of an inclusive gateway; the exported XML must hold them in the form the engine reads, and the draft is
// still checked while it is drawn.
func TestPropertiesPanelErrorsLoopsAndCalls(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	axeSource(t)
	publishLead(env)
	start, err := os.ReadFile("testdata/props-events.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "orders", "name": "Orders", "bpmn": string(start)}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes/orders")
	admin.WaitTrue(`!!window.parleyModeler && document.querySelector('` + panel + `')?.dataset.loaded === 'true'`)
	admin.Idle()

	admin.selectShape("Failed")
	admin.choose("error.ref", "New error")
	admin.enter("error.code", "out_of_stock")
	admin.WaitFor(key("error.name"))

	admin.selectShape("CheckItems")
	admin.choose("mi.mode", "parallel")
	admin.enter("mi.collection", "items")
	admin.enter("mi.element", "item")
	admin.Audit("props-multi-instance")

	admin.selectShape("Bill")
	admin.choose("call.process", "Lead intake (lead)")
	admin.choose("call.version", "Version 1")

	// The start event sits by the palette once the wider diagram is fitted: move it clear.
	var moved bool
	admin.Eval(`parleyModeler.get('canvas').scroll({ dx: 120, dy: 0 }), true`, &moved)
	admin.selectShape("Start")
	admin.enter("message.name", "order.placed")

	admin.selectShape("Flow_Bill")
	admin.enter("flow.condition", "invoice")
	admin.selectShape("Flow_Skip")
	admin.activate("flow.default")
	admin.Shot("props-events")

	xml := exportXML(admin)
	errorID := regexp.MustCompile(`<bpmn:error id="([^"]+)"[^>]*errorCode="out_of_stock"`).FindStringSubmatch(xml)
	if errorID == nil || !strings.Contains(xml, `<bpmn:errorEventDefinition id="ErrorDef_Failed" errorRef="`+errorID[1]+`"`) {
		t.Errorf("the error end event does not throw a new error with code out_of_stock:\n%s", xml)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`<bpmn:serviceTask id="CheckItems"[\s\S]*<bpmn:multiInstanceLoopCharacteristics>\s*<bpmn:extensionElements>\s*<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />`),
		regexp.MustCompile(`<zeebe:calledElement processId="lead" bindingType="versionTag" versionTag="1" />`),
		regexp.MustCompile(`<bpmn:message id="([^"]+)" name="order.placed" />`),
		regexp.MustCompile(`<bpmn:inclusiveGateway id="Which" name="Which\?" default="Flow_Skip"`),
		regexp.MustCompile(`<bpmn:sequenceFlow id="Flow_Bill" name="bill" sourceRef="Which" targetRef="Bill">\s*<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">invoice</bpmn:conditionExpression>`),
	} {
		if !want.MatchString(xml) {
			t.Errorf("the exported XML lacks %s:\n%s", want, xml)
		}
	}
	// The draft is checked while it is drawn: its problems, if any, are listed by element.
	title := admin.WaitText("[data-problems-title]", "")
	if strings.Contains(title, "could not be checked") || strings.Contains(title, "Checking") {
		t.Errorf("the draft was not checked: %q", title)
	}
}
