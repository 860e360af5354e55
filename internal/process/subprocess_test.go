package process

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// sub draws an embedded sub-process id whose none start event is id_start.
func sub(id, inner string) string {
	return `<bpmn:subProcess id="` + id + `"><bpmn:startEvent id="` + id + `_start"/>` + inner + `</bpmn:subProcess>`
}

// eventSub draws an event sub-process id with the start event id_start of the given
// definition; interrupting says whether it cancels its scope.
func eventSub(id, definition string, interrupting bool, inner string) string {
	attr := ""
	if !interrupting {
		attr = ` isInterrupting="false"`
	}
	return `<bpmn:subProcess id="` + id + `" triggeredByEvent="true"><bpmn:startEvent id="` + id + `_start"` + attr + `>` + definition +
		`</bpmn:startEvent>` + inner + `</bpmn:subProcess>`
}

// withDefs adds root elements (errors, escalations) to a diagram.
func withDefs(xml, defs string) string {
	return strings.Replace(xml, `</bpmn:process>`, "</bpmn:process>\n"+defs, 1)
}

const (
	errDefs = `<bpmn:error id="err_declined" errorCode="declined"/><bpmn:error id="err_other" errorCode="other"/>
		<bpmn:escalation id="esc_late" escalationCode="late"/>`
	userIn       = `<bpmn:userTask id="inner"/><bpmn:endEvent id="sub_end"/>`
	jobIn        = `<bpmn:serviceTask id="inner"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="sub_end"/>`
	declinedEnd  = `<bpmn:errorEventDefinition errorRef="err_declined"/>`
	anyError     = `<bpmn:errorEventDefinition/>`
	lateEsc      = `<bpmn:escalationEventDefinition escalationRef="esc_late"/>`
	hourNotInter = `<bpmn:boundaryEvent id="b" attachedToRef="sub" cancelActivity="false">` + hourTimer + `</bpmn:boundaryEvent>`
)

// aroundSub draws start → sub (with inner content) → done, with boundary content and its path
// b → out when boundary is not empty.
func aroundSub(inner, boundary string) string {
	out := sub("sub", inner) + `<bpmn:endEvent id="done"/>` + chain("start", "sub", "done")
	if boundary != "" {
		out += boundary + `<bpmn:endEvent id="out"/>` + chain("b", "out")
	}
	return diagram(out)
}

func boundaryOnSub(definition string) string {
	return `<bpmn:boundaryEvent id="b" attachedToRef="sub">` + definition + `</bpmn:boundaryEvent>`
}

// taskAt returns the instance's task at an element (the first one), failing when there is none.
func taskAt(inst *Instance, element string) *Task {
	for _, task := range inst.Tasks {
		if task.Element == element {
			return task
		}
	}
	return &Task{State: "missing"}
}

// scopesOf renders an instance's scopes as their elements, for comparisons.
func scopesOf(inst *Instance) string {
	var parts []string
	for _, s := range inst.Scopes {
		parts = append(parts, s.Element)
	}
	return strings.Join(parts, " ")
}

func TestSubProcessRunsItsFlow(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("plain", aroundSub(userIn+chain("sub_start", "inner", "sub_end"), ""))
		inst := e.start("plain", nil, "")
		if got := active(inst); got != "inner:task sub:scope" {
			t.Fatalf("after start: %q", got)
		}
		if got := scopesOf(e.instance(inst.ID)); got != "sub" {
			t.Fatalf("scopes %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "inner", nil)
		e.wantEnded(inst.ID, "sub waiting", "sub_start completed", "inner completed", "sub_end completed", "sub completed", "done completed")
		if got := e.instance(inst.ID).Scopes; len(got) != 0 {
			t.Fatalf("scopes left: %+v", got)
		}

		// Two branches inside: the sub-process waits for both to end.
		fork := `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="c"/><bpmn:endEvent id="ea"/><bpmn:endEvent id="ec"/>` +
			chain("sub_start", "fork", "a", "ea") + chain("fork", "c", "ec")
		e.deploy("branches", aroundSub(fork, ""))
		two := e.start("branches", nil, "")
		e.completeTaskAt(e.admin, two.ID, "a", nil)
		if got := active(e.instance(two.ID)); got != "c:task sub:scope" {
			t.Fatalf("after one branch: %q", got)
		}
		e.completeTaskAt(e.admin, two.ID, "c", nil)
		e.wantEnded(two.ID, "ea completed", "ec completed", "sub completed", "done completed")

		// A sub-process inside a sub-process.
		nested := sub("deep", userIn+chain("deep_start", "inner", "sub_end")) + `<bpmn:endEvent id="deep_end"/>` + chain("sub_start", "deep", "deep_end")
		e.deploy("nested", aroundSub(nested, ""))
		n := e.start("nested", nil, "")
		if got := active(n); got != "deep:scope inner:task sub:scope" {
			t.Fatalf("nested: %q", got)
		}
		e.completeTaskAt(e.admin, n.ID, "inner", nil)
		e.wantEnded(n.ID, "inner completed", "deep completed", "deep_end completed", "sub completed", "done completed")
	})
}

