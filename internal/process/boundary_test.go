package process

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// onTask draws a host activity with one boundary event (its definition given) leading to the
// end event "out", and the host's normal way on to "done".
func onTask(host, boundary string) string {
	return host + `<bpmn:boundaryEvent id="b" attachedToRef="host">` + boundary + `</bpmn:boundaryEvent>
		<bpmn:endEvent id="done"/><bpmn:endEvent id="out"/>` + chain("start", "host", "done") + chain("b", "out")
}

const (
	userHost     = `<bpmn:userTask id="host"/>`
	externalHost = `<bpmn:serviceTask id="host"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask>`
	cancelMsg    = `<bpmn:messageEventDefinition messageRef="msg_cancel"/>`
	hourTimer    = `<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>`
)

func ticket(s string) map[string]value.Value {
	return map[string]value.Value{"ticket": v(typ("string"), `"`+s+`"`)}
}

// jobAt returns the id of the waiting outside job of an instance, or "".
func (e *env) jobAt(instanceID string) string {
	e.t.Helper()
	var id string
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT id FROM process_jobs WHERE instance_id = ? AND state = ?", instanceID, waits.JobWaiting).Scan(&id)
	})
	if err != nil && !errs.Is(err, errs.NotFound) {
		e.t.Fatal(err)
	}
	return id
}

func TestMessageBoundary(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		vars := []Variable{variable("ticket", "string"), variable("reason", "string")}
		e.deploy("on-user", withMessages(diagram(onTask(userHost, cancelMsg)), "cancel"), vars...)
		e.deploy("on-job", withMessages(diagram(onTask(externalHost, cancelMsg)), "cancel"), vars...)

		t.Run("a message interrupts a user task", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("on-user", ticket("U-1"), "")
			if got := active(inst); got != "host:task" {
				t.Fatalf("after start: %q", got)
			}
			if res := e.publish(Message{Name: "cancel", CorrelationKey: "U-1"}); res.Delivered != 1 {
				t.Fatalf("delivered %d", res.Delivered)
			}
			e.wantEnded(inst.ID, "host cancelled", "b completed", "out completed")
			if full := e.instance(inst.ID); len(full.Tasks) != 1 || full.Tasks[0].State != TaskCancelled {
				t.Fatalf("tasks %+v", full.Tasks)
			}
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%d waits left", n)
			}
		})

		t.Run("a completed task no longer listens", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("on-user", ticket("U-2"), "")
			e.completeTaskAt(e.admin, inst.ID, "host", nil)
			e.wantEnded(inst.ID, "host completed", "done completed")
			if res := e.publish(Message{Name: "cancel", CorrelationKey: "U-2"}); res.Delivered != 0 {
				t.Fatalf("a finished task's boundary took the message: %+v", res)
			}
		})

		t.Run("a message interrupts an outside worker's job", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("on-job", ticket("J-1"), "")
			job := e.jobAt(inst.ID)
			if job == "" {
				t.Fatal("no job")
			}
			e.publish(Message{Name: "cancel", CorrelationKey: "J-1"})
			e.wantEnded(inst.ID, "host cancelled", "b completed", "out completed")
			if err := e.svc.CompleteJob(e.admin, job, JobCompletion{}); !errs.Is(err, errs.NotFound) {
				t.Fatalf("completing the interrupted job: %v", err)
			}
		})
	})
}

// TestTimersOnEveryWait puts an interrupting one-hour timer on each kind of wait an activity
// can have: a person's task, an outside worker's job and a receive task's message; and a
// customer's message on a task's boundary.
func TestTimersOnEveryWait(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("timer-job", diagram(onTask(externalHost, hourTimer)))
		e.deploy("timer-user", diagram(onTask(userHost, hourTimer)))

		for _, code := range []string{"timer-job", "timer-user"} {
			inst := e.start(code, nil, "")
			e.clock.Advance(time.Hour + time.Second)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("%s: ran %d jobs", code, n)
			}
			e.wantEnded(inst.ID, "host cancelled", "b fired", "out completed")
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%s: %d waits left", code, n)
			}
		}

		// A receive task waits for a named message, and its timer wins if the message is late.
		receive := `<bpmn:receiveTask id="host" messageRef="msg_paid"><bpmn:extensionElements><parley:message variable="reason"/></bpmn:extensionElements></bpmn:receiveTask>`
		e.deploy("receive", withMessages(diagram(onTask(receive, hourTimer)), "paid"), variable("ticket", "string"), variable("reason", "string"))
		paid := e.start("receive", ticket("P-1"), "")
		late := e.start("receive", ticket("P-2"), "")
		if got := active(paid); got != "host:message" {
			t.Fatalf("receive task: %q", got)
		}
		if res := e.publish(Message{Name: "paid", CorrelationKey: "P-1", Text: "by card"}); res.Delivered != 1 {
			t.Fatalf("delivered %d", res.Delivered)
		}
		e.wantEnded(paid.ID, "host completed", "done completed")
		if got := e.instance(paid.ID).Variables["reason"].String(); got != "by card" {
			t.Fatalf("reason = %q", got)
		}
		e.fireOneTimer(time.Hour+time.Second, late.ID, "")
		e.wantEnded(late.ID, "host cancelled", "b fired", "out completed")
		if res := e.publish(Message{Name: "paid", CorrelationKey: "P-2"}); res.Delivered != 0 {
			t.Fatalf("the interrupted receive task took the message: %+v", res)
		}

		// A session message on the boundary of a user task: the customer's reply ends the wait.
		e.deploy("reply-or-task", diagram(onTask(userHost, `<bpmn:messageEventDefinition/>`)))
		inst := e.start("reply-or-task", nil, "ses_r")
		e.deliver("ses_r", 1, "never mind")
		e.wantEnded(inst.ID, "host cancelled", "b completed", "out completed")
	})
}

