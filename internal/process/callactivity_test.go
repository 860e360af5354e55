package process

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// callOf draws a call activity "call" with the given attributes and extension elements,
// leading to the end event "done".
func callOf(attrs, ext string) string {
	if ext != "" {
		ext = "<bpmn:extensionElements>" + ext + "</bpmn:extensionElements>"
	}
	return `<bpmn:callActivity id="call" ` + attrs + `>` + ext + `</bpmn:callActivity><bpmn:endEvent id="done"/>` + chain("start", "call", "done")
}

// withBoundary adds a boundary event "b" (its definition given) on "call", leading to "out".
func withBoundary(body, def string) string {
	return body + `<bpmn:boundaryEvent id="b" attachedToRef="call">` + def + `</bpmn:boundaryEvent><bpmn:endEvent id="out"/>` + chain("b", "out")
}

const (
	// doubler doubles n into doubled at once.
	doubler = `<bpmn:scriptTask id="calc"><bpmn:extensionElements><parley:script><parley:assign variable="doubled" expression="n * 2"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="end"/>`
	// asker waits for a person before doubling.
	asker = `<bpmn:userTask id="ask"/>` + doubler
	// charger waits for an outside worker.
	charger = `<bpmn:serviceTask id="charge"><bpmn:extensionElements><parley:task type="payment.charge"/></bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="end"/>`
)

func childVars() []Variable {
	n := variable("n", "integer")
	n.Required = true
	return []Variable{n, variable("doubled", "integer")}
}

func integer(s string) value.Value { return v(typ("integer"), s) }

// childOf returns the one instance a call activity of inst started.
func (e *env) childOf(id string) *Instance {
	e.t.Helper()
	inst := e.instance(id)
	if len(inst.Children) != 1 {
		e.t.Fatalf("instance %s has children %+v; want one\n%s", id, inst.Children, trail(inst))
	}
	return e.instance(inst.Children[0].Instance)
}