// TestTerminateEndsOnlyItsSubProcess: a terminate end event inside a sub-process ends that
// scope, cancelling its other branch, and the process goes on after the sub-process.
func TestTerminateEndsOnlyItsSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inner := `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:endEvent id="ea"/><bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>` +
			chain("sub_start", "fork", "a", "ea") + chain("fork", "stop")
		body := sub("sub", inner) + `<bpmn:userTask id="after"/><bpmn:endEvent id="done"/>` + chain("start", "sub", "after", "done")
		e.deploy("term", diagram(body))
		inst := e.start("term", nil, "")
		if got := active(inst); got != "after:task" {
			t.Fatalf("after start: %q\n%s", got, trail(e.instance(inst.ID)))
		}
		full := e.instance(inst.ID)
		if a := taskAt(full, "a"); a == nil || a.State != TaskCancelled {
			t.Fatalf("task a: %+v", a)
		}
		e.wantSteps(full, "stop completed", "a cancelled", "sub completed")
	})
}

func TestBoundaryTimersOnSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("timer", aroundSub(userIn+chain("sub_start", "inner", "sub_end"), boundaryOnSub(hourTimer)))
		inst := e.start("timer", nil, "")
		e.clock.Advance(time.Hour + time.Second)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		e.wantEnded(inst.ID, "inner cancelled", "sub cancelled", "b fired", "out completed")
		if full := e.instance(inst.ID); taskAt(full, "inner").State != TaskCancelled || len(full.Scopes) != 0 {
			t.Fatalf("task %+v, scopes %+v", full.Tasks[0], full.Scopes)
		}
		if n := e.waitsLeft(inst.ID); n != 0 {
			t.Fatalf("%d waits left", n)
		}

		// Not interrupting: a branch starts beside the sub-process, which goes on.
		notify := aroundSub(userIn+chain("sub_start", "inner", "sub_end"), "")
		notify = strings.Replace(notify, `</bpmn:process>`, hourNotInter+`<bpmn:userTask id="remind"/><bpmn:endEvent id="out"/>`+chain("b", "remind", "out")+`</bpmn:process>`, 1)
		e.deploy("remind", notify)
		beside := e.start("remind", nil, "")
		e.clock.Advance(time.Hour + time.Second)
		e.runJobs()
		if got := active(e.instance(beside.ID)); got != "inner:task remind:task sub:scope" {
			t.Fatalf("after the timer: %q", got)
		}
		e.completeTaskAt(e.admin, beside.ID, "inner", nil)
		e.completeTaskAt(e.admin, beside.ID, "remind", nil)
		e.wantEnded(beside.ID, "b fired", "sub completed", "done completed", "remind completed", "out completed")

		// The timer of a sub-process that completed in time never fires.
		quick := e.start("timer", nil, "")
		e.completeTaskAt(e.admin, quick.ID, "inner", nil)
		if n := e.waitsLeft(quick.ID); n != 0 {
			t.Fatalf("%d waits left after the sub-process completed", n)
		}
	})
}

func TestMessageBoundaryOnSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		xml := withMessages(aroundSub(jobIn+chain("sub_start", "inner", "sub_end"), boundaryOnSub(cancelMsg)), "cancel")
		e.deploy("msg", xml, variable("ticket", "string"))
		inst := e.start("msg", ticket("T-1"), "")
		job := e.jobAt(inst.ID)
		if res := e.publish(Message{Name: "cancel", CorrelationKey: "T-1"}); res.Delivered != 1 {
			t.Fatalf("delivered %d", res.Delivered)
		}
		e.wantEnded(inst.ID, "inner cancelled", "sub cancelled", "b completed", "out completed")
		if err := e.svc.CompleteJob(e.admin, job, JobCompletion{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("completing the cancelled inner job: %v", err)
		}

		// Everything inside goes, however deep: a timer, and a task in a nested sub-process,
		// with the nested sub-process's own boundary timer.
		deep := sub("deep", userIn+chain("deep_start", "inner", "sub_end")) + `<bpmn:endEvent id="deep_end"/>` +
			`<bpmn:boundaryEvent id="deepTimer" attachedToRef="deep">` + hourTimer + `</bpmn:boundaryEvent><bpmn:endEvent id="deepLate"/>` + chain("deepTimer", "deepLate") +
			`<bpmn:parallelGateway id="fork"/><bpmn:intermediateCatchEvent id="wait">` + hourTimer + `</bpmn:intermediateCatchEvent><bpmn:endEvent id="waited"/>` +
			chain("sub_start", "fork", "deep", "deep_end") + chain("fork", "wait", "waited")
		e.deploy("msg-deep", withMessages(aroundSub(deep, boundaryOnSub(cancelMsg)), "cancel"), variable("ticket", "string"))
		d := e.start("msg-deep", ticket("T-2"), "")
		if got := active(d); got != "deep:scope inner:task sub:scope wait:timer" {
			t.Fatalf("deep: %q", got)
		}
		e.publish(Message{Name: "cancel", CorrelationKey: "T-2"})
		e.wantEnded(d.ID, "sub cancelled", "b completed", "out completed")
		if n := e.waitsLeft(d.ID); n != 0 || taskAt(e.instance(d.ID), "inner").State != TaskCancelled {
			t.Fatalf("%d waits left; task %s", n, taskAt(e.instance(d.ID), "inner").State)
		}
	})
}

// TestErrorsLeaveSubProcesses: an error thrown inside a sub-process, by a worker or by an
// error end event, is caught on the sub-process's border by its code or by a catch-all, and
// everything inside is cancelled; an error nothing catches is an incident where it was thrown.
func TestErrorsLeaveSubProcesses(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		boundaries := `<bpmn:boundaryEvent id="b" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="err_declined"/></bpmn:boundaryEvent>
			<bpmn:boundaryEvent id="any" attachedToRef="sub">` + anyError + `</bpmn:boundaryEvent><bpmn:endEvent id="anyOut"/>` + chain("any", "anyOut")
		parallel := `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="other"/><bpmn:endEvent id="eo"/>` + chain("sub_start", "fork", "inner", "sub_end") + chain("fork", "other", "eo")
		e.deploy("errs", withDefs(aroundSub(jobIn+parallel, boundaries), errDefs))

		byCode := e.start("errs", nil, "")
		if err := e.svc.ThrowJobError(e.admin, e.jobAt(byCode.ID), JobError{Code: "declined"}); err != nil {
			t.Fatal(err)
		}
		e.wantEnded(byCode.ID, "inner cancelled", "other cancelled", "sub cancelled", "b fired", "out completed")
		if other := taskAt(e.instance(byCode.ID), "other"); other.State != TaskCancelled {
			t.Fatalf("the other branch's task is %s", other.State)
		}
		if n := e.waitsLeft(byCode.ID); n != 0 {
			t.Fatalf("%d waits left", n)
		}

		anyCode := e.start("errs", nil, "")
		if err := e.svc.ThrowJobError(e.admin, e.jobAt(anyCode.ID), JobError{Code: "timeout"}); err != nil {
			t.Fatal(err)
		}
		e.wantEnded(anyCode.ID, "sub cancelled", "any fired", "anyOut completed")

		// An error end event inside a nested sub-process reaches the outer border.
		deep := sub("deep", `<bpmn:endEvent id="boom">`+declinedEnd+`</bpmn:endEvent>`+chain("deep_start", "boom")) + `<bpmn:endEvent id="deep_end"/>` +
			chain("sub_start", "deep", "deep_end")
		e.deploy("deep", withDefs(aroundSub(deep, boundaryOnSub(declinedEnd)), errDefs))
		d := e.start("deep", nil, "")
		e.wantEnded(d.ID, "boom cancelled", "sub cancelled", "b fired", "out completed")

		// Nothing catches "other": an incident at the throwing end event.
		e.deploy("uncaught", withDefs(aroundSub(`<bpmn:endEvent id="boom"><bpmn:errorEventDefinition errorRef="err_other"/></bpmn:endEvent>`+chain("sub_start", "boom"),
			boundaryOnSub(declinedEnd)), errDefs))
		u := e.start("uncaught", nil, "")
		if in := e.onlyIncident(u.ID); in.Element != "boom" || !strings.Contains(in.Error, `error "other"`) {
			t.Fatalf("incident %+v", in)
		}
	})
}

