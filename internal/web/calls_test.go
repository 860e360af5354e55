package web_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/process/bpmn"
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

// callerDiagram is a drawn process start → callActivity Call → end, with no process called yet.
const callerDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="Start"/><bpmn:callActivity id="Call" name="Check credit"/><bpmn:endEvent id="End"/>
<bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Call"/><bpmn:sequenceFlow id="F2" sourceRef="Call" targetRef="End"/>
</bpmn:process>
<bpmndi:BPMNDiagram id="Di"><bpmndi:BPMNPlane id="Plane" bpmnElement="P">
<bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="Call_di" bpmnElement="Call"><dc:Bounds x="240" y="80" width="100" height="80"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="392" y="102" width="36" height="36"/></bpmndi:BPMNShape>
<bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="188" y="120"/><di:waypoint x="240" y="120"/></bpmndi:BPMNEdge>
<bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="340" y="120"/><di:waypoint x="392" y="120"/></bpmndi:BPMNEdge>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`

// TestPropertiesPanelCallActivity selects a call activity in the modeler, which no longer calls
// it unsupported, and names the called process; the exported file calls it.
func TestPropertiesPanelCallActivity(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "caller", "name": "Caller", "bpmn": callerDiagram}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes/caller")
	admin.WaitTrue(`!!window.parleyModeler && document.querySelector('` + panel + `')?.dataset.loaded === 'true'`)
	admin.Idle()
	admin.selectShape("Call")
	if text := admin.Text(panel); strings.Contains(text, "Not supported") || !strings.Contains(text, "Called process") {
		t.Fatalf("the panel of a call activity reads %q", text)
	}
	admin.enter("call.process", "credit-check")
	defs, err := bpmn.Parse([]byte(exportXML(admin)))
	if err != nil {
		t.Fatal(err)
	}
	if got := defs.Main().Elements["Call"].Call.Process; got != "credit-check" {
		t.Fatalf("the exported call activity calls %q", got)
	}
}
