package bpmn

import (
	"fmt"
	"strings"
	"testing"
)

const diagramXML = `<bpmndi:BPMNDiagram id="BPMNDiagram_1" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI">
  <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="P">
    <bpmndi:BPMNShape id="S_di" bpmnElement="S"><dc:Bounds x="152" y="79" width="36" height="36"/>
      <bpmndi:BPMNLabel><dc:Bounds x="146" y="224" width="90" height="20"/></bpmndi:BPMNLabel></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="E_di" bpmnElement="E"><dc:Bounds x="242.5" y="79" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f_di" bpmnElement="f">
      <di:waypoint xsi:type="dc:Point" x="188" y="97"/><di:waypoint x="242" y="97"/>
      <bpmndi:BPMNLabel/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane>
</bpmndi:BPMNDiagram>`

func withDiagram(di string) []byte {
	body := `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>`
	return []byte(strings.Replace(string(doc(body)), "</bpmn:definitions>", di+"</bpmn:definitions>", 1))
}

func TestDiagram(t *testing.T) {
	d, err := Parse(withDiagram(diagramXML))
	if err != nil {
		t.Fatal(err)
	}
	s := d.Diagram.Shapes["S"]
	if s.ID != "S_di" || s.Bounds != (Bounds{152, 79, 36, 36}) || s.Label == nil || *s.Label != (Bounds{146, 224, 90, 20}) {
		t.Errorf("shape S = %+v", s)
	}
	if e := d.Diagram.Shapes["E"]; e.Bounds.X != 242.5 || e.Label != nil {
		t.Errorf("shape E = %+v", e)
	}
	e := d.Diagram.Edges["f"]
	if len(e.Waypoints) != 2 || e.Waypoints[0] != (Point{188, 97}) || e.Label != nil {
		t.Errorf("edge = %+v", e)
	}
}

func TestDiagramBrokenNumber(t *testing.T) {
	wantProblem(t, withDiagram(strings.Replace(diagramXML, `x="152"`, `x="left"`, 1)), "S_di", `x="left", which is not a number`)
}

// TestHostileSizes: a large generated file is read in linear time and its problems are capped.
func TestHostileSizes(t *testing.T) {
	hostile := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>`)
		for i := 0; i < n; i++ {
			b.WriteString(`<bpmn:sequenceFlow sourceRef="S" targetRef="E"/>`)
			fmt.Fprintf(&b, `<bpmn:task id="t%d"/>`, i)
		}
		return doc(b.String())
	}
	ps := problemsOf(t, hostile(20000))
	if len(ps) != maxProblems+1 || !strings.Contains(ps[maxProblems].Message, "more problems") {
		t.Errorf("got %d problems, last %v", len(ps), ps[len(ps)-1])
	}
	// The check must grow with the model, not with its square: twice the elements may cost
	// about twice the allocations. Counted, not timed, so a busy machine cannot fail it.
	small, large := hostile(10000), hostile(20000)
	a := testing.AllocsPerRun(1, func() { problemsOf(t, small) })
	b := testing.AllocsPerRun(1, func() { problemsOf(t, large) })
	if b > 3*a {
		t.Errorf("20,000 elements cost %.0f allocations, 10,000 cost %.0f: the check grows faster than the model", b, a)
	}
}