// TestBoundaryCycleWithPastStartDate: a reminder cycle whose start date has passed fires
// neither at once nor a period after the task starts, but at the next time on the start's grid
// (here half past each hour), then each period after, up to the count.
func TestBoundaryCycleWithPastStartDate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("remind", diagram(`<bpmn:userTask id="host"/><bpmn:boundaryEvent id="b" attachedToRef="host" cancelActivity="false">
			<bpmn:timerEventDefinition><bpmn:timeCycle>R2/2025-12-01T00:30:00Z/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
			<bpmn:userTask id="remind"/><bpmn:endEvent id="done"/><bpmn:endEvent id="reminded"/>`+chain("start", "host", "done")+chain("b", "remind", "reminded")))
		inst := e.start("remind", nil, "")
		for i, step := range []struct {
			advance time.Duration
			jobs    int
		}{{29 * time.Minute, 0}, {time.Minute, 1}, {59 * time.Minute, 0}, {time.Minute, 1}, {time.Hour, 0}} {
			e.clock.Advance(step.advance)
			if n := e.runJobs(); n != step.jobs {
				t.Fatalf("step %d: ran %d jobs, want %d", i, n, step.jobs)
			}
		}
		if got := e.instance(inst.ID); strings.Count(active(got), "remind:task") != 2 || !strings.Contains(active(got), "host:task") {
			t.Fatalf("active %q", active(got))
		}
	})
}

// TestNonInterruptingBoundaries: a reminder cycle and a message beside a person's task each
// start a branch of their own while the task keeps waiting; once the task is done, neither
// fires again.
func TestNonInterruptingBoundaries(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		count := `<bpmn:scriptTask id="count"><bpmn:extensionElements><parley:script><parley:assign variable="n" expression="n + 1"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>`
		draw := func(def string) string {
			return diagram(`<bpmn:userTask id="host"/><bpmn:boundaryEvent id="b" attachedToRef="host" cancelActivity="false">` + def + `</bpmn:boundaryEvent>` +
				count + `<bpmn:endEvent id="done"/><bpmn:endEvent id="counted"/>` + chain("start", "host", "done") + chain("b", "count", "counted"))
		}
		vars := []Variable{variable("ticket", "string"), variable("n", "integer"), variable("reason", "string")}
		e.deploy("remind", draw(`<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>`), vars...)
		zero := map[string]value.Value{"n": v(typ("integer"), "0"), "ticket": v(typ("string"), `"N-1"`)}

		inst := e.start("remind", zero, "")
		for i := 1; i <= 3; i++ {
			e.clock.Advance(time.Hour + time.Second)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("hour %d: ran %d jobs", i, n)
			}
			got := e.instance(inst.ID)
			if active(got) != "host:task" || got.Variables["n"].String() != itoa(i) {
				t.Fatalf("hour %d: active %q, n=%s", i, active(got), got.Variables["n"].String())
			}
		}
		e.clock.Advance(time.Hour + time.Second)
		if n := e.runJobs(); n != 0 {
			t.Fatalf("R3 fired a fourth time (%d jobs)", n)
		}
		e.completeTaskAt(e.admin, inst.ID, "host", nil)
		e.wantEnded(inst.ID, "b fired", "count completed", "counted completed", "host completed", "done completed")

		early := e.start("remind", zero, "")
		e.completeTaskAt(e.admin, early.ID, "host", nil)
		e.clock.Advance(2 * time.Hour)
		if n := e.runJobs(); n != 0 {
			t.Fatalf("the cycle of a finished task fired (%d jobs)", n)
		}
		e.wantEnded(early.ID, "host completed", "done completed")

		e.deploy("note", withMessages(draw(cancelMsg), "cancel"), vars...)
		noted := e.start("note", zero, "")
		for i := 1; i <= 2; i++ {
			if res := e.publish(Message{Name: "cancel", CorrelationKey: "N-1"}); res.Delivered != 1 {
				t.Fatalf("message %d: delivered %d", i, res.Delivered)
			}
		}
		if got := e.instance(noted.ID); active(got) != "host:task" || got.Variables["n"].String() != "2" {
			t.Fatalf("after two messages: active %q, n=%s", active(got), got.Variables["n"].String())
		}
		e.completeTaskAt(e.admin, noted.ID, "host", nil)
		e.wantEnded(noted.ID, "b completed", "count completed", "host completed")
		if res := e.publish(Message{Name: "cancel", CorrelationKey: "N-1"}); res.Delivered != 0 {
			t.Fatalf("a finished task still listens: %+v", res)
		}
	})
}

