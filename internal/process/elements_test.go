package process

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/value"
)

// elementCase is one element's behaviour: a diagram, its inputs, where the instance waits
// after starting, and (optionally) the history it must contain.
type elementCase struct {
	name    string
	body    string
	vars    []Variable
	inputs  map[string]value.Value
	session string
	state   string
	active  string
	steps   []string
	after   func(t *testing.T, e *env, inst *Instance)
}

var elementCases = []elementCase{
	{name: "none start and end", body: `<bpmn:endEvent id="end"/>` + chain("start", "end"),
		state: StateCompleted, steps: []string{"start started", "start completed", "end completed", "ended"}},
	{name: "plain task passes", body: `<bpmn:task id="t"/><bpmn:endEvent id="end"/>` + chain("start", "t", "end"),
		state: StateCompleted, steps: []string{"t completed", "end completed"}},
	{name: "script assigns in order", vars: []Variable{variable("a", "integer"), variable("b", "string")},
		body: `<bpmn:scriptTask id="s"><bpmn:extensionElements><parley:script>
			<parley:assign variable="a" expression="2 * 21"/><parley:assign variable="b" expression="'n=' + string(a)"/>
			</parley:script></bpmn:extensionElements></bpmn:scriptTask><bpmn:userTask id="u"/><bpmn:endEvent id="end"/>` + chain("start", "s", "u", "end"),
		active: "u:task", after: func(t *testing.T, e *env, inst *Instance) {
			if a, b := inst.Variables["a"].String(), inst.Variables["b"].String(); a != "42" || b != "n=42" {
				t.Fatalf("a=%s b=%s", a, b)
			}
		}},
	{name: "script failure is an incident", vars: []Variable{variable("a", "integer"), variable("s", "string")},
		inputs: map[string]value.Value{"s": v(typ("string"), `"abc"`)},
		body: `<bpmn:scriptTask id="s1"><bpmn:extensionElements><parley:script><parley:assign variable="a" expression="int(s)"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>
			<bpmn:endEvent id="end"/>` + chain("start", "s1", "end"),
		state: StateIncident, active: "s1:incident"},
	{name: "exclusive gateway takes the first true condition", vars: []Variable{variable("x", "integer")},
		inputs: map[string]value.Value{"x": v(typ("integer"), "7")}, body: gateway, active: "big:task",
		steps: []string{"g completed"}},
	{name: "exclusive gateway takes the default", vars: []Variable{variable("x", "integer")},
		inputs: map[string]value.Value{"x": v(typ("integer"), "1")}, body: gateway, active: "other:task"},
	{name: "exclusive gateway without a true condition or default stops", vars: []Variable{variable("x", "integer")},
		inputs: map[string]value.Value{"x": v(typ("integer"), "1")}, body: noDefault, state: StateIncident, active: "g:incident"},
	{name: "parallel fork waits at both branches", body: `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>
		<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>` + chain("start", "fork", "a", "join", "end") + chain("fork", "b", "join"),
		active: "a:task b:task"},
	{name: "timer catch waits", body: `<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
		<bpmn:endEvent id="end"/>` + chain("start", "wait", "end"),
		active: "wait:timer", after: func(t *testing.T, e *env, inst *Instance) {
			e.clock.Advance(9 * time.Minute)
			if n := e.runJobs(); n != 0 {
				t.Fatalf("fired %d jobs early", n)
			}
			e.clock.Advance(2 * time.Minute)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("fired %d jobs, want 1", n)
			}
			e.wantEnded(inst.ID, "wait fired", "end completed")
		}},
	{name: "timer date in the past fires at once", body: `<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>2020-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
		<bpmn:endEvent id="end"/>` + chain("start", "wait", "end"),
		active: "wait:timer", after: func(t *testing.T, e *env, inst *Instance) {
			e.runJobs()
			e.wantEnded(inst.ID, "wait fired")
		}},
	{name: "terminate ends every branch", body: `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
		` + chain("start", "fork", "a", "stop") + chain("fork", "stop"),
		state: StateCompleted, after: func(t *testing.T, e *env, inst *Instance) {
			full := e.instance(inst.ID)
			if len(full.Tasks) != 1 || full.Tasks[0].State != TaskCancelled {
				t.Fatalf("the other branch's task was not cancelled: %+v", full.Tasks)
			}
		}},
	{name: "external job waits for a worker", body: `<bpmn:serviceTask id="job"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask>
		<bpmn:endEvent id="end"/>` + chain("start", "job", "end"),
		active: "job:job", after: func(t *testing.T, e *env, inst *Instance) {
			list, err := e.svc.Jobs(e.admin, "crm.sync", pageAll)
			if err != nil || len(list.Items) != 1 || list.Items[0].InstanceID != inst.ID {
				t.Fatalf("jobs: %+v, %v", list.Items, err)
			}
			e.completeJobAt(inst.ID, "job")
			e.wantEnded(inst.ID, "job completed")
		}},
	{name: "livechat reply with a template", vars: []Variable{variable("name", "string")}, session: "ses_1",
		inputs: map[string]value.Value{"name": v(typ("string"), `"Ann"`)},
		body: `<bpmn:serviceTask id="hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hello {{ name }}!"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
		<bpmn:serviceTask id="bye"><bpmn:extensionElements><parley:task type="livechat.close"/></bpmn:extensionElements></bpmn:serviceTask>
		<bpmn:endEvent id="end"/>` + chain("start", "hi", "bye", "end"),
		state: StateCompleted, after: func(t *testing.T, e *env, inst *Instance) {
			if got := e.chat.replies["ses_1"]; len(got) != 1 || got[0] != "Hello Ann!" || !e.chat.closed["ses_1"] {
				t.Fatalf("replies %q, closed %v", got, e.chat.closed)
			}
		}},
	{name: "livechat reply without a session is an incident", body: `<bpmn:serviceTask id="hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hi"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
		<bpmn:endEvent id="end"/>` + chain("start", "hi", "end"),
		state: StateIncident, active: "hi:incident"},
	{name: "session message wait", vars: []Variable{variable("answer", "string")}, session: "ses_2",
		body: `<bpmn:intermediateCatchEvent id="ask"><bpmn:extensionElements><parley:message variable="answer"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
		<bpmn:endEvent id="end"/>` + chain("start", "ask", "end"),
		active: "ask:message", after: func(t *testing.T, e *env, inst *Instance) {
			e.deliver("ses_2", 1, "forty people")
			e.wantEnded(inst.ID, "ask completed")
			if got := e.instance(inst.ID).Variables["answer"].String(); got != "forty people" {
				t.Fatalf("answer = %q", got)
			}
		}},
	{name: "message boundary interrupts a task", session: "ses_3", body: onTask(userHost, `<bpmn:messageEventDefinition/>`),
		active: "host:task", after: func(t *testing.T, e *env, inst *Instance) {
			e.deliver("ses_3", 1, "stop")
			e.wantEnded(inst.ID, "host cancelled", "b completed", "out completed")
		}},
	{name: "receive task with a timer", session: "ses_5", vars: []Variable{variable("answer", "string")},
		body:   onTask(`<bpmn:receiveTask id="host"><bpmn:extensionElements><parley:message variable="answer"/></bpmn:extensionElements></bpmn:receiveTask>`, hourTimer),
		active: "host:message", after: func(t *testing.T, e *env, inst *Instance) {
			e.deliver("ses_5", 1, "done")
			e.wantEnded(inst.ID, "host completed", "done completed")
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%d waits left: the boundary timer was not removed", n)
			}
		}},
	{name: "event gateway waits for its events", session: "ses_4", vars: []Variable{variable("answer", "string")},
		body: `<bpmn:eventBasedGateway id="gw"/><bpmn:intermediateCatchEvent id="ask"><bpmn:extensionElements><parley:message variable="answer"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
		<bpmn:intermediateCatchEvent id="day"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
		<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>` + chain("start", "gw", "ask", "e1") + chain("gw", "day", "e2"),
		active: "gw:event", steps: []string{"gw waiting"}, after: func(t *testing.T, e *env, inst *Instance) {
			e.deliver("ses_4", 1, "here")
			e.wantEnded(inst.ID, "gw completed", "ask completed", "e1 completed")
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%d waits left", n)
			}
		}},
}

