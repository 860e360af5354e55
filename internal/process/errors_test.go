package process

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/value"
)

// deployPayment deploys testdata/payment-errors.bpmn: a card charge by an outside worker with
// an error boundary for card_declined, a catch-all one leading to an error end event.
func deployPayment(e *env) {
	e.t.Helper()
	data, err := os.ReadFile("testdata/payment-errors.bpmn")
	if err != nil {
		e.t.Fatal(err)
	}
	e.deploy("payment", string(data), variable("reason", "string"))
}

// waitingJob returns the id of the outside worker's job of an instance, as a worker lists it.
func (e *env) waitingJob(instanceID string) string {
	e.t.Helper()
	list, err := e.svc.Jobs(e.admin, "payment.charge", pageAll)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range list.Items {
		if j.InstanceID == instanceID {
			return j.ID
		}
	}
	return ""
}

func (e *env) onlyIncident(instanceID string) *Incident {
	e.t.Helper()
	list, err := e.svc.Incidents(e.admin, pageAll)
	if err != nil {
		e.t.Fatal(err)
	}
	var found []*Incident
	for _, in := range list.Items {
		if in.InstanceID == instanceID {
			found = append(found, in)
		}
	}
	if len(found) != 1 || e.instance(instanceID).State != StateIncident {
		e.t.Fatalf("incidents of %s: %+v; want one\n%s", instanceID, found, trail(e.instance(instanceID)))
	}
	return found[0]
}

// TestErrorCaughtByCode: a worker's error with the code of a boundary event takes that
// boundary, cancels the job and sets the worker's variables.
func TestErrorCaughtByCode(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		deployPayment(e)
		inst := e.start("payment", nil, "")
		job := e.waitingJob(inst.ID)
		err := e.svc.ThrowJobError(e.admin, job, JobError{Code: "card_declined", Message: "expired card",
			Variables: map[string]json.RawMessage{"reason": json.RawMessage(`"expired"`)}})
		if err != nil {
			t.Fatal(err)
		}
		e.wantEnded(inst.ID, "Task_Charge cancelled", "Boundary_Declined fired", "Task_AskOtherCard completed", "End_Declined completed")
		if got := e.instance(inst.ID).Variables["reason"].String(); got != "expired" {
			t.Fatalf("reason = %q", got)
		}
		if e.waitingJob(inst.ID) != "" {
			t.Fatal("the job is still offered after its error")
		}
		if err := e.svc.CompleteJob(e.admin, job, JobCompletion{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("completing a job after its error: %v", err)
		}
	})
}

// TestErrorCatchAllThenUncaught: an error no code matches goes to the catch-all boundary; its
// error end event throws an error nothing catches, which becomes an incident saying so.
func TestErrorCatchAllThenUncaught(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		deployPayment(e)
		inst := e.start("payment", nil, "")
		if err := e.svc.ThrowJobError(e.admin, e.waitingJob(inst.ID), JobError{Code: "gateway_down"}); err != nil {
			t.Fatal(err)
		}
		in := e.onlyIncident(inst.ID)
		want := `end event 'Payment failed' (End_Failed): it threw error "payment_failed" (Payment failed), and no error boundary event catches it`
		if in.Element != "End_Failed" || in.Error != want {
			t.Fatalf("incident at %s: %q\nwant %q", in.Element, in.Error, want)
		}
		e.wantSteps(e.instance(inst.ID), "Task_Charge cancelled", "Boundary_Any fired", "End_Failed failed")
	})
}

// TestErrorFromWorkerIsChecked: a worker's error needs a code, and undeclared variables are
// refused whole: the job stays.
func TestErrorFromWorkerIsChecked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		deployPayment(e)
		inst := e.start("payment", nil, "")
		job := e.waitingJob(inst.ID)
		if err := e.svc.ThrowJobError(e.admin, job, JobError{Code: " "}); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "code") {
			t.Fatalf("no code: %v", err)
		}
		err := e.svc.ThrowJobError(e.admin, job, JobError{Code: "card_declined", Variables: map[string]json.RawMessage{"nope": json.RawMessage(`1`)}})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("undeclared variable: %v", err)
		}
		if e.waitingJob(inst.ID) != job || active(e.instance(inst.ID)) != "Task_Charge:job" {
			t.Fatalf("a refused error changed the instance: %s", active(e.instance(inst.ID)))
		}
		if err := e.svc.ThrowJobError(e.admin, "job_nothing", JobError{Code: "x"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown job: %v", err)
		}
	})
}

