package process

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/value"
)

func intIn(name string, n string) map[string]value.Value {
	return map[string]value.Value{name: v(typ("integer"), n)}
}

// A task with several flows out splits: unconditional flows are all taken, conditional ones
// when true, the default when no condition is.
const taskSplit = `<bpmn:task id="t" default="f_dflt"/><bpmn:userTask id="always"/><bpmn:userTask id="big"/><bpmn:userTask id="neg"/><bpmn:userTask id="dflt"/>
	<bpmn:endEvent id="end"/>` + `<bpmn:sequenceFlow id="f_s_t" sourceRef="start" targetRef="t"/>` +
	`<bpmn:sequenceFlow id="f_always" sourceRef="t" targetRef="always"/>` +
	`<bpmn:sequenceFlow id="f_big" sourceRef="t" targetRef="big"><bpmn:conditionExpression>x &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>` +
	`<bpmn:sequenceFlow id="f_neg" sourceRef="t" targetRef="neg"><bpmn:conditionExpression>=x &lt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>` +
	`<bpmn:sequenceFlow id="f_dflt" sourceRef="t" targetRef="dflt"/>` +
	`<bpmn:sequenceFlow id="f_a_e" sourceRef="always" targetRef="end"/><bpmn:sequenceFlow id="f_b_e" sourceRef="big" targetRef="end"/>` +
	`<bpmn:sequenceFlow id="f_n_e" sourceRef="neg" targetRef="end"/><bpmn:sequenceFlow id="f_d_e" sourceRef="dflt" targetRef="end"/>`

func TestImplicitSplits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		x := []Variable{variable("x", "integer")}
		e.deploy("split", diagram(taskSplit), x...)
		for _, c := range []struct{ x, active string }{
			{"7", "always:task big:task"},
			{"-3", "always:task neg:task"},
			{"1", "always:task dflt:task"},
		} {
			inst := e.start("split", intIn("x", c.x), "")
			if got := active(inst); got != c.active || inst.State != StateActive {
				t.Fatalf("x=%s: %s %q, want %q\n%s", c.x, inst.State, got, c.active, trail(e.instance(inst.ID)))
			}
		}
		// Each branch ends on its own at the shared end event; the instance ends with the last.
		inst := e.start("split", intIn("x", "7"), "")
		e.completeTaskAt(e.admin, inst.ID, "always", nil)
		if got := active(e.instance(inst.ID)); got != "big:task" {
			t.Fatalf("after one branch: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "big", nil)
		e.wantEnded(inst.ID, "t took", "always completed", "big completed", "end completed")

		// An unset variable cannot be compared: an incident at the task, whose retry chooses
		// again without doing the task's work a second time.
		inst = e.start("split", nil, "")
		if inst.State != StateIncident || active(inst) != "t:incident" {
			t.Fatalf("unset x: %s %q", inst.State, active(inst))
		}
		list, err := e.svc.Incidents(e.admin, pageAll)
		if err != nil || len(list.Items) != 1 || !strings.Contains(list.Items[0].Error, "f_big") {
			t.Fatalf("incidents: %+v %v", list.Items, err)
		}
		if _, err := e.svc.RetryIncident(e.admin, list.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		if got := e.instance(inst.ID); got.State != StateIncident || active(got) != "t:incident" || strings.Count(trail(got), ", t completed") != 1 {
			t.Fatalf("after the retry: %s %q\n%s", got.State, active(got), trail(got))
		}
	})
}

func TestSplitOutOfStartAndUserTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// Two unconditional flows out of the start event; a user task's conditional flows are
		// chosen with the values its form set.
		body := `<bpmn:userTask id="ask"><bpmn:extensionElements><parley:form><parley:field variable="ok"/></parley:form></bpmn:extensionElements></bpmn:userTask>
			<bpmn:userTask id="side"/><bpmn:userTask id="yes"/><bpmn:userTask id="no"/><bpmn:endEvent id="end"/>` +
			chain("start", "ask") + chain("start", "side", "end") +
			cond("f_yes", "ask", "yes", "ok") + cond("f_no", "ask", "no", "!ok") + chain("yes", "end") + chain("no", "end")
		e.deploy("fork", diagram(body), variable("ok", "boolean"))
		inst := e.start("fork", nil, "")
		if got := active(inst); got != "ask:task side:task" {
			t.Fatalf("after the start: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "ask", map[string]string{"ok": "false"})
		if got := active(e.instance(inst.ID)); got != "no:task side:task" {
			t.Fatalf("after ask: %q", got)
		}
	})
}

// inclusiveFork forks on x into one, two or three user tasks and joins them.
var inclusiveFork = `<bpmn:inclusiveGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/>
	<bpmn:inclusiveGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>` +
	chain("start", "fork") + cond("fa", "fork", "a", "x &gt;= 1") + cond("fb", "fork", "b", "x &gt;= 2") + cond("fc", "fork", "c", "x &gt;= 3") +
	chain("a", "join") + chain("b", "join") + chain("c", "join") + chain("join", "after", "end")