func TestCallActivityMappings(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("double", diagram(doubler+chain("start", "calc", "end")), childVars()...)
		e.deploy("ask-double", diagram(asker+chain("start", "ask", "calc", "end")), childVars()...)
		parentVars := []Variable{variable("x", "integer"), variable("result", "integer")}
		parley := `<parley:in source="x + 1" target="n"/><parley:out source="doubled" target="result"/>`

		t.Run("a child without waits completes in the caller's run", func(t *testing.T) {
			e := e.with(t)
			e.deploy("p-now", diagram(callOf(`calledElement="double"`, parley)), parentVars...)
			inst := e.start("p-now", map[string]value.Value{"x": integer("4")}, "")
			e.wantEnded(inst.ID, "call waiting", "call completed", "done completed")
			if got := e.instance(inst.ID).Variables["result"].String(); got != "10" {
				t.Fatalf("result = %s, want 10", got)
			}
			child := e.childOf(inst.ID)
			if child.State != StateCompleted || child.Variables["n"].String() != "5" || child.Trigger.Kind != TriggerCall {
				t.Fatalf("child %+v", child)
			}
			if child.Parent == nil || child.Parent.Instance != inst.ID || child.Parent.Element != "call" || child.Parent.Process != "p-now" {
				t.Fatalf("child's parent %+v", child.Parent)
			}
		})

		t.Run("the caller waits for the child and moves on when it completes", func(t *testing.T) {
			e := e.with(t)
			e.deploy("p-wait", diagram(callOf(`calledElement="ask-double"`, parley)), parentVars...)
			inst := e.start("p-wait", map[string]value.Value{"x": integer("1")}, "")
			if got := active(inst); got != "call:call" {
				t.Fatalf("after start: %q", got)
			}
			child := e.childOf(inst.ID)
			e.completeTaskAt(e.admin, child.ID, "ask", nil)
			e.wantEnded(child.ID, "ask completed", "end completed")
			e.wantEnded(inst.ID, "call waiting", "call completed", "done completed")
			if got := e.instance(inst.ID).Variables["result"].String(); got != "4" {
				t.Fatalf("result = %s, want 4", got)
			}
		})

		t.Run("zeebe: inputs and every child variable propagated back", func(t *testing.T) {
			e := e.with(t)
			zeebe := `<zeebe:calledElement processId="double" propagateAllChildVariables="true"/>
				<zeebe:ioMapping><zeebe:input source="=x * 10" target="n"/></zeebe:ioMapping>`
			e.deploy("p-zeebe", withZeebe(diagram(callOf("", zeebe))), variable("x", "integer"), variable("doubled", "integer"))
			inst := e.start("p-zeebe", map[string]value.Value{"x": integer("3")}, "")
			e.wantEnded(inst.ID, "call completed")
			if got := e.instance(inst.ID).Variables["doubled"].String(); got != "60" {
				t.Fatalf("doubled = %s, want 60", got)
			}
		})

		t.Run("without input mappings the caller's variables of the same name pass down", func(t *testing.T) {
			e := e.with(t)
			e.deploy("p-same", diagram(callOf(`calledElement="double"`, "")), variable("n", "integer"), variable("doubled", "integer"))
			inst := e.start("p-same", map[string]value.Value{"n": integer("21")}, "")
			if got := e.instance(inst.ID).Variables["doubled"].String(); got != "42" {
				t.Fatalf("doubled = %s, want 42\n%s", got, trail(e.instance(inst.ID)))
			}
		})

		t.Run("mappings that do not fit the child's variables are an incident", func(t *testing.T) {
			e := e.with(t)
			bad := `<parley:in source="'four'" target="n"/><parley:in source="1" target="missing"/>`
			e.deploy("p-bad", diagram(callOf(`calledElement="double"`, bad)), parentVars...)
			inst := e.start("p-bad", nil, "")
			msg := e.onlyIncident(inst.ID).Error
			for _, want := range []string{"do not fit version 1 of process 'double'", `no variable "missing"`, "the variable is integer"} {
				if !strings.Contains(msg, want) {
					t.Fatalf("incident %q lacks %q", msg, want)
				}
			}
			if kids := e.instance(inst.ID).Children; len(kids) != 0 {
				t.Fatalf("a child started: %+v", kids)
			}
		})

		t.Run("a required child variable left unset is an incident naming it", func(t *testing.T) {
			e := e.with(t)
			e.deploy("p-unset", diagram(callOf(`calledElement="double"`, "")), parentVars...)
			msg := e.onlyIncident(e.start("p-unset", nil, "").ID).Error
			if !strings.Contains(msg, "process 'double' called by callActivity (call) cannot start") || !strings.Contains(msg, "variable n (integer) is required") {
				t.Fatalf("incident %q", msg)
			}
		})
	})
}

// withZeebe declares the Zeebe namespace on a diagram.
func withZeebe(xml string) string {
	return strings.Replace(xml, "<bpmn:definitions ", `<bpmn:definitions xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" `, 1)
}

func TestCallActivityErrors(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("charge", diagram(charger+chain("start", "charge", "end")))
		e.deploy("reject", diagram(`<bpmn:endEvent id="end"><bpmn:errorEventDefinition errorRef="err_rejected"/></bpmn:endEvent>`+chain("start", "end")+`
			</bpmn:process><bpmn:error id="err_rejected" errorCode="REJECTED"/><bpmn:process id="Unused" isExecutable="false">`))
		catchRejected := `<bpmn:errorEventDefinition errorRef="err_rejected"/>`
		withError := func(body string) string {
			return diagram(body + `</bpmn:process><bpmn:error id="err_rejected" errorCode="REJECTED"/><bpmn:process id="Unused" isExecutable="false">`)
		}
		e.deploy("p-charge", withError(withBoundary(callOf(`calledElement="charge"`, ""), catchRejected)))
		e.deploy("p-reject", withError(withBoundary(callOf(`calledElement="reject"`, ""), catchRejected)))
		e.deploy("p-catchall", diagram(withBoundary(callOf(`calledElement="charge"`, ""), `<bpmn:errorEventDefinition/>`)))

		t.Run("a worker's error in the child is caught on the call activity", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-charge", nil, "")
			child := e.throwInChild(inst.ID, "REJECTED")
			e.wantEnded(inst.ID, "call waiting", "call cancelled", "b fired", "out completed")
			if got := e.instance(child.ID); got.State != StateCancelled || e.waitsLeft(child.ID) != 0 {
				t.Fatalf("child %s, %d waits left\n%s", got.State, e.waitsLeft(child.ID), trail(got))
			}
		})

		t.Run("an error end event in the child is caught in the same run", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-reject", nil, "")
			e.wantEnded(inst.ID, "call cancelled", "b fired", "out completed")
		})

		t.Run("a catch-all boundary takes any code", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-catchall", nil, "")
			e.throwInChild(inst.ID, "ANYTHING")
			e.wantEnded(inst.ID, "b fired", "out completed")
		})

		t.Run("an error nobody catches is an incident in the child", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-charge", nil, "")
			child := e.throwInChild(inst.ID, "OTHER")
			if msg := e.onlyIncident(child.ID).Error; !strings.Contains(msg, `"OTHER"`) {
				t.Fatalf("incident %q", msg)
			}
			if got := e.instance(inst.ID); got.State != StateActive || active(got) != "call:call" {
				t.Fatalf("caller %s %q", got.State, active(got))
			}
		})
	})
}