// TestEscalationsReachSubProcessBorders: an escalation thrown inside a sub-process is caught
// by an escalation boundary event on it; a non-interrupting one starts a branch and the thrower
// goes on, an interrupting one cancels the sub-process.
func TestEscalationsReachSubProcessBorders(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		throw := `<bpmn:intermediateThrowEvent id="raise">` + lateEsc + `</bpmn:intermediateThrowEvent>` + userIn + chain("sub_start", "raise", "inner", "sub_end")
		beside := `<bpmn:boundaryEvent id="b" attachedToRef="sub" cancelActivity="false">` + lateEsc + `</bpmn:boundaryEvent>`
		xml := strings.Replace(aroundSub(throw, ""), `</bpmn:process>`, beside+`<bpmn:userTask id="tell"/><bpmn:endEvent id="out"/>`+chain("b", "tell", "out")+`</bpmn:process>`, 1)
		e.deploy("beside", withDefs(xml, errDefs))
		inst := e.start("beside", nil, "")
		if got := active(inst); got != "inner:task sub:scope tell:task" {
			t.Fatalf("after start: %q\n%s", got, trail(e.instance(inst.ID)))
		}
		e.completeTaskAt(e.admin, inst.ID, "tell", nil)
		e.completeTaskAt(e.admin, inst.ID, "inner", nil)
		e.wantEnded(inst.ID, `raise completed`, "b fired", "sub completed", "done completed")

		end := `<bpmn:parallelGateway id="fork"/><bpmn:userTask id="other"/><bpmn:endEvent id="eo"/><bpmn:endEvent id="raise">` + lateEsc + `</bpmn:endEvent>` +
			chain("sub_start", "fork", "other", "eo") + chain("fork", "raise")
		e.deploy("stop", withDefs(aroundSub(end, boundaryOnSub(`<bpmn:escalationEventDefinition/>`)), errDefs))
		stop := e.start("stop", nil, "")
		e.wantEnded(stop.ID, "other cancelled", "sub cancelled", "b fired", "out completed")
		if h := e.instance(stop.ID).History; !strings.Contains(trail(e.instance(stop.ID)), "raise completed") || len(h) == 0 {
			t.Fatal("the escalation end event is not in the history")
		}
	})
}