func TestInclusiveForkAndJoin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("incl", diagram(inclusiveFork), variable("x", "integer"))
		for _, c := range []struct {
			x        string
			branches []string
		}{{"1", []string{"a"}}, {"2", []string{"a", "b"}}, {"3", []string{"c", "a", "b"}}} {
			inst := e.start("incl", intIn("x", c.x), "")
			for i, el := range c.branches {
				if got := active(e.instance(inst.ID)); strings.Contains(got, "after") {
					t.Fatalf("x=%s: the join fired with %d of %d branches done: %q", c.x, i, len(c.branches), got)
				}
				e.completeTaskAt(e.admin, inst.ID, el, nil)
			}
			got := e.instance(inst.ID)
			if active(got) != "after:task" || strings.Count(trail(got), "join joined") != 1 {
				t.Fatalf("x=%s: %q\n%s", c.x, active(got), trail(got))
			}
		}
		// No condition true and no default: an incident at the fork, in words.
		inst := e.start("incl", intIn("x", "0"), "")
		if inst.State != StateIncident || active(inst) != "fork:incident" {
			t.Fatalf("x=0: %s %q", inst.State, active(inst))
		}
		list, err := e.svc.Incidents(e.admin, pageAll)
		if err != nil || len(list.Items) != 1 || !strings.Contains(list.Items[0].Error, "no condition of its outgoing flows is true and it has no default flow") {
			t.Fatalf("incidents: %+v %v", list.Items, err)
		}
	})
}

// A branch taken by the fork that ends elsewhere is no longer waited for: the join fires when
// that token ends, not before.
func TestInclusiveJoinStopsWaitingForTokensThatLeave(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:inclusiveGateway id="fork"/><bpmn:userTask id="a"/>
			<bpmn:userTask id="b"><bpmn:extensionElements><parley:form><parley:field variable="go"/></parley:form></bpmn:extensionElements></bpmn:userTask>
			<bpmn:exclusiveGateway id="x" default="f_out"/><bpmn:endEvent id="out"/>
			<bpmn:inclusiveGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>` +
			chain("start", "fork") + cond("fa", "fork", "a", "true") + cond("fb", "fork", "b", "true") +
			chain("a", "join") + chain("b", "x") + cond("f_in", "x", "join", "go") +
			`<bpmn:sequenceFlow id="f_out" sourceRef="x" targetRef="out"/>` + chain("join", "after", "end")
		e.deploy("leave", diagram(body), variable("go", "boolean"))
		inst := e.start("leave", nil, "")
		e.completeTaskAt(e.admin, inst.ID, "a", nil)
		if got := active(e.instance(inst.ID)); got != "b:task join:join" {
			t.Fatalf("after a: %q; the join must wait while b can still reach it", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "b", map[string]string{"go": "false"})
		if got := active(e.instance(inst.ID)); got != "after:task" {
			t.Fatalf("after b left by another way: %q\n%s", got, trail(e.instance(inst.ID)))
		}
	})
}

// Nested inclusive gateways: the inner join waits for the inner branches, the outer join for
// the outer ones, the inner join's token included.
func TestInclusiveNested(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:inclusiveGateway id="outer"/><bpmn:inclusiveGateway id="inner"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/>
			<bpmn:inclusiveGateway id="innerJoin"/><bpmn:inclusiveGateway id="outerJoin"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>` +
			chain("start", "outer") + cond("o1", "outer", "a", "x &gt; 0") + cond("o2", "outer", "inner", "x &gt; 1") +
			cond("i1", "inner", "b", "true") + cond("i2", "inner", "c", "x &gt; 2") +
			chain("b", "innerJoin") + chain("c", "innerJoin") + chain("innerJoin", "outerJoin") + chain("a", "outerJoin") +
			chain("outerJoin", "after", "end")
		e.deploy("nested", diagram(body), variable("x", "integer"))
		inst := e.start("nested", intIn("x", "3"), "")
		if got := active(inst); got != "a:task b:task c:task" {
			t.Fatalf("x=3: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "b", nil)
		e.completeTaskAt(e.admin, inst.ID, "a", nil)
		if got := active(e.instance(inst.ID)); got != "c:task innerJoin:join outerJoin:join" {
			t.Fatalf("before c: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "c", nil)
		e.wantSteps(e.instance(inst.ID), "innerJoin joined", "outerJoin joined", "after waiting")

		// x=2: the inner fork takes b only; its join does not wait for c.
		inst = e.start("nested", intIn("x", "2"), "")
		e.completeTaskAt(e.admin, inst.ID, "b", nil)
		if got := active(e.instance(inst.ID)); got != "a:task outerJoin:join" {
			t.Fatalf("x=2 after b: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "a", nil)
		if got := active(e.instance(inst.ID)); got != "after:task" {
			t.Fatalf("x=2 after a: %q", got)
		}
	})
}

// A diagram that loops without a wait stops with an incident instead of running forever; a
// loop drawn with a link back is no exception.
func TestLoopWithoutWaitStops(t *testing.T) {
	e := newEnv(t, "sqlite", Options{MaxSteps: 50})
	body := `<bpmn:task id="t"/>` + link("intermediateThrowEvent", "back", "again") + link("intermediateCatchEvent", "top", "again") +
		`<bpmn:endEvent id="end"/>` + chain("start", "t", "back") + chain("top", "t") + cond("f_end", "t", "end", "false")
	e.deploy("loop", diagram(body))
	inst := e.start("loop", nil, "")
	if inst.State != StateIncident || !strings.Contains(active(inst), ":incident") {
		t.Fatalf("%s %q", inst.State, active(inst))
	}
	list, err := e.svc.Incidents(e.admin, pageAll)
	if err != nil || len(list.Items) != 1 || !strings.Contains(list.Items[0].Error, "loops without a wait") {
		t.Fatalf("incidents: %+v %v", list.Items, err)
	}
}