// throwInChild has the outside worker of the child of instance id throw the error code.
func (e *env) throwInChild(id, code string) *Instance {
	e.t.Helper()
	child := e.childOf(id)
	if err := e.svc.ThrowJobError(e.admin, e.waitingJob(child.ID), JobError{Code: code}); err != nil {
		e.t.Fatal(err)
	}
	return child
}

func TestCallActivityCancel(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("ask-double", diagram(asker+chain("start", "ask", "calc", "end")), childVars()...)
		e.deploy("outer", diagram(callOf(`calledElement="ask-double"`, `<parley:in source="1" target="n"/>`)))
		e.deploy("outermost", diagram(callOf(`calledElement="outer"`, "")))

		t.Run("cancelling the caller cancels the whole call tree", func(t *testing.T) {
			e := e.with(t)
			top := e.start("outermost", nil, "")
			mid := e.childOf(top.ID)
			leaf := e.childOf(mid.ID)
			if _, err := e.svc.Cancel(e.admin, leaf.ID); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "cancel instance "+mid.ID) {
				t.Fatalf("cancelling a called instance alone: %v", err)
			}
			if _, err := e.svc.Cancel(e.admin, top.ID); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{top.ID, mid.ID, leaf.ID} {
				if got := e.instance(id); got.State != StateCancelled || e.waitsLeft(id) != 0 {
					t.Fatalf("instance %s: %s, %d waits left", id, got.State, e.waitsLeft(id))
				}
			}
			if task := e.instance(leaf.ID).Tasks[0]; task.State != TaskCancelled {
				t.Fatalf("the child's task is %s", task.State)
			}
		})

		t.Run("a terminate end event in the caller cancels its children", func(t *testing.T) {
			e := e.with(t)
			body := `<bpmn:parallelGateway id="fork"/><bpmn:callActivity id="call" calledElement="outer"/><bpmn:endEvent id="done"/>
				<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>` + chain("start", "fork", "call", "done") + chain("fork", "stop")
			e.deploy("terminating", diagram(body))
			inst := e.start("terminating", nil, "")
			e.wantEnded(inst.ID, "stop completed")
			mid := e.childOf(inst.ID)
			leaf := e.childOf(mid.ID)
			if mid.State != StateCancelled || e.instance(leaf.ID).State != StateCancelled {
				t.Fatalf("children %s %s", mid.State, e.instance(leaf.ID).State)
			}
		})
	})
}