const gateway = `<bpmn:exclusiveGateway id="g" default="f_other"/><bpmn:userTask id="big"/><bpmn:userTask id="other"/>` +
	`<bpmn:sequenceFlow id="f_s_g" sourceRef="start" targetRef="g"/>` +
	`<bpmn:sequenceFlow id="f_big" sourceRef="g" targetRef="big"><bpmn:conditionExpression>x &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>` +
	`<bpmn:sequenceFlow id="f_other" sourceRef="g" targetRef="other"/>` +
	`<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>` + `<bpmn:sequenceFlow id="f_b_e" sourceRef="big" targetRef="e1"/><bpmn:sequenceFlow id="f_o_e" sourceRef="other" targetRef="e2"/>`

const noDefault = `<bpmn:exclusiveGateway id="g"/><bpmn:userTask id="big"/><bpmn:userTask id="small"/>` +
	`<bpmn:sequenceFlow id="f_s_g" sourceRef="start" targetRef="g"/>` +
	`<bpmn:sequenceFlow id="f_big" sourceRef="g" targetRef="big"><bpmn:conditionExpression>x &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>` +
	`<bpmn:sequenceFlow id="f_small" sourceRef="g" targetRef="small"><bpmn:conditionExpression>x &lt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>` +
	`<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>` + `<bpmn:sequenceFlow id="f_b_e" sourceRef="big" targetRef="e1"/><bpmn:sequenceFlow id="f_o_e" sourceRef="small" targetRef="e2"/>`

// TestElements runs each element's table case on both databases.
func TestElements(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for i, c := range elementCases {
			t.Run(c.name, func(t *testing.T) {
				e := e.with(t)
				code := "el-" + itoa(i)
				e.deploy(code, diagram(c.body), c.vars...)
				inst := e.start(code, c.inputs, c.session)
				want := c.state
				if want == "" {
					want = StateActive
				}
				if inst.State != want || active(inst) != c.active {
					t.Fatalf("state %s, active %q; want %s, %q\n%s", inst.State, active(inst), want, c.active, trail(e.instance(inst.ID)))
				}
				e.wantSteps(e.instance(inst.ID), c.steps...)
				if c.after != nil {
					c.after(t, e, inst)
				}
			})
		}
	})
}

func TestStartChecksInputs(t *testing.T) {
	e := newEnv(t, "sqlite", Options{})
	e.deploy("typed", diagram(`<bpmn:endEvent id="end"/>`+chain("start", "end")),
		Variable{Name: "phone", Type: typ("phone"), Required: true}, variable("n", "integer"))
	_, err := e.tryStart("typed", map[string]value.Value{"n": v(typ("string"), `"12"`), "zzz": v(typ("integer"), "1")}, "")
	for _, want := range []string{"zzz", "no variable", "n", "integer", "string", "phone", "required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("start error %v does not name %q", err, want)
		}
	}
}