// TestJobFailRetriesWithBackoffThenIncident: a failure with retries hides the job for its
// backoff; with none left it becomes an incident quoting the worker, and a retry offers a new
// job.
func TestJobFailRetriesWithBackoffThenIncident(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		deployPayment(e)
		inst := e.start("payment", nil, "")
		job := e.waitingJob(inst.ID)
		one, zero := 1, 0
		for _, bad := range []JobFailure{{Error: "x"}, {Retries: &one, RetryBackoff: "soon"}} {
			if err := e.svc.FailJob(e.admin, job, bad); !errs.Is(err, errs.Invalid) {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if err := e.svc.FailJob(e.admin, job, JobFailure{Error: "bank timeout", Retries: &one, RetryBackoff: "PT1M"}); err != nil {
			t.Fatal(err)
		}
		if got := e.waitingJob(inst.ID); got != "" {
			t.Fatal("the job is offered again before its backoff")
		}
		e.clock.Advance(time.Minute)
		if got := e.waitingJob(inst.ID); got != job {
			t.Fatalf("after the backoff the job is %q, want %q", got, job)
		}
		if err := e.svc.FailJob(e.admin, job, JobFailure{Error: "bank still down", Retries: &zero}); err != nil {
			t.Fatal(err)
		}
		in := e.onlyIncident(inst.ID)
		if want := "service task 'Charge card' (Task_Charge): the worker failed with no retries left: bank still down"; in.Error != want {
			t.Fatalf("incident %q\nwant %q", in.Error, want)
		}
		e.wantSteps(e.instance(inst.ID), "Task_Charge retrying", "Task_Charge failed")
		if _, err := e.svc.RetryIncident(e.admin, in.ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		next := e.waitingJob(inst.ID)
		if next == "" || next == job {
			t.Fatalf("after the retry the job is %q", next)
		}
		if err := e.svc.CompleteJob(e.admin, next, JobCompletion{}); err != nil {
			t.Fatal(err)
		}
		e.wantEnded(inst.ID, "Task_Charge completed", "End_Paid completed")
	})
}

// TestHTTPStatusThrowsError: an http task maps a 5xx answer to an error code, which its boundary
// event catches at once, without retries; a status with no mapping is still retried.
func TestHTTPStatusThrowsError(t *testing.T) {
	each(t, func(t *testing.T, _ *env) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("status") == "409" {
				http.Error(w, "conflict", http.StatusConflict)
				return
			}
			http.Error(w, "down", http.StatusInternalServerError)
		}))
		defer srv.Close()
		e := newEnv(t, dialectOf(t), Options{AllowPrivateNetworks: true, RetryBackoff: time.Second})
		model := diagram(fmt.Sprintf(`<bpmn:serviceTask id="call"><bpmn:extensionElements><parley:task type="http" retries="2">
			<parley:input name="url" value="%s/?status={{ status }}"/><parley:input name="error.5xx" value="crm_down"/>
			</parley:task></bpmn:extensionElements></bpmn:serviceTask>
			<bpmn:boundaryEvent id="down" attachedToRef="call"><bpmn:errorEventDefinition errorRef="E"/></bpmn:boundaryEvent>
			<bpmn:endEvent id="end"/><bpmn:endEvent id="later"/>`, srv.URL) + chain("start", "call", "end") + chain("down", "later"))
		// The error is defined outside the process, as modelers write it.
		model = strings.Replace(model, `<bpmn:process id="P"`, `<bpmn:error id="E" errorCode="crm_down"/><bpmn:process id="P"`, 1)
		e.deploy("call", model, variable("status", "string"))
		down := e.start("call", map[string]value.Value{"status": v(typ("string"), `"500"`)}, "")
		e.runJobs()
		e.wantEnded(down.ID, "call cancelled", "down fired", "later completed")
		if h := trail(e.instance(down.ID)); strings.Contains(h, "retrying") {
			t.Fatalf("a mapped status was retried: %s", h)
		}
		other := e.start("call", map[string]value.Value{"status": v(typ("string"), `"409"`)}, "")
		e.runJobs()
		e.wantSteps(e.instance(other.ID), "call retrying")
	})
}

// TestEscalationsNothingCatches: with no scope to catch them, an intermediate escalation is
// recorded and the token goes on, and an escalation end event ends the token; no incident.
func TestEscalationsNothingCatches(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/late-order-escalation.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		e.deploy("late", string(data))
		inst := e.start("late", nil, "")
		e.wantEnded(inst.ID, "Throw_Late completed", "Task_Apologise completed", "End_Lost completed")
		var details []string
		for _, h := range e.instance(inst.ID).History {
			if h.Element == "Throw_Late" || h.Element == "End_Lost" {
				details = append(details, h.Detail)
			}
		}
		want := `escalation "order_late" raised; nothing catches it here|escalation "order_lost" raised; nothing catches it here`
		if got := strings.Join(details, "|"); got != want {
			t.Fatalf("history details %q", got)
		}
	})
}

// TestUncaughtWorkerErrorKeepsTimers: a worker's error on a task with no error boundary is an
// incident naming the error and the task, and the task's boundary timer still interrupts it.
func TestUncaughtWorkerErrorKeepsTimers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("sync", diagram(`<bpmn:serviceTask id="sync" name="Sync CRM"><bpmn:extensionElements><parley:task type="payment.charge"/></bpmn:extensionElements></bpmn:serviceTask>
			<bpmn:boundaryEvent id="late" attachedToRef="sync"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
			<bpmn:endEvent id="end"/><bpmn:endEvent id="gaveUp"/>`+chain("start", "sync", "end")+chain("late", "gaveUp")))
		inst := e.start("sync", nil, "")
		if err := e.svc.ThrowJobError(e.admin, e.waitingJob(inst.ID), JobError{Code: "crm_down", Message: "the CRM is down"}); err != nil {
			t.Fatal(err)
		}
		in := e.onlyIncident(inst.ID)
		if want := `service task 'Sync CRM' (sync): it threw error "crm_down" (the CRM is down), and no error boundary event catches it`; in.Error != want {
			t.Fatalf("incident %q\nwant %q", in.Error, want)
		}
		e.clock.Advance(time.Hour)
		e.runJobs()
		e.wantEnded(inst.ID, "sync failed", "sync cancelled", "late fired", "gaveUp completed")
	})
}