func TestCallActivityBoundaries(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("ask-double", diagram(asker+chain("start", "ask", "calc", "end")), childVars()...)
		e.deploy("timed", diagram(withBoundary(callOf(`calledElement="ask-double"`, `<parley:in source="2" target="n"/>`), hourTimer)))

		late := e.start("timed", nil, "")
		child := e.childOf(late.ID)
		e.clock.Advance(time.Hour + time.Second)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		e.wantEnded(late.ID, "call cancelled", "b fired", "out completed")
		if got := e.instance(child.ID); got.State != StateCancelled || got.Tasks[0].State != TaskCancelled {
			t.Fatalf("child %s, task %s", got.State, got.Tasks[0].State)
		}

		// A child that completes in time disarms the timer.
		inTime := e.start("timed", nil, "")
		e.completeTaskAt(e.admin, e.childOf(inTime.ID).ID, "ask", nil)
		e.wantEnded(inTime.ID, "call completed", "done completed")
		if n := e.waitsLeft(inTime.ID); n != 0 {
			t.Fatalf("%d waits left after the child completed", n)
		}

		// A call that cannot start is an incident the timer still interrupts, as at a task.
		e.deploy("timed-missing", diagram(withBoundary(callOf(`calledElement="nowhere"`, ""), hourTimer)))
		stuck := e.start("timed-missing", nil, "")
		e.onlyIncident(stuck.ID)
		e.clock.Advance(time.Hour + time.Second)
		e.runJobs()
		e.wantEnded(stuck.ID, "call failed", "call cancelled", "b fired", "out completed")

		// A message boundary interrupts the call like a timer.
		e.deploy("on-message", withMessages(diagram(withBoundary(callOf(`calledElement="ask-double"`, `<parley:in source="2" target="n"/>`), cancelMsg)), "cancel"),
			variable("ticket", "string"))
		called := e.start("on-message", ticket("M-1"), "")
		if res := e.publish(Message{Name: "cancel", CorrelationKey: "M-1"}); res.Delivered != 1 {
			t.Fatalf("delivered %d", res.Delivered)
		}
		e.wantEnded(called.ID, "call cancelled", "b completed", "out completed")
		if got := e.childOf(called.ID).State; got != StateCancelled {
			t.Fatalf("the child is %s", got)
		}
	})
}

func TestCallActivityVersions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		says := func(word string) string {
			return diagram(`<bpmn:scriptTask id="say"><bpmn:extensionElements><parley:script><parley:assign variable="word" expression="'` + word +
				`'"/></parley:script></bpmn:extensionElements></bpmn:scriptTask><bpmn:endEvent id="end"/>` + chain("start", "say", "end"))
		}
		word := variable("word", "string")
		e.deploy("speaker", says("one"), word)
		if _, err := e.svc.UpdateDraft(e.admin, "speaker", Draft{Name: "speaker", Variables: []Variable{word}, BPMN: says("two")}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Publish(e.admin, "speaker"); err != nil {
			t.Fatal(err)
		}
		e.deploy("latest", diagram(callOf(`calledElement="speaker"`, "")), word)
		e.deploy("pinned", diagram(callOf(`calledElement="speaker"`, `<parley:call version="1"/>`)), word)
		e.deploy("tagged", withZeebe(diagram(callOf("", `<zeebe:calledElement processId="speaker" bindingType="versionTag" versionTag="1"/>`))), word)
		for code, want := range map[string]string{"latest": "two", "pinned": "one", "tagged": "one"} {
			inst := e.start(code, nil, "")
			if got := e.instance(inst.ID).Variables["word"].String(); got != want {
				t.Fatalf("%s: word = %q, want %q\n%s", code, got, want, trail(e.instance(inst.ID)))
			}
		}
		e.deploy("pinned-missing", diagram(callOf(`calledElement="speaker"`, `<parley:call version="7"/>`)), word)
		if msg := e.onlyIncident(e.start("pinned-missing", nil, "").ID).Error; !strings.Contains(msg, "version 7 of process 'speaker' called by callActivity (call) is not published") {
			t.Fatalf("incident %q", msg)
		}
	})
}

func TestCallActivityMissingProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		pub, err := e.tryDeploy("caller", diagram(callOf(`calledElement="later"`, "")), variable("word", "string"))
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Warnings) != 1 || pub.Warnings[0].Message != "process 'later' called by callActivity (call) is not published; the call stops with an incident until it is" {
			t.Fatalf("warnings %+v", pub.Warnings)
		}
		inst := e.start("caller", nil, "")
		in := e.onlyIncident(inst.ID)
		if !strings.Contains(in.Error, "process 'later' called by callActivity (call) is not published") {
			t.Fatalf("incident %q", in.Error)
		}
		// Publishing it and retrying the incident makes the call.
		e.deploy("later", diagram(`<bpmn:endEvent id="end"/>`+chain("start", "end")))
		if _, err := e.svc.RetryIncident(e.admin, in.ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		e.wantEnded(inst.ID, "call failed", "call waiting", "call completed", "done completed")
	})
}

