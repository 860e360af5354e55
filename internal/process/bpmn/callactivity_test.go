package bpmn

import (
	"reflect"
	"testing"
)

// TestCallActivityDialects reads the called process, its version and its mappings as each
// dialect writes them.
func TestCallActivityDialects(t *testing.T) {
	tests := []struct {
		name, element string
		want          CallActivity
	}{
		{"BPMN attribute", `<bpmn:callActivity id="C" calledElement="child"/>`,
			CallActivity{Process: "child", PropagateAll: true, PropagateParent: true}},
		{"parley", `<bpmn:callActivity id="C" calledElement="ignored"><bpmn:extensionElements>
			<parley:call process="child" version="3" propagateAll="true"/>
			<parley:in source="amount * 2" target="total"/><parley:out source="total" target="sum"/>
			</bpmn:extensionElements></bpmn:callActivity>`,
			CallActivity{Process: "child", Version: 3, PropagateAll: true, PropagateParent: true,
				Inputs:  []Mapping{{Source: "amount * 2", SourceRaw: "amount * 2", Target: "total"}},
				Outputs: []Mapping{{Source: "total", SourceRaw: "total", Target: "sum"}}}},
		{"zeebe", `<bpmn:callActivity id="C"><bpmn:extensionElements>
			<zeebe:calledElement processId="child" propagateAllChildVariables="false" propagateAllParentVariables="false" bindingType="versionTag" versionTag="2"/>
			<zeebe:ioMapping><zeebe:input source="=order.id" target="orderId"/><zeebe:output source="=status" target="result"/></zeebe:ioMapping>
			</bpmn:extensionElements></bpmn:callActivity>`,
			CallActivity{Process: "child", Version: 2,
				Inputs:  []Mapping{{Source: `__feel($env, "order.id")`, SourceRaw: `__feel($env, "order.id")`, Target: "orderId"}},
				Outputs: []Mapping{{Source: "status", SourceRaw: "status", Target: "result"}}}},
		{"output mappings turn propagation off", `<bpmn:callActivity id="C" calledElement="child"><bpmn:extensionElements>
			<parley:out source="x" target="y"/></bpmn:extensionElements></bpmn:callActivity>`,
			CallActivity{Process: "child", PropagateParent: true, Outputs: []Mapping{{Source: "x", SourceRaw: "x", Target: "y"}}}},
		{"camunda 7 mappings", `<bpmn:callActivity id="C" calledElement="child"><bpmn:extensionElements>
			<camunda:in source="amount" target="total"/><camunda:in sourceExpression="${amount * 2}" target="twice"/>
			<camunda:out variables="all"/><camunda:out source="status" target="result"/></bpmn:extensionElements></bpmn:callActivity>`,
			CallActivity{Process: "child", PropagateAll: true, PropagateParent: true,
				Inputs:  []Mapping{{Source: "amount", SourceRaw: "amount", Target: "total"}, {Source: "amount * 2", SourceRaw: "${amount * 2}", Target: "twice"}},
				Outputs: []Mapping{{Source: "status", SourceRaw: "status", Target: "result"}}}},
		{"parley without propagation", `<bpmn:callActivity id="C"><bpmn:extensionElements><parley:call process="child" propagateParent="false"/></bpmn:extensionElements></bpmn:callActivity>`,
			CallActivity{Process: "child", PropagateAll: true}},
		{"camunda 7 version binding", `<bpmn:callActivity id="C" calledElement="child" camunda:calledElementBinding="version" camunda:calledElementVersion="4"/>`,
			CallActivity{Process: "child", Version: 4, PropagateAll: true, PropagateParent: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el := mustParse(t, doc(around("C", tt.element))).Elements["C"]
			if el.Kind != KindCallActivity || !reflect.DeepEqual(*el.Call, tt.want) {
				t.Fatalf("got %s %+v\nwant %+v", el.Kind, *el.Call, tt.want)
			}
		})
	}
}

func TestCallActivityProblems(t *testing.T) {
	ext := func(x string) string {
		return around("C", `<bpmn:callActivity id="C"><bpmn:extensionElements>`+x+`</bpmn:extensionElements></bpmn:callActivity>`)
	}
	tests := []struct{ body, field, phrase string }{
		{around("C", `<bpmn:callActivity id="C"/>`), "C", "names no process to call"},
		{around("C", `<bpmn:callActivity id="C" calledElement="=next"/>`), "C", "an expression; Parley needs the fixed code of a process"},
		{ext(`<zeebe:calledElement processId="child" bindingType="deployment"/>`), "C",
			`element callActivity (C) is not supported: bindingType "deployment"`},
		{ext(`<zeebe:calledElement processId="child" bindingType="versionTag" versionTag="v1.2"/>`), "C", "must be a version number"},
		{ext(`<parley:call process="child" version="0"/>`), "C", "must be a version number"},
		{ext(`<parley:call process="child"/><parley:in source="a +" target="b"/>`), "C", "parley:in source"},
		{ext(`<parley:call process="child"/><parley:out source="a" target="not a name"/>`), "C", "must name a variable"},
		{around("C", `<bpmn:callActivity id="C" calledElement="child" camunda:calledElementBinding="deployment"/>`), "C", "camunda:calledElementBinding"},
		{ext(`<parley:call process="child"/><camunda:in businessKey="#{key}"/>`), "C", "no business key"},
		{around("C", `<bpmn:callActivity id="C" calledElement="child"><bpmn:multiInstanceLoopCharacteristics/></bpmn:callActivity>`), "C", "multi-instance"},
	}
	for _, tt := range tests {
		wantProblem(t, doc(tt.body), tt.field, tt.phrase)
	}
}

// TestCallActivityBoundaries: timers, messages and errors may sit on a call activity.
func TestCallActivityBoundaries(t *testing.T) {
	p := mustParse(t, doc(around("C", `<bpmn:callActivity id="C" calledElement="child"/>
		<bpmn:boundaryEvent id="T" attachedToRef="C"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
		<bpmn:boundaryEvent id="X" attachedToRef="C"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
		<bpmn:sequenceFlow id="t" sourceRef="T" targetRef="E"/><bpmn:sequenceFlow id="x" sourceRef="X" targetRef="E"/>`)))
	if got := len(p.Elements["C"].Boundaries); got != 2 {
		t.Fatalf("%d boundaries", got)
	}
}
