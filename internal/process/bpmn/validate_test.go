package bpmn

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

func TestValidationProblems(t *testing.T) {
	task := func(id string) string { return `<bpmn:task id="` + id + `"/>` }
	flow := seqFlow
	cond := func(id, from, to, c string) string {
		return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + from + `" targetRef="` + to + `">
<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">` + c + `</bpmn:conditionExpression></bpmn:sequenceFlow>`
	}
	timer := func(id, def string) string {
		return `<bpmn:intermediateCatchEvent id="` + id + `"><bpmn:timerEventDefinition>` + def + `</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`
	}
	xor := `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:exclusiveGateway id="G"/>` + flow("f0", "S", "G")
	tests := []struct {
		name, body, field, phrase string
	}{
		{"missing start", `<bpmn:endEvent id="E"/>`, "P", "no none start event"},
		{"two none starts", `<bpmn:startEvent id="S1"/><bpmn:startEvent id="S2"/><bpmn:endEvent id="E"/>` +
			flow("a", "S1", "E") + flow("b", "S2", "E"), "S2", "more than one none start event"},
		{"no outgoing flow", `<bpmn:startEvent id="S"/>` + task("T") + flow("a", "S", "T"), "T", "no outgoing flow"},
		{"flow to unknown id", `<bpmn:startEvent id="S"/>` + flow("a", "S", "X"), "a", "ends at X, which is not an element"},
		{"flow from unknown id", around("T", task("T")) + flow("a", "Y", "T"), "a", "starts at Y"},
		{"flow without target", around("T", task("T")) + `<bpmn:sequenceFlow id="a" sourceRef="T"/>`, "a", `ends at ""`},
		{"xor flow neither conditional nor default", xor + cond("c", "G", "E", "=a = 1") + flow("d", "G", "E"),
			"d", "without a condition and is not its default"},
		{"unreachable element", around("T", task("T")) + task("U") + flow("u", "U", "E"), "U", "cannot be reached"},
		{"cannot reach an end", xor + cond("c", "G", "A", "=a = 1") + flow("d", "G", "E") +
			task("A") + task("B") + flow("ab", "A", "B") + flow("ba", "B", "A"), "A", "no path to an end event"},
		{"boundary on an unsupported activity", around("T", task("T")) + `<bpmn:boundaryEvent id="B" attachedToRef="T">
<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>` +
			flow("b", "B", "E"), "B", "supported on user, service and receive tasks, sub-processes and call activities only"},
		{"boundary on an unknown id", around("T", `<bpmn:userTask id="T"/>`) + `<bpmn:boundaryEvent id="B" attachedToRef="Nope">
<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>` +
			flow("b", "B", "E"), "B", "attached to Nope"},
		{"unparseable duration", around("W", timer("W", `<bpmn:timeDuration>PT5X</bpmn:timeDuration>`)), "W", "cannot be read"},
		{"timer expression", around("W", timer("W", `<bpmn:timeDuration>=wait</bpmn:timeDuration>`)), "W", "expressions in timers are not supported"},
		{"bad timer date", around("W", timer("W", `<bpmn:timeDate>tomorrow</bpmn:timeDate>`)), "W", "not an RFC 3339 time"},
		{"unreadable cycle", around("T", `<bpmn:userTask id="T"/>`) + `<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>every hour</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>` +
			flow("b", "B", "E"), "B", `the timer cycle "every hour" of boundaryEvent (B) cannot be read: it is not a repetition such as R3/PT1H`},
		{"cycle of zero", around("T", `<bpmn:userTask id="T"/>`) + `<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT0S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>` +
			flow("b", "B", "E"), "B", "the period must be longer than zero"},
		{"empty timer", around("W", timer("W", ``)), "W", "neither a timeDuration nor a timeDate"},
		{"condition out of a parallel gateway", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:parallelGateway id="G"/>` +
			flow("f0", "S", "G") + cond("c", "G", "E", "=a = 1"), "c", "which never evaluates one"},
		{"default flow of an event", `<bpmn:startEvent id="S" default="a"/><bpmn:endEvent id="E"/>` + flow("a", "S", "E"),
			"S", "only exclusive and inclusive gateways and tasks may have one"},
		{"inclusive flow neither conditional nor default", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:inclusiveGateway id="G"/>` +
			flow("f0", "S", "G") + cond("c", "G", "E", "=a = 1") + flow("d", "G", "E"), "d", "leaves inclusiveGateway (G) without a condition"},
		{"default flow of another element", xor + `<bpmn:exclusiveGateway id="H" default="f0"/>` + flow("h", "H", "E"), "H", "is not one of its outgoing flows"},
		{"default flow with a condition", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:exclusiveGateway id="G" default="c"/>` +
			flow("f0", "S", "G") + cond("c", "G", "E", "=a = 1"), "c", "cannot also have a condition"},
		{"duplicate id", around("T", task("T")) + task("T"), "T", "used twice"},
		{"event gateway to a task", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:eventBasedGateway id="G"/>` + flow("f0", "S", "G") +
			timer("W", `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`) + task("T") + flow("a", "G", "W") + flow("b", "G", "T") + flow("c", "W", "E") + flow("d", "T", "E"),
			"b", "eventBasedGateway (G) leads to task (T); only timer and message intermediate catch events may follow"},
		{"event gateway with one way out", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:eventBasedGateway id="G"/>` + flow("f0", "S", "G") +
			timer("W", `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`) + flow("a", "G", "W") + flow("c", "W", "E"),
			"G", "chooses between at least two catch events"},
		{"event after a gateway reached otherwise", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:parallelGateway id="F"/><bpmn:eventBasedGateway id="G"/>` +
			flow("f0", "S", "F") + flow("f1", "F", "G") + flow("f2", "F", "W") +
			timer("W", `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`) + timer("V", `<bpmn:timeDuration>PT2H</bpmn:timeDuration>`) +
			flow("a", "G", "W") + flow("b", "G", "V") + flow("c", "W", "E") + flow("d", "V", "E"),
			"W", "is reached from it only"},
		{"message boundary on a plain task", around("T", task("T")) + `<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:messageEventDefinition/></bpmn:boundaryEvent>` +
			flow("b", "B", "E"), "B", "supported on user, service and receive tasks, sub-processes and call activities only"},
		{"end with outgoing", around("T", task("T")) + flow("x", "E", "T"), "E", "cannot have outgoing flows"},
		{"start with incoming", around("T", task("T")) + `<bpmn:parallelGateway id="J"/>` + flow("x", "T", "J") + flow("y", "J", "S"),
			"S", "cannot have incoming flows"},
		{"untranslatable condition", xor + cond("c", "G", "E", "=x in [1, 2") + flow("d", "G", "E"), "c", `the condition "=x in [1, 2" of sequenceFlow (c) cannot be used`},
		{"unknown condition language", xor + `<bpmn:sequenceFlow id="c" sourceRef="G" targetRef="E"><bpmn:conditionExpression language="groovy">a == 1</bpmn:conditionExpression></bpmn:sequenceFlow>`,
			"c", `expression language "groovy" is not supported`},
		{"incoming child that does not match", around("T", `<bpmn:task id="T"><bpmn:incoming>f2</bpmn:incoming></bpmn:task>`), "T", "lists incoming flow f2"},
		{"outgoing child unknown", around("T", `<bpmn:task id="T"><bpmn:outgoing>nope</bpmn:outgoing></bpmn:task>`), "T", "lists outgoing flow nope"},
		{"element without id", around("T", task("T")) + `<bpmn:task/>`, "P", "has no id"},
		{"error boundary on a user task", around("T", `<bpmn:userTask id="T"/><bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:errorEventDefinition/></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`),
			"B", "only service tasks, sub-processes and call activities throw errors"},
		{"non-interrupting error boundary", around("T", `<bpmn:serviceTask id="T"><bpmn:extensionElements><parley:task type="x"/></bpmn:extensionElements></bpmn:serviceTask><bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"><bpmn:errorEventDefinition/></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`),
			"B", "an error always interrupts its activity"},
		{"error end without a code", around("T", task("T")) + `<bpmn:endEvent id="X"><bpmn:errorEventDefinition/></bpmn:endEvent>`, "X", "needs an error with an error code"},
		{"unknown error", around("T", task("T")) + `<bpmn:endEvent id="X"><bpmn:errorEventDefinition errorRef="Nope"/></bpmn:endEvent>`, "X", "refers to error Nope, which is not defined"},
		{"http error key", around("T", `<bpmn:serviceTask id="T"><bpmn:extensionElements><parley:task type="http"><parley:input name="url" value="https://x"/><parley:input name="error.teapot" value="x"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>`),
			"T", `must name a status such as error.404`},
		{"http error code from an expression", around("T", `<bpmn:serviceTask id="T"><bpmn:extensionElements><parley:task type="http"><parley:input name="url" value="https://x"/><parley:input name="error.404" expression="code"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>`),
			"T", `must be a fixed error code`},
		{"escalation without a code", around("X", `<bpmn:intermediateThrowEvent id="X"><bpmn:escalationEventDefinition/></bpmn:intermediateThrowEvent>`),
			"X", "needs an escalation"},
		{"unknown message", around("M", `<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition messageRef="Nope"/></bpmn:intermediateCatchEvent>`),
			"M", "refers to message Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, doc(tt.body), tt.field, tt.phrase) })
	}
}

func TestRefusedElements(t *testing.T) {
	tests := []struct{ body, field, phrase string }{
		{around("G", `<bpmn:complexGateway id="G"/>`), "G", "element complexGateway (G) is not supported"},
		{around("G", `<bpmn:eventBasedGateway id="G" eventGatewayType="Parallel"/>`), "G", "element eventBasedGateway (G) is not supported: parallel event-based gateways"},
		{around("G", `<bpmn:eventBasedGateway id="G" instantiate="true"/>`), "G", "event-based gateways that start instances"},
		{around("C", `<bpmn:callActivity id="C"/>`), "C", "callActivity (C) names no process to call"},
		{around("R", `<bpmn:receiveTask id="R" instantiate="true"/>`), "R", "receive tasks that start instances"},
		{around("R", `<bpmn:businessRuleTask id="R"/>`), "R", "element businessRuleTask (R) is not supported"},
		{around("R", `<bpmn:sendTask id="R"/>`), "R", "element sendTask (R) is not supported"},
		{around("X", `<bpmn:intermediateThrowEvent id="X"/>`), "X", "element intermediateThrowEvent (X) is not supported"},
		{around("X", `<bpmn:subProcess id="X"><bpmn:standardLoopCharacteristics/><bpmn:startEvent id="in"/></bpmn:subProcess>`), "X", "element subProcess (X) is not supported: it has standardLoopCharacteristics"},
		{around("X", `<bpmn:subProcess id="X"><bpmn:complexGateway id="deep"/></bpmn:subProcess>`), "deep", "element complexGateway (deep) is not supported"},
		{around("T", `<bpmn:userTask id="T"><bpmn:standardLoopCharacteristics/></bpmn:userTask>`), "T", "it has standardLoopCharacteristics"},
		{around("W", `<bpmn:intermediateCatchEvent id="W"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>`), "W", "it has signalEventDefinition"},
		{around("W", `<bpmn:intermediateCatchEvent id="W"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`),
			"W", `timer cycles (timeCycle "R3/PT1H") are supported on timer start events, non-interrupting boundary events and non-interrupting event sub-process starts only`},
		{around("T", `<bpmn:userTask id="T"/><bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`),
			"B", `timer cycles (timeCycle "R3/PT1H") are supported on timer start events, non-interrupting boundary events and non-interrupting event sub-process starts only`},
		{around("T", `<bpmn:userTask id="T"/><bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`),
			"B", "catches escalations but is attached to userTask (T); only sub-processes and call activities raise them"},
		{`<bpmn:startEvent id="S"><bpmn:signalEventDefinition/></bpmn:startEvent>`, "S", "only none, message and timer start events"},
		{around("T", `<bpmn:task id="T"/>`) + `<bpmn:endEvent id="E2"><bpmn:messageEventDefinition/></bpmn:endEvent>`, "E2", "it has messageEventDefinition"},
		{around("T", `<bpmn:serviceTask id="T" isForCompensation="true"><bpmn:extensionElements><parley:task type="x"/></bpmn:extensionElements></bpmn:serviceTask>`),
			"T", "compensation handlers"},
		{around("T", `<bpmn:task id="T"><bpmn:extensionElements><zeebe:executionListeners/></bpmn:extensionElements></bpmn:task>`),
			"T", "the extension element zeebe:executionListeners on task (T) is not supported"},
		{around("T", `<bpmn:task id="T"/>`) + `<bpmn:extensionElements><camunda:executionListener/></bpmn:extensionElements>`,
			"P", "camunda:executionListener on process (P) is not supported"},
	}
	for _, tt := range tests {
		wantProblem(t, doc(tt.body), tt.field, tt.phrase)
	}
}

// TestRefusedContainerNamesOnlyItsContent draws a sub-process as Camunda Modeler writes it,
// with its own incoming and outgoing flows, documentation, extensions and a loop: the refusal
// names the sub-process for what it cannot run and the unsupported element inside it, and
// nothing that is not there (the inner start is not "unreachable" because its container is refused).
func TestRefusedContainerNamesOnlyItsContent(t *testing.T) {
	body := around("X", `<bpmn:subProcess id="X"><bpmn:documentation>steps</bpmn:documentation>
<bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=a" target="b"/></zeebe:ioMapping></bpmn:extensionElements>
<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
<bpmn:standardLoopCharacteristics/>
<bpmn:startEvent id="in"><bpmn:outgoing>g</bpmn:outgoing></bpmn:startEvent>
<bpmn:complexGateway id="deep"><bpmn:incoming>g</bpmn:incoming></bpmn:complexGateway>
<bpmn:sequenceFlow id="g" sourceRef="in" targetRef="deep"/></bpmn:subProcess>`)
	ps := problemsOf(t, doc(body))
	var got []string
	for _, p := range ps {
		got = append(got, p.Field+": "+p.Message)
	}
	want := []string{"X: element subProcess (X) is not supported: it has standardLoopCharacteristics (loops and multi-instance are not supported)",
		"deep: element complexGateway (deep) is not supported"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAllProblemsAtOnce: one Parse reports every mistake, each naming its element.
func TestAllProblemsAtOnce(t *testing.T) {
	body := around("T", `<bpmn:task id="T"/>`) + `<bpmn:complexGateway id="G"/><bpmn:task id="U"/>
<bpmn:sequenceFlow id="g" sourceRef="G" targetRef="E"/><bpmn:sequenceFlow id="u" sourceRef="U" targetRef="Nowhere"/>`
	ps := problemsOf(t, doc(body))
	fields := map[string]bool{}
	for _, p := range ps {
		fields[p.Field] = true
	}
	for _, f := range []string{"G", "U", "u"} {
		if !fields[f] {
			t.Errorf("no problem on %s in %v", f, ps)
		}
	}
	_, err := Parse(doc(body))
	if !strings.Contains(err.Error(), "element complexGateway (G) is not supported") {
		t.Errorf("message %q", err)
	}
}

func TestWholeFileErrors(t *testing.T) {
	tests := []struct {
		data   string
		code   errs.Code
		phrase string
	}{
		{"<bpmn:definitions", errs.Invalid, "not well-formed XML"},
		{"", errs.Invalid, "not well-formed XML"},
		{`<definitions xmlns="urn:other"/>`, errs.Invalid, "not BPMN 2.0"},
		{`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P" isExecutable="false"/></definitions>`,
			errs.Invalid, "no executable process"},
		{`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>`, errs.Invalid, "definitions: no executable process"},
		{"<a>" + strings.Repeat(" ", MaxSize) + "</a>", errs.TooLarge, "larger than"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.data))
		if errs.CodeOf(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.phrase) {
			t.Errorf("Parse(%.40q) = %v; want %s containing %q", tt.data, err, tt.code, tt.phrase)
		}
	}
}

func TestGraph(t *testing.T) {
	p := mustParse(t, doc(`<bpmn:startEvent id="S"/><bpmn:parallelGateway id="F"/><bpmn:userTask id="A"/>
<bpmn:serviceTask id="B"><bpmn:extensionElements><parley:task type="ext"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:parallelGateway id="J"/><bpmn:endEvent id="E"><bpmn:terminateEventDefinition/></bpmn:endEvent>
<bpmn:boundaryEvent id="BT" attachedToRef="A"><bpmn:timerEventDefinition><bpmn:timeDate>2030-01-31T09:00:00+01:00</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="s" sourceRef="S" targetRef="F"/><bpmn:sequenceFlow id="fa" sourceRef="F" targetRef="A"/>
<bpmn:sequenceFlow id="fb" sourceRef="F" targetRef="B"/><bpmn:sequenceFlow id="aj" sourceRef="A" targetRef="J"/>
<bpmn:sequenceFlow id="bj" sourceRef="B" targetRef="J"/><bpmn:sequenceFlow id="je" sourceRef="J" targetRef="E"/>
<bpmn:sequenceFlow id="bte" sourceRef="BT" targetRef="E"/>`))
	if p.Start.ID != "S" || len(p.Elements) != 7 || len(p.Flows) != 7 || len(p.ElementOrder) != 7 {
		t.Fatalf("process = %+v", p)
	}
	f, j, a := p.Elements["F"], p.Elements["J"], p.Elements["A"]
	if len(f.Outgoing) != 2 || f.Outgoing[0].To != a || len(j.Incoming) != 2 || j.Outgoing[0].To.Kind != KindEndTerminate {
		t.Errorf("fork/join wrongly linked")
	}
	if len(a.Boundaries) != 1 || a.Boundaries[0].Timer.Date == "" || a.Boundaries[0].Timer.Due(time.Now()).UTC().Hour() != 8 {
		t.Errorf("boundary = %+v", a.Boundaries)
	}
	// The model has pointers both ways; the ones back are left out of JSON so it can be shown.
	if _, err := json.Marshal(p); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestFlowsWithoutID(t *testing.T) {
	p := mustParse(t, doc(`<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:task id="T"/>
<bpmn:sequenceFlow sourceRef="S" targetRef="T"/><bpmn:sequenceFlow sourceRef="T" targetRef="E"/>`))
	if p.Flows["flow_S_T"] == nil || p.Flows["flow_T_E"] == nil {
		t.Errorf("flows = %v", p.Flows)
	}
}

// TestNamespaces: the same process written with bpmn2:, with a default namespace, and inside a
// collaboration with a second, non-executable pool.
func TestNamespaces(t *testing.T) {
	files := []string{
		`<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><bpmn2:process id="P" isExecutable="true">
<bpmn2:startEvent id="S"/><bpmn2:endEvent id="E"/><bpmn2:sequenceFlow id="f" sourceRef="S" targetRef="E"/></bpmn2:process></bpmn2:definitions>`,
		"\xef\xbb\xbf" + `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">
<startEvent id="S"/><endEvent id="E"/><sequenceFlow id="f" sourceRef="S" targetRef="E"/></process></definitions>`,
		`<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
<bpmn:collaboration id="C"><bpmn:participant id="p1" processRef="Other"/><bpmn:participant id="p2" processRef="P"/>
<bpmn:messageFlow id="m" sourceRef="p1" targetRef="p2"/></bpmn:collaboration>
<bpmn:process id="Other" isExecutable="false"><bpmn:task id="loose"/></bpmn:process>
<bpmn:process id="P" isExecutable="true"><bpmn:laneSet><bpmn:lane id="L"><bpmn:flowNodeRef>S</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>
<bpmn:textAnnotation id="note"><bpmn:text>hi</bpmn:text></bpmn:textAnnotation><bpmn:association id="as" sourceRef="S" targetRef="note"/>
</bpmn:process></bpmn:definitions>`,
	}
	for i, f := range files {
		d, err := Parse([]byte(f))
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		if p := d.Main(); p.ID != "P" || p.Start.ID != "S" || p.Start.Outgoing[0].To.Kind != KindEndNone {
			t.Errorf("file %d: main = %+v", i, p)
		}
	}
}

// TestTimerCycles reads the repetitions of non-interrupting boundary timers.
func TestTimerCycles(t *testing.T) {
	for cycle, want := range map[string]int{"R3/PT1H": 3, "R1/P1D": 1, "R/PT30M": 0} {
		body := around("T", `<bpmn:userTask id="T"/>`) + `<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>` +
			cycle + `</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`
		d, err := Parse(doc(body))
		if err != nil {
			t.Fatalf("%s: %v", cycle, err)
		}
		b := d.Main().Elements["B"]
		if b.Interrupting || b.Timer.Repetitions() != want || b.Timer.Due(time.Unix(0, 0)).IsZero() {
			t.Errorf("%s: interrupting %v, repetitions %d, want %d", cycle, b.Interrupting, b.Timer.Repetitions(), want)
		}
	}
}

// TestTimerCycleStartDate: a cycle with a start date fires first at the start, then once a
// period, on the grid of the start; a start already past gives the next time on that grid. A
// cycle that ends at a date is refused in words that say what to write instead.
func TestTimerCycleStartDate(t *testing.T) {
	boundary := func(cycle string) []byte {
		return doc(around("T", `<bpmn:userTask id="T"/>`) + `<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>` +
			cycle + `</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id="b" sourceRef="B" targetRef="E"/>`)
	}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		cycle, from, want string
		reps              int
	}{
		{"R3/2030-01-01T10:00:00Z/PT1H", "2026-01-01T00:00:00Z", "2030-01-01T10:00:00Z", 3},
		{"R3/2030-01-01T10:00:00Z/PT1H", "2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", 3},
		{"R3/2030-01-01T10:00:00Z/PT1H", "2030-01-01T10:00:01Z", "2030-01-01T11:00:00Z", 3},
		{"R/2030-01-01T10:00:00Z/P1D", "2030-03-05T09:59:00Z", "2030-03-05T10:00:00Z", 0},
		{"R/2020-01-01T10:00:00Z/P1D", "2026-01-01T00:00:00Z", "2026-01-01T10:00:00Z", 0},
		{"R/2020-01-01T10:00:00Z/P1D", "2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z", 0},
		{"R/2026-01-31T00:00:00Z/P1M", "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z", 0},
		{"R/2020-02-29T12:00:00Z/P1Y", "2026-01-01T00:00:00Z", "2026-02-28T12:00:00Z", 0},
		{"R2/2020-01-01T00:00:00+02:00/PT90M", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z", 2},
	}
	for _, tt := range tests {
		d, err := Parse(boundary(tt.cycle))
		if err != nil {
			t.Fatalf("%s: %v", tt.cycle, err)
		}
		timer := d.Main().Elements["B"].Timer
		if got := timer.Due(at(tt.from)); !got.Equal(at(tt.want)) || timer.Repetitions() != tt.reps {
			t.Errorf("%s from %s: due %s, want %s; repetitions %d, want %d", tt.cycle, tt.from, got, tt.want, timer.Repetitions(), tt.reps)
		}
	}
	for cycle, phrase := range map[string]string{
		"R/PT1H/2030-01-01T10:00:00Z":                 "a cycle that ends at a date is not supported; give a count instead",
		"R/2030-01-01T10:00:00Z/2030-01-02T10:00:00Z": "a cycle that ends at a date is not supported",
		"R3/tomorrow/PT1H":                            `the start date "tomorrow" is not an RFC 3339 time`,
		"R3/1900-01-01T00:00:00Z/PT1H":                "is before 1970",
		"R3/2030-01-01T10:00:00Z/PT0S":                "the period must be longer than zero",
		"2030-01-01T10:00:00Z/PT1H":                   "it is not a repetition such as R3/PT1H",
	} {
		_, err := Parse(boundary(cycle))
		if err == nil || !strings.Contains(err.Error(), phrase) || !strings.Contains(err.Error(), "boundaryEvent (B)") {
			t.Errorf("%s: got %v, want %q", cycle, err, phrase)
		}
	}
}

// seqFlow draws a sequence flow.
func seqFlow(id, from, to string) string {
	return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + from + `" targetRef="` + to + `"/>`
}

// TestScopeRules checks what Parse requires of sub-processes and event sub-processes.
func TestScopeRules(t *testing.T) {
	flow := seqFlow
	inner := func(body string) string { return around("X", `<bpmn:subProcess id="X">`+body+`</bpmn:subProcess>`) }
	tests := []struct{ name, body, field, phrase string }{
		{"no start inside", inner(`<bpmn:task id="T"/>`), "X", "subProcess (X) needs exactly one none start event inside; it has 0"},
		{"two starts inside", inner(`<bpmn:startEvent id="a"/><bpmn:startEvent id="b"/><bpmn:endEvent id="z"/>` + flow("g1", "a", "z") + flow("g2", "b", "z")),
			"X", "it has 2"},
		{"flow across the border", inner(`<bpmn:startEvent id="in"/>`) + flow("g", "in", "E"), "g", "crosses the border of a sub-process"},
		{"event sub-process with a flow", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>` + flow("f", "S", "E") +
			`<bpmn:subProcess id="V" triggeredByEvent="true"><bpmn:startEvent id="vs"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="ve"/>` +
			flow("v1", "vs", "ve") + `</bpmn:subProcess>` + flow("v2", "V", "E"), "V", "cannot have sequence flows"},
		{"event sub-process with a none start", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>` + flow("f", "S", "E") +
			`<bpmn:subProcess id="V" triggeredByEvent="true"><bpmn:startEvent id="vs"/><bpmn:endEvent id="ve"/>` + flow("v1", "vs", "ve") + `</bpmn:subProcess>`,
			"vs", "element startEvent (vs) is not supported: an event sub-process starts with exactly one timer, message, error or escalation event"},
		{"event sub-process with a signal start", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>` + flow("f", "S", "E") +
			`<bpmn:subProcess id="V" triggeredByEvent="true"><bpmn:startEvent id="vs"><bpmn:signalEventDefinition/></bpmn:startEvent><bpmn:endEvent id="ve"/>` + flow("v1", "vs", "ve") + `</bpmn:subProcess>`,
			"vs", "it has signalEventDefinition"},
		{"non-interrupting error start", `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>` + flow("f", "S", "E") +
			`<bpmn:subProcess id="V" triggeredByEvent="true"><bpmn:startEvent id="vs" isInterrupting="false"><bpmn:errorEventDefinition/></bpmn:startEvent><bpmn:endEvent id="ve"/>` + flow("v1", "vs", "ve") + `</bpmn:subProcess>`,
			"vs", "an error always interrupts its scope"},
		{"multi-instance sub-process without a collection", inner(`<bpmn:multiInstanceLoopCharacteristics/><bpmn:startEvent id="in"/><bpmn:endEvent id="out"/>` + flow("g", "in", "out")),
			"X", "the multi-instance subProcess (X) needs an input collection"},
		{"unreachable inside", inner(`<bpmn:startEvent id="in"/><bpmn:endEvent id="out"/><bpmn:task id="lost"/>` + flow("g", "in", "out") + flow("h", "lost", "out")),
			"lost", "cannot be reached from the start event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, doc(tt.body), tt.field, tt.phrase) })
	}
}

// TestNestedScopesParse reads a sub-process inside a sub-process with an event sub-process and
// boundary events on both kinds of border.
func TestNestedScopesParse(t *testing.T) {
	flow := seqFlow
	body := around("X", `<bpmn:subProcess id="X"><bpmn:startEvent id="xs"/><bpmn:endEvent id="xe"/>
<bpmn:subProcess id="Y"><bpmn:startEvent id="ys"/><bpmn:userTask id="T"/><bpmn:endEvent id="ye"/>`+flow("y1", "ys", "T")+flow("y2", "T", "ye")+`</bpmn:subProcess>
<bpmn:boundaryEvent id="BY" attachedToRef="Y"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent><bpmn:endEvent id="bye"/>`+flow("by", "BY", "bye")+
		flow("x1", "xs", "Y")+flow("x2", "Y", "xe")+`
<bpmn:subProcess id="V" triggeredByEvent="true"><bpmn:startEvent id="vs" isInterrupting="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="ve"/>`+flow("v1", "vs", "ve")+`</bpmn:subProcess>
</bpmn:subProcess><bpmn:boundaryEvent id="BX" attachedToRef="X"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>`+flow("bx", "BX", "E"))
	p := mustParse(t, doc(body))
	x, y := p.Elements["X"], p.Elements["Y"]
	if x.Kind != KindSubProcess || x.Start.ID != "xs" || len(x.EventSubs) != 1 || x.EventSubs[0].Start.ID != "vs" || x.EventSubs[0].Start.Interrupting {
		t.Fatalf("X = %+v", x)
	}
	if y.Parent != "X" || p.Elements["T"].Parent != "Y" || y.Start.ID != "ys" || len(y.Boundaries) != 1 || y.Boundaries[0].Kind != KindBoundaryEscalation {
		t.Fatalf("Y = %+v", y)
	}
	if len(x.Boundaries) != 1 || x.Boundaries[0].Kind != KindBoundaryError || p.Start.ID != "S" || len(p.EventSubs) != 0 {
		t.Fatalf("X's boundaries %v, start %v", x.Boundaries, p.Start)
	}
}

func TestLinkEventRules(t *testing.T) {
	link := func(tag, id, name string) string {
		return `<bpmn:` + tag + ` id="` + id + `"><bpmn:linkEventDefinition name="` + name + `"/></bpmn:` + tag + `>`
	}
	flow := func(id, from, to string) string {
		return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + from + `" targetRef="` + to + `"/>`
	}
	head := `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>` + flow("f0", "S", "T") + link("intermediateThrowEvent", "T", "L")
	tests := []struct{ name, body, field, phrase string }{
		{"throw without a catch", head, "T", `jumps to the link "L", and no link catch event of process P has that name`},
		{"two catches of one name", head + link("intermediateCatchEvent", "C1", "L") + link("intermediateCatchEvent", "C2", "L") +
			flow("a", "C1", "E") + flow("b", "C2", "E"), "C2", `link catch events C1 and C2 both have the name "L"`},
		{"catch with an incoming flow", head + link("intermediateCatchEvent", "C", "L") + flow("a", "C", "E") + flow("b", "S", "C"),
			"C", "intermediateCatchEvent (C) cannot have incoming flows"},
		{"throw with an outgoing flow", head + link("intermediateCatchEvent", "C", "L") + flow("a", "C", "E") + flow("b", "T", "E"),
			"T", "is a link throw event and cannot have outgoing flows"},
		{"link without a name", head + link("intermediateCatchEvent", "C", "") + flow("a", "C", "E"), "C", "has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, doc(tt.body), tt.field, tt.phrase) })
	}
	ok := head + link("intermediateCatchEvent", "C", "L") + flow("a", "C", "E")
	p := mustParse(t, doc(ok))
	if p.Elements["T"].Kind != KindLinkThrow || p.Elements["T"].LinkTo != p.Elements["C"] || p.Elements["C"].Kind != KindLinkCatch {
		t.Fatalf("link not paired: %+v", p.Elements["T"])
	}
}

// TestImplicitSplitsParse: tasks and events may have several flows out, conditional ones and a
// default on a task.
func TestImplicitSplitsParse(t *testing.T) {
	body := `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:task id="T" default="d"/><bpmn:task id="U"/>
<bpmn:sequenceFlow id="a" sourceRef="S" targetRef="T"/><bpmn:sequenceFlow id="b" sourceRef="S" targetRef="U"/>
<bpmn:sequenceFlow id="c" sourceRef="T" targetRef="E"><bpmn:conditionExpression>=x = 1</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="d" sourceRef="T" targetRef="E"/><bpmn:sequenceFlow id="u" sourceRef="U" targetRef="E"/>`
	p := mustParse(t, doc(body))
	if tk := p.Elements["T"]; tk.Default == nil || tk.Default.ID != "d" || len(p.Start.Outgoing) != 2 {
		t.Fatalf("task T = %+v", tk)
	}
}

func TestStartEventRules(t *testing.T) {
	flow := func(id, from, to string) string {
		return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + from + `" targetRef="` + to + `"/>`
	}
	timerStart := func(def string) string {
		return `<bpmn:startEvent id="S"><bpmn:timerEventDefinition>` + def + `</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="E"/>` + flow("a", "S", "E")
	}
	msgStart := func(id, ref string) string {
		return `<bpmn:startEvent id="` + id + `"><bpmn:messageEventDefinition messageRef="` + ref + `"/></bpmn:startEvent>` + flow("f"+id, id, "E")
	}
	tests := []struct{ name, body, field, phrase string }{
		{"unreadable cron", timerStart(`<bpmn:timeCycle>every day</bpmn:timeCycle>`), "S", "nor a cron expression"},
		{"message start without a message", `<bpmn:endEvent id="E"/>` + msgStart("S", ""), "S", "needs a message with a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, doc(tt.body), tt.field, tt.phrase) })
	}
	p := mustParse(t, doc(timerStart(`<bpmn:timeCycle>R5/PT1H</bpmn:timeCycle>`)))
	if s := p.Elements["S"]; s.Kind != KindTimerStart || p.Start != nil || len(p.Starts) != 1 || s.Timer.Repetitions() != 5 {
		t.Fatalf("timer start = %+v", s)
	}
	cronStart := mustParse(t, doc(timerStart(`<bpmn:timeCycle>0 30 9 * * ?</bpmn:timeCycle>`))).Elements["S"]
	from := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	if got := cronStart.Timer.Due(from); !got.Equal(time.Date(2030, 1, 2, 9, 30, 0, 0, time.UTC)) || cronStart.Timer.Repetitions() != 0 {
		t.Fatalf("cron due %s", got)
	}
	two := string(doc(`<bpmn:endEvent id="E"/>` + msgStart("S1", "M") + msgStart("S2", "M")))
	two = strings.Replace(two, `<bpmn:process `, `<bpmn:message id="M" name="m"/><bpmn:process `, 1)
	wantProblem(t, []byte(two), "S2", "both start on the message")
}