func TestCallActivityRecursion(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("again", diagram(callOf(`calledElement="again"`, "")))
		top := e.start("again", nil, "")
		id, depth := top.ID, 0
		for {
			inst := e.instance(id)
			if len(inst.Children) == 0 {
				break
			}
			id, depth = inst.Children[0].Instance, depth+1
		}
		if depth != maxCallDepth {
			t.Fatalf("nested %d deep, want %d", depth, maxCallDepth)
		}
		if msg := e.onlyIncident(id).Error; !strings.Contains(msg, "process 'again' called by callActivity (call) would run 17 calls deep") {
			t.Fatalf("incident %q", msg)
		}
		// Cancelling the top ends every level.
		if _, err := e.svc.Cancel(e.admin, top.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.instance(id).State; got != StateCancelled {
			t.Fatalf("the deepest instance is %s", got)
		}
	})
}

func TestCallActivitySession(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		reply := `<bpmn:serviceTask id="hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hello from the child"/></parley:task></bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="end"/>`
		e.deploy("greeter", diagram(reply+chain("start", "hi", "end")))
		e.deploy("session-caller", diagram(callOf(`calledElement="greeter"`, "")))
		inst := e.start("session-caller", nil, "ses_call")
		e.wantEnded(inst.ID, "call completed")
		if got := e.chat.replies["ses_call"]; len(got) != 1 || got[0] != "Hello from the child" {
			t.Fatalf("replies %q", got)
		}
		var n int
		err := e.db.Read(context.Background(), func(tx *store.Tx) error {
			list, err := e.svc.InstancesForSessionTx(context.Background(), tx, "ses_call")
			n = len(list)
			return err
		})
		if err != nil || n != 2 {
			t.Fatalf("the session lists %d instances (%v); want the caller and the child", n, err)
		}
	})
}

// TestCallActivityRace completes children (by a message) while their callers' boundary
// timers fire, many times at once: each caller leaves by exactly one path, and the child
// either completed and moved its caller on, or was cancelled by the timer.
func TestCallActivityRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ticketVar := variable("ticket", "string")
		receive := `<bpmn:receiveTask id="wait" messageRef="msg_go"/><bpmn:endEvent id="end"/>` + chain("start", "wait", "end")
		e.deploy("waiter", withMessages(diagram(receive), "go"), ticketVar)
		e.deploy("racer", diagram(withBoundary(callOf(`calledElement="waiter"`, ""), hourTimer)), ticketVar)
		ids, keys := e.startRacers("racer", "C", 8)
		e.clock.Advance(2 * time.Hour)
		e.raceTimersAndMessages("go", keys)
		for _, id := range ids {
			inst := e.instance(id)
			h := trail(inst)
			done, out := strings.Count(h, "done completed"), strings.Count(h, "out completed")
			child := e.instance(inst.Children[0].Instance)
			ok := inst.State == StateCompleted && done+out == 1 &&
				(done == 1 && child.State == StateCompleted || out == 1 && child.State == StateCancelled)
			if !ok || e.waitsLeft(id) != 0 || e.waitsLeft(child.ID) != 0 {
				t.Fatalf("caller %s: %s, history %s; child %s: %s", id, inst.State, h, child.ID, child.State)
			}
		}
	})
}