// TestEventSubProcesses: a timer event sub-process of the process interrupts the main flow
// and runs instead; a message one that does not interrupt runs beside it, as often as the
// message comes; the instance completes once both are done.
func TestEventSubProcesses(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		mainFlow := `<bpmn:userTask id="main"/><bpmn:endEvent id="done"/>` + chain("start", "main", "done")
		handler := `<bpmn:userTask id="handle"/><bpmn:endEvent id="handled"/>` + chain("ev_start", "handle", "handled")
		e.deploy("timer-ev", diagram(mainFlow+eventSub("ev", hourTimer, true, handler)))
		inst := e.start("timer-ev", nil, "")
		e.clock.Advance(time.Hour + time.Second)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		if got := active(e.instance(inst.ID)); got != "ev:scope handle:task" {
			t.Fatalf("after the timer: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "handle", nil)
		e.wantEnded(inst.ID, "main cancelled", "ev_start fired", "handle completed", "handled completed", "ev completed")

		// A main flow that ends first stops the listening.
		quick := e.start("timer-ev", nil, "")
		e.completeTaskAt(e.admin, quick.ID, "main", nil)
		e.wantEnded(quick.ID, "main completed", "done completed")
		if n := e.waitsLeft(quick.ID); n != 0 {
			t.Fatalf("%d waits left", n)
		}

		msgStart := `<bpmn:messageEventDefinition messageRef="msg_note"/>`
		note := `<bpmn:userTask id="handle"/><bpmn:endEvent id="handled"/>` + chain("ev_start", "handle", "handled")
		e.deploy("msg-ev", withMessages(diagram(mainFlow+eventSub("ev", msgStart, false, note)), "note"), variable("ticket", "string"))
		m := e.start("msg-ev", ticket("N-1"), "")
		for range 2 {
			if res := e.publish(Message{Name: "note", CorrelationKey: "N-1"}); res.Delivered != 1 {
				t.Fatalf("delivered %d", res.Delivered)
			}
		}
		if got := active(e.instance(m.ID)); got != "ev:scope ev:scope handle:task handle:task main:task" {
			t.Fatalf("after two notes: %q", got)
		}
		e.completeTaskAt(e.admin, m.ID, "main", nil)
		e.completeTaskAt(e.admin, m.ID, "handle", nil)
		e.completeTaskAt(e.admin, m.ID, "handle", nil)
		e.wantEnded(m.ID, "ev_start fired", "main completed", "ev completed", "ev completed")
		if n := e.waitsLeft(m.ID); n != 0 {
			t.Fatalf("%d waits left", n)
		}
	})
}

// TestErrorEventSubProcessFirst: an error thrown in a sub-process is caught by the error event
// sub-process of that sub-process before the error boundary on its border; when the event
// sub-process is done, the sub-process completes and the token leaves by its normal way.
func TestErrorEventSubProcessFirst(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		fix := `<bpmn:userTask id="fix"/><bpmn:endEvent id="fixed"/>` + chain("onErr_start", "fix", "fixed")
		inner := `<bpmn:endEvent id="boom">` + declinedEnd + `</bpmn:endEvent>` + chain("sub_start", "boom") + eventSub("onErr", declinedEnd, true, fix)
		e.deploy("first", withDefs(aroundSub(inner, boundaryOnSub(declinedEnd)), errDefs))
		inst := e.start("first", nil, "")
		if got := active(inst); got != "fix:task onErr:scope sub:scope" {
			t.Fatalf("after start: %q\n%s", got, trail(e.instance(inst.ID)))
		}
		e.completeTaskAt(e.admin, inst.ID, "fix", nil)
		e.wantEnded(inst.ID, "boom cancelled", "onErr_start fired", "fix completed", "onErr completed", "sub completed", "done completed")
		if strings.Contains(trail(e.instance(inst.ID)), "b fired") {
			t.Fatal("the boundary caught the error as well")
		}
	})
}

// TestCorpusErrorEventSubProcess runs MANIFEST #21 as its authors meant: a worker's error
// error1 goes to error1-handler, any other code to all-error-handler, success to end-success.
func TestCorpusErrorEventSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("c21", corpusFile(t, "event-subprocess-error.bpmn"))
		for code, handler := range map[string]string{"error1": "error1-handler", "other": "all-error-handler"} {
			inst := e.start("c21", nil, "")
			if got := active(inst); got != "error-task:job" {
				t.Fatalf("after start: %q", got)
			}
			if err := e.svc.ThrowJobError(e.admin, e.jobAt(inst.ID), JobError{Code: code}); err != nil {
				t.Fatal(err)
			}
			if got := active(e.instance(inst.ID)); !strings.Contains(got, handler+":job") || strings.Contains(got, "error-task") {
				t.Fatalf("%s: %q", code, got)
			}
			e.completeJobAt(inst.ID, handler)
			e.wantEnded(inst.ID, "error-task cancelled", handler+" completed")
		}
		ok := e.start("c21", nil, "")
		e.completeJobAt(ok.ID, "error-task")
		e.wantEnded(ok.ID, "error-task completed", "end-success completed")
	})
}

// TestSubProcessTimerRacesLastTask fires a sub-process's boundary timer while its last inner
// task is being completed: each instance leaves by exactly one of the two ways.
func TestSubProcessTimerRacesLastTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("race", aroundSub(userIn+chain("sub_start", "inner", "sub_end"), boundaryOnSub(hourTimer)))
		e.raceTimerAndTask("race", "b fired", "sub completed")
	})
}

