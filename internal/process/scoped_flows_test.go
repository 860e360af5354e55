package process

import (
	"strings"
	"testing"
	"time"
)

// TestInclusiveJoinInsideSubProcess: an inclusive join inside a sub-process waits only for the
// tokens of its own scope. The token waiting at the sub-process could, on the drawing, reach
// the join through the sub-process's start event, but it never moves until the sub-process is
// done; counting it would leave the join waiting for ever.
func TestInclusiveJoinInsideSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:inclusiveGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>
			<bpmn:inclusiveGateway id="join"/><bpmn:endEvent id="sub_end"/>` +
			chain("sub_start", "fork") + cond("fa", "fork", "a", "x &gt;= 1") + cond("fb", "fork", "b", "x &gt;= 2") +
			chain("a", "join") + chain("b", "join") + chain("join", "sub_end")
		e.deploy("scoped_incl", aroundSub(inner, ""), variable("x", "integer"))

		one := e.start("scoped_incl", intIn("x", "1"), "")
		if got := active(one); got != "a:task sub:scope" {
			t.Fatalf("x=1 after start: %q", got)
		}
		e.completeTaskAt(e.admin, one.ID, "a", nil)
		e.wantEnded(one.ID, "join joined", "sub completed", "done completed")

		two := e.start("scoped_incl", intIn("x", "2"), "")
		e.completeTaskAt(e.admin, two.ID, "b", nil)
		if got := e.instance(two.ID); active(got) != "a:task join:join sub:scope" || strings.Contains(trail(got), "join joined") {
			t.Fatalf("x=2 with one branch done: %q\n%s", active(got), trail(got))
		}
		e.completeTaskAt(e.admin, two.ID, "a", nil)
		e.wantEnded(two.ID, "join joined", "sub completed", "done completed")
	})
}

// TestImplicitSplitInsideSubProcess: the tokens of an implicit split inside a sub-process stay
// in its scope, so the sub-process completes only when both have ended.
func TestImplicitSplitInsideSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="sub_end"/><bpmn:endEvent id="b_end"/>` +
			chain("sub_start", "a", "sub_end") + chain("sub_start", "b", "b_end")
		e.deploy("scoped_split", aroundSub(inner, ""))
		inst := e.start("scoped_split", nil, "")
		if got := active(inst); got != "a:task b:task sub:scope" {
			t.Fatalf("after start: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "a", nil)
		if got := active(e.instance(inst.ID)); got != "b:task sub:scope" {
			t.Fatalf("after a: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "b", nil)
		e.wantEnded(inst.ID, "sub completed", "done completed")
	})
}

// TestMultiInstanceInsideSubProcess: the inner instances of a multi-instance task inside a
// sub-process run in its scope, so the sub-process waits for all of them and an interrupting
// boundary event on the sub-process cancels them with it.
func TestMultiInstanceInsideSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:userTask id="inner"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask><bpmn:endEvent id="sub_end"/>` +
			chain("sub_start", "inner", "sub_end")
		e.deploy("scoped_mi", aroundSub(inner, ""))
		inst := e.start("scoped_mi", nil, "")
		tasks := e.openTasks(inst.ID, "inner")
		if len(tasks) != 2 {
			t.Fatalf("open tasks %d, want 2: %s", len(tasks), active(e.instance(inst.ID)))
		}
		mustComplete(t, e, tasks[0])
		if got := active(e.instance(inst.ID)); !strings.Contains(got, "sub:scope") || !strings.Contains(got, "inner:task") {
			t.Fatalf("after one of two: %q", got)
		}
		mustComplete(t, e, tasks[1])
		e.wantEnded(inst.ID, "sub completed", "done completed")

		e.deploy("scoped_mi_cancel", aroundSub(inner, boundaryOnSub(hourTimer)))
		c := e.start("scoped_mi_cancel", nil, "")
		e.clock.Advance(2 * time.Hour)
		e.runJobs()
		got := e.instance(c.ID)
		if left := e.openTasks(c.ID, "inner"); len(left) != 0 || !strings.Contains(trail(got), "b fired") {
			t.Fatalf("after the boundary timer: %d open tasks, %q\n%s", len(left), active(got), trail(got))
		}
	})
}

func mustComplete(t *testing.T, e *env, task *Task) {
	t.Helper()
	if _, err := e.svc.CompleteTask(e.admin, task.ID, nil); err != nil {
		t.Fatalf("complete %s: %v", task.ID, err)
	}
}

// TestIOMappingOnSubProcess: a sub-process's zeebe:input values are seen by everything inside
// it and gone after it; its outputs are written when it completes.
func TestIOMappingOnSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=limit * 2" resultVariable="doubled"/></bpmn:extensionElements></bpmn:scriptTask>` +
			`<bpmn:userTask id="inner"/><bpmn:endEvent id="sub_end"/>` + chain("sub_start", "calc", "inner", "sub_end")
		body := `<bpmn:subProcess id="sub"><bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=base + 1" target="limit"/>` +
			`<zeebe:output source="=limit + doubled" target="total"/></zeebe:ioMapping></bpmn:extensionElements><bpmn:startEvent id="sub_start"/>` + inner +
			`</bpmn:subProcess><bpmn:userTask id="after"/><bpmn:endEvent id="done"/>` + chain("start", "sub", "after", "done")
		// As with any element's inputs, a name used by other elements' expressions is declared;
		// the input shadows it inside the sub-process only.
		e.deploy("io_sub", zeebeDiagram(body), variable("base", "integer"), variable("doubled", "integer"), variable("total", "integer"),
			variable("limit", "integer"))
		inst := e.start("io_sub", intIn("base", "4"), "")
		if got := e.instance(inst.ID); active(got) != "inner:task sub:scope" || got.Variables["doubled"].String() != "10" {
			t.Fatalf("inside: %q doubled=%s\n%s", active(got), got.Variables["doubled"].String(), trail(got))
		}
		e.completeTaskAt(e.admin, inst.ID, "inner", nil)
		got := e.instance(inst.ID)
		if active(got) != "after:task" || got.Variables["total"].String() != "15" {
			t.Fatalf("after: %q total=%s\n%s", active(got), got.Variables["total"].String(), trail(got))
		}
		if !got.Variables["limit"].IsNull() {
			t.Fatalf("the input leaked into the process: %v", got.Variables)
		}
	})
}

// TestCallActivityInsideSubProcess: a call activity inside a sub-process waits in its scope;
// an error the called instance does not catch, and no boundary on the call activity catches,
// goes on out to the sub-process's error boundary event, which cancels the called instance.
func TestCallActivityInsideSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("charge", diagram(charger+chain("start", "charge", "end")))
		inner := `<bpmn:callActivity id="call" calledElement="charge"/><bpmn:endEvent id="sub_end"/>` + chain("sub_start", "call", "sub_end")
		e.deploy("scoped_call", aroundSub(inner, boundaryOnSub(`<bpmn:errorEventDefinition/>`)))

		ok := e.start("scoped_call", nil, "")
		if got := active(ok); got != "call:call sub:scope" {
			t.Fatalf("after start: %q", got)
		}
		e.completeJobAt(e.childOf(ok.ID).ID, "charge")
		e.wantEnded(ok.ID, "call completed", "sub completed", "done completed")

		failed := e.start("scoped_call", nil, "")
		c := e.throwInChild(failed.ID, "DECLINED")
		e.wantEnded(failed.ID, "b fired", "out completed")
		if got := e.instance(c.ID); got.State != StateCancelled {
			t.Fatalf("the called instance is %s\n%s", got.State, trail(got))
		}
	})
}
