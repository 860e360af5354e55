package process

import (
	"testing"
	"time"
)

// failingReply is a reply step that raises an incident at once (the instance has no session)
// with a boundary timer of five minutes on it.
const failingReply = `<bpmn:serviceTask id="hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hi"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
	<bpmn:boundaryEvent id="late" attachedToRef="hi"><bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`

// TestBoundaryTimerClearsIncident fires a boundary timer on a step in incident: the
// interrupt removes the incident with the step, so the instance must no longer say incident.
// It is completed when the boundary path ends, and active when it waits somewhere else.
func TestBoundaryTimerClearsIncident(t *testing.T) {
	for _, c := range []struct {
		name, after, state, active string
	}{
		{"boundary path ends", end + chain("start", "hi", "end") + chain("late", "end"), StateCompleted, ""},
		{"boundary path waits", `<bpmn:userTask id="call"/>` + end + chain("start", "hi", "end") + chain("late", "call", "end"), StateActive, "call:task"},
	} {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				e.deploy("reply", diagram(failingReply+c.after))
				inst := e.instance(e.start("reply", nil, "").ID)
				if inst.State != StateIncident || len(inst.Incidents) != 1 {
					t.Fatalf("before the timer: state %s, incidents %+v", inst.State, inst.Incidents)
				}
				e.clock.Advance(5*time.Minute + time.Second)
				if n := e.runJobs(); n != 1 {
					t.Fatalf("ran %d jobs, want the boundary timer", n)
				}
				inst = e.instance(inst.ID)
				if inst.State != c.state || active(inst) != c.active || len(inst.Incidents) != 0 {
					t.Fatalf("after the timer: state %s, active %q, incidents %+v; want %s, %q, none\n%s",
						inst.State, active(inst), inst.Incidents, c.state, c.active, trail(inst))
				}
				if list, err := e.svc.Incidents(e.admin, pageAll); err != nil || len(list.Items) != 0 {
					t.Fatalf("open incidents %+v, %v", list.Items, err)
				}
			})
		})
	}
}

// TestBoundaryTimerKeepsOtherIncidents interrupts one failed branch while another branch is
// still in incident: the instance stays in incident, with the other branch's incident left.
func TestBoundaryTimerKeepsOtherIncidents(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := failingReply + `<bpmn:parallelGateway id="fork"/>
			<bpmn:serviceTask id="bye"><bpmn:extensionElements><parley:task type="livechat.close"/></bpmn:extensionElements></bpmn:serviceTask>
			<bpmn:endEvent id="e2"/>` + end + chain("start", "fork", "hi", "end") + chain("late", "end") + chain("fork", "bye", "e2")
		e.deploy("two", diagram(body))
		inst := e.start("two", nil, "")
		e.clock.Advance(5*time.Minute + time.Second)
		e.runJobs()
		full := e.instance(inst.ID)
		if full.State != StateIncident || len(full.Incidents) != 1 || full.Incidents[0].Element != "bye" {
			t.Fatalf("state %s, incidents %+v; want incident at bye\n%s", full.State, full.Incidents, trail(full))
		}
	})
}