// TestEventSubProcessTimerRacesLastTask: the timer of an interrupting event sub-process fires
// while the process's last task is completed; each instance ends one way only.
func TestEventSubProcessTimerRacesLastTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:userTask id="inner"/><bpmn:endEvent id="done"/>` + chain("start", "inner", "done") +
			eventSub("ev", hourTimer, true, `<bpmn:endEvent id="late"/>`+chain("ev_start", "late"))
		e.deploy("race-ev", diagram(body))
		e.raceTimerAndTask("race-ev", "ev_start fired", "done completed")
	})
}

// raceTimerAndTask starts instances of code, each waiting at the user task "inner" with a
// one-hour timer armed, then completes the tasks while the timers fire. Each instance must
// end having taken exactly one of the two ways, seen in its history as timerStep or taskStep.
func (e *env) raceTimerAndTask(code, timerStep, taskStep string) {
	t := e.t
	const n = 6
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.start(code, nil, "").ID
	}
	e.clock.Advance(time.Hour + time.Second)
	var wg sync.WaitGroup
	wg.Add(n + 1)
	go func() {
		defer wg.Done()
		_, _ = e.svc.RunDueJobs(context.Background())
	}()
	for _, id := range ids {
		task := e.instance(id).Tasks[0].ID
		go func() {
			defer wg.Done()
			// Losing the race is a conflict: the task was cancelled by the timer.
			if _, err := e.svc.CompleteTask(e.admin, task, nil); err != nil && !errs.Is(err, errs.Conflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.runJobs()
	for _, id := range ids {
		inst := e.instance(id)
		h := trail(inst)
		timer, task := strings.Contains(h, timerStep), strings.Contains(h, taskStep)
		if inst.State != StateCompleted || timer == task {
			t.Fatalf("instance %s: state %s, history %s", id, inst.State, h)
		}
		if left := e.waitsLeft(id); left != 0 {
			t.Fatalf("instance %s: %d waits left", id, left)
		}
	}
}

// TestRefundScopes runs testdata/refund-scopes.bpmn: a refund handled in a sub-process, where
// the customer may ask how it goes at any time (a non-interrupting message event sub-process),
// a refusal calls the manager in (an escalation the sub-process's border notes without
// stopping), a closed card ends the sub-process by an error boundary, and three days end it by
// a timer.
func TestRefundScopes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/refund-scopes.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		e.deploy("refund", string(data), variable("ticket", "string"), variable("approved", "boolean"))

		paid := e.start("refund", ticket("R-1"), "")
		if res := e.publish(Message{Name: "customer_asked", CorrelationKey: "R-1"}); res.Delivered != 1 {
			t.Fatalf("delivered %d", res.Delivered)
		}
		e.completeTaskAt(e.admin, paid.ID, "Task_Check", map[string]string{"approved": "true"})
		e.completeJobAt(paid.ID, "Task_Pay")
		if got := active(e.instance(paid.ID)); got != "Event_Asked:scope Sub_Refund:scope Task_Answer:task" {
			t.Fatalf("paid, question open: %q", got)
		}
		e.completeTaskAt(e.admin, paid.ID, "Task_Answer", nil)
		e.wantEnded(paid.ID, "Start_Asked fired", "Task_Pay completed", "Task_Answer completed", "Event_Asked completed", "Sub_Refund completed", "End_Refunded completed")

		refused := e.start("refund", ticket("R-2"), "")
		e.completeTaskAt(e.admin, refused.ID, "Task_Check", map[string]string{"approved": "false"})
		if got := active(e.instance(refused.ID)); got != "Sub_Refund:scope Task_Manager:task" {
			t.Fatalf("refused: %q", got)
		}
		e.completeTaskAt(e.admin, refused.ID, "Task_Manager", nil)
		e.wantEnded(refused.ID, "Throw_Manager completed", "Boundary_Manager fired", "Task_LogManager completed", "End_Logged completed", "Sub_Refund completed")

		closed := e.start("refund", ticket("R-3"), "")
		e.completeTaskAt(e.admin, closed.ID, "Task_Check", map[string]string{"approved": "true"})
		if err := e.svc.ThrowJobError(e.admin, e.jobAt(closed.ID), JobError{Code: "card_closed"}); err != nil {
			t.Fatal(err)
		}
		if got := active(e.instance(closed.ID)); got != "Task_Voucher:task" {
			t.Fatalf("card closed: %q", got)
		}
		if res := e.publish(Message{Name: "customer_asked", CorrelationKey: "R-3"}); res.Delivered != 0 {
			t.Fatal("the cancelled sub-process still listens")
		}

		late := e.start("refund", ticket("R-4"), "")
		e.fireOneTimer(72*time.Hour+time.Second, late.ID, "Task_Apologise:task")
		if task := taskAt(e.instance(late.ID), "Task_Check"); task.State != TaskCancelled {
			t.Fatalf("the check is %s", task.State)
		}
	})
}

// TestEscalationEventSubProcess: an escalation thrown in a sub-process is caught by an
// escalation event sub-process of that sub-process; a non-interrupting one runs beside, and the
// thrower goes on.
func TestEscalationEventSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		throw := `<bpmn:intermediateThrowEvent id="raise">` + lateEsc + `</bpmn:intermediateThrowEvent>` + userIn + chain("sub_start", "raise", "inner", "sub_end")
		tell := `<bpmn:userTask id="tell"/><bpmn:endEvent id="told"/>` + chain("onLate_start", "tell", "told")
		e.deploy("esc-ev", withDefs(aroundSub(throw+eventSub("onLate", lateEsc, false, tell), ""), errDefs))
		inst := e.start("esc-ev", nil, "")
		if got := active(inst); got != "inner:task onLate:scope sub:scope tell:task" {
			t.Fatalf("after start: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "inner", nil)
		if got := active(e.instance(inst.ID)); got != "onLate:scope sub:scope tell:task" {
			t.Fatalf("the sub-process must wait for its event sub-process: %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "tell", nil)
		e.wantEnded(inst.ID, "onLate_start fired", "sub completed", "done completed")
	})
}

// TestEventSubProcessTimerCycle: a non-interrupting timer start with a cycle starts its event
// sub-process at each period, up to its count, while the main flow runs.
func TestEventSubProcessTimerCycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cycle := `<bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>`
		mainFlow := `<bpmn:userTask id="main"/><bpmn:endEvent id="done"/>` + chain("start", "main", "done")
		e.deploy("cycle", diagram(mainFlow+eventSub("ev", cycle, false, `<bpmn:endEvent id="pinged"/>`+chain("ev_start", "pinged"))))
		inst := e.start("cycle", nil, "")
		for range 3 {
			e.clock.Advance(time.Hour + time.Second)
			e.runJobs()
		}
		got := e.instance(inst.ID)
		if n := strings.Count(trail(got), "ev_start fired"); n != 2 || active(got) != "main:task" {
			t.Fatalf("fired %d times, active %q", n, active(got))
		}
		if n := e.waitsLeft(inst.ID); n != 0 {
			t.Fatalf("%d waits left after the last firing", n)
		}
	})
}

// TestKeptMessageStartsEventSubProcess: a message published with a ttl before its instance
// listens starts the event sub-process as soon as its scope begins: a non-interrupting one
// beside the main flow, an interrupting one instead of it.
func TestKeptMessageStartsEventSubProcess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		msgStart := `<bpmn:messageEventDefinition messageRef="msg_note"/>`
		mainFlow := `<bpmn:userTask id="main"/><bpmn:endEvent id="done"/>` + chain("start", "main", "done")
		note := `<bpmn:userTask id="handle"/><bpmn:endEvent id="handled"/>` + chain("ev_start", "handle", "handled")
		for _, interrupting := range []bool{false, true} {
			code, key, want := "beside", "K-1", "ev:scope handle:task main:task"
			if interrupting {
				code, key, want = "instead", "K-2", "ev:scope handle:task"
			}
			e.deploy(code, withMessages(diagram(mainFlow+eventSub("ev", msgStart, interrupting, note)), "note"), variable("ticket", "string"))
			if res := e.publish(Message{Name: "note", CorrelationKey: key, TTL: "PT1H"}); !res.Buffered {
				t.Fatalf("not kept: %+v", res)
			}
			inst := e.start(code, ticket(key), "")
			if got := active(inst); got != want {
				t.Fatalf("%s: %q, want %q\n%s", code, got, want, trail(e.instance(inst.ID)))
			}
		}
	})
}