// TestBoundaryTakesKeptMessage: a message published with a ttl before its task starts is
// taken by the task's message boundary as the task starts. Interrupting, the task is never
// opened; non-interrupting, it opens and a branch runs beside it.
func TestBoundaryTakesKeptMessage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		vars := []Variable{variable("ticket", "string"), variable("reason", "string")}
		e.deploy("on-user", withMessages(diagram(onTask(userHost, cancelMsg)), "cancel"), vars...)
		e.deploy("beside", strings.Replace(withMessages(diagram(onTask(userHost, cancelMsg)), "cancel"),
			`<bpmn:boundaryEvent id="b"`, `<bpmn:boundaryEvent id="b" cancelActivity="false"`, 1), vars...)

		if res := e.publish(Message{Name: "cancel", CorrelationKey: "K-1", TTL: "PT1H", Text: "changed my mind"}); !res.Buffered {
			t.Fatalf("not kept: %+v", res)
		}
		inst := e.start("on-user", ticket("K-1"), "")
		e.wantEnded(inst.ID, "host cancelled", "b completed", "out completed")
		if full := e.instance(inst.ID); len(full.Tasks) != 0 {
			t.Fatalf("the interrupted task was opened: %+v", full.Tasks)
		}

		e.publish(Message{Name: "cancel", CorrelationKey: "K-2", TTL: "PT1H"})
		side := e.start("beside", ticket("K-2"), "")
		if got := active(side); got != "host:task" {
			t.Fatalf("non-interrupting: %q", got)
		}
		e.wantSteps(e.instance(side.ID), "b completed", "out completed")
		e.completeTaskAt(e.admin, side.ID, "host", nil)
		e.wantEnded(side.ID, "host completed", "done completed")
	})
}

// TestBoundaryRace lets a task's message boundary and its timer boundary fire at the same
// moment, many times: each instance leaves by exactly one of them.
func TestBoundaryRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		xml := withMessages(diagram(`<bpmn:userTask id="host"/>
			<bpmn:boundaryEvent id="m" attachedToRef="host">`+cancelMsg+`</bpmn:boundaryEvent>
			<bpmn:boundaryEvent id="late" attachedToRef="host">`+hourTimer+`</bpmn:boundaryEvent>
			<bpmn:endEvent id="done"/><bpmn:endEvent id="byMessage"/><bpmn:endEvent id="byTimer"/>`+
			chain("start", "host", "done")+chain("m", "byMessage")+chain("late", "byTimer")), "cancel")
		e.deploy("race", xml, variable("ticket", "string"))
		ids, keys := e.startRacers("race", "B", 8)
		e.clock.Advance(2 * time.Hour)
		e.raceTimersAndMessages("cancel", keys)
		for _, id := range ids {
			inst := e.instance(id)
			h := trail(inst)
			ends := strings.Count(h, "byMessage completed") + strings.Count(h, "byTimer completed")
			if inst.State != StateCompleted || ends != 1 || strings.Count(h, "host cancelled") != 1 {
				t.Fatalf("instance %s: state %s, history %s", id, inst.State, h)
			}
			if left := e.waitsLeft(id); left != 0 {
				t.Fatalf("instance %s: %d waits left", id, left)
			}
		}
	})
}

// startRacers starts n instances of a process that waits for a message keyed by its ticket,
// with the tickets prefix-0 … prefix-(n-1), for the race tests.
func (e *env) startRacers(code, prefix string, n int) (ids, keys []string) {
	ids, keys = make([]string, n), make([]string, n)
	for i := range ids {
		keys[i] = prefix + "-" + itoa(i)
		ids[i] = e.start(code, ticket(keys[i]), "").ID
	}
	return ids, keys
}