// TestCallActivityEscalations: an escalation that nothing in a called instance catches goes to
// its call activity, as in Camunda 8. An interrupting escalation boundary event cancels the
// child and takes the token; a non-interrupting one starts a branch while the child goes on;
// an escalation event sub-process around the call catches it too; and one nobody catches is
// no incident: the child just goes on.
func TestCallActivityEscalations(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		raise := `<bpmn:intermediateThrowEvent id="raise">` + lateEsc + `</bpmn:intermediateThrowEvent><bpmn:userTask id="work"/><bpmn:endEvent id="end"/>`
		e.deploy("late-later", withDefs(diagram(`<bpmn:userTask id="ask"/>`+raise+chain("start", "ask", "raise", "work", "end")), errDefs))
		e.deploy("late-now", withDefs(diagram(raise+chain("start", "raise", "work", "end")), errDefs))
		caller := func(called, boundary string) string {
			return withDefs(diagram(callOf(`calledElement="`+called+`"`, "")+boundary+`<bpmn:userTask id="notice"/><bpmn:endEvent id="out"/>`+chain("b", "notice", "out")), errDefs)
		}
		on := func(interrupting bool) string {
			attr := ""
			if !interrupting {
				attr = ` cancelActivity="false"`
			}
			return `<bpmn:boundaryEvent id="b" attachedToRef="call"` + attr + `>` + lateEsc + `</bpmn:boundaryEvent>`
		}
		e.deploy("p-int", caller("late-later", on(true)))
		e.deploy("p-int-now", caller("late-now", on(true)))
		e.deploy("p-nonint", caller("late-later", on(false)))
		e.deploy("p-nonint-now", caller("late-now", on(false)))
		e.deploy("p-none", withDefs(diagram(callOf(`calledElement="late-later"`, "")), errDefs))
		handler := `<bpmn:userTask id="notice"/><bpmn:endEvent id="handled"/>` + chain("ev_start", "notice", "handled")
		e.deploy("p-eventsub", withDefs(diagram(callOf(`calledElement="late-later"`, "")+eventSub("ev", lateEsc, true, handler)), errDefs))

		t.Run("an interrupting boundary event cancels the child", func(t *testing.T) {
			e := e.with(t)
			for _, code := range []string{"p-int", "p-int-now"} {
				inst := e.start(code, nil, "")
				child := e.childOf(inst.ID)
				if code == "p-int" {
					e.completeTaskAt(e.admin, child.ID, "ask", nil)
				}
				if got := active(e.instance(inst.ID)); got != "notice:task" {
					t.Fatalf("%s: caller active %q\n%s", code, got, trail(e.instance(inst.ID)))
				}
				got := e.instance(child.ID)
				if got.State != StateCancelled || e.waitsLeft(child.ID) != 0 || !strings.Contains(details(got), `escalation "late" raised; passed to callActivity call of instance `+inst.ID+", caught by b") {
					t.Fatalf("%s: child %s, %d waits left\n%s", code, got.State, e.waitsLeft(child.ID), trail(got))
				}
				e.completeTaskAt(e.admin, inst.ID, "notice", nil)
				e.wantEnded(inst.ID, "call waiting", "b fired", "notice completed", "out completed")
			}
		})

		t.Run("a non-interrupting boundary event starts a branch and the child goes on", func(t *testing.T) {
			e := e.with(t)
			for _, code := range []string{"p-nonint", "p-nonint-now"} {
				inst := e.start(code, nil, "")
				child := e.childOf(inst.ID)
				if code == "p-nonint" {
					e.completeTaskAt(e.admin, child.ID, "ask", nil)
				}
				if got := active(e.instance(inst.ID)); got != "call:call notice:task" {
					t.Fatalf("%s: caller active %q\n%s", code, got, trail(e.instance(inst.ID)))
				}
				if got := e.instance(child.ID); active(got) != "work:task" || !strings.Contains(details(got), "caught by b, which does not interrupt") {
					t.Fatalf("%s: child active %q\n%s", code, active(got), details(got))
				}
				e.completeTaskAt(e.admin, child.ID, "work", nil)
				e.completeTaskAt(e.admin, inst.ID, "notice", nil)
				e.wantEnded(inst.ID, "b fired", "call completed", "notice completed")
				e.wantEnded(child.ID, "raise completed", "work completed", "end completed")
			}
		})

		t.Run("an escalation event sub-process around the call catches it", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-eventsub", nil, "")
			child := e.childOf(inst.ID)
			e.completeTaskAt(e.admin, child.ID, "ask", nil)
			if got := e.instance(child.ID); got.State != StateCancelled {
				t.Fatalf("child %s\n%s", got.State, trail(got))
			}
			e.completeTaskAt(e.admin, inst.ID, "notice", nil)
			e.wantEnded(inst.ID, "ev_start fired", "notice completed", "handled completed")
		})

		t.Run("an escalation nobody catches is no incident", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("p-none", nil, "")
			child := e.childOf(inst.ID)
			e.completeTaskAt(e.admin, child.ID, "ask", nil)
			if got := e.instance(child.ID); got.State != StateActive || active(got) != "work:task" || !strings.Contains(details(got), `escalation "late" raised; nothing catches it here`) {
				t.Fatalf("child %s %q\n%s", got.State, active(got), trail(got))
			}
			e.completeTaskAt(e.admin, child.ID, "work", nil)
			e.wantEnded(inst.ID, "call completed", "done completed")
		})
	})
}

// details joins the details of an instance's history, which say what became of a throw.
func details(inst *Instance) string {
	parts := make([]string, len(inst.History))
	for i, h := range inst.History {
		parts[i] = h.Detail
	}
	return strings.Join(parts, "\n")
}
