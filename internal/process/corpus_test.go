package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/process/bpmntest"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// corpusRun is MANIFEST.md's expected behaviour of one accepted corpus file: the variables it
// needs, the users and groups it names, and where an instance started with the inputs waits.
type corpusRun struct {
	file   string
	vars   []Variable
	users  map[string][]string // login -> groups
	inputs map[string]value.Value
	active string // "element:wait ..." after the start transaction
	state  string
}

var price = []Variable{variable("price", "number")}

var corpusRuns = []corpusRun{
	{file: "start-end-none.bpmn", state: StateCompleted},
	{file: "service-task-single.bpmn", active: "Activity_1yyow37:job"},
	{file: "service-tasks-two-steps.bpmn", active: "id-step1:job"},
	// With no inputs price is unset: in FEEL price >= 0 is then null, and a null condition is
	// false, so the instance takes the default flow and never reaches task-a or task-b.
	{file: "exclusive-gateway-feel-default.bpmn", vars: price, active: "task-default:job"},
	{file: "exclusive-gateway-feel-default.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "5")}, active: "task-a:job"},
	{file: "exclusive-gateway-feel-default.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "0")}, active: "task-a:job"},
	{file: "exclusive-gateway-feel-default.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "-1")}, active: "task-default:job"},
	{file: "exclusive-gateway-juel-no-default.bpmn", vars: []Variable{variable("input", "integer")}, active: "exclusiveGw:incident", state: StateIncident},
	{file: "exclusive-gateway-juel-no-default.bpmn", vars: []Variable{variable("input", "integer")},
		inputs: map[string]value.Value{"input": v(typ("integer"), "2")}, active: "theTask2:task"},
	// MANIFEST #7: the inclusive gateway takes every true condition; with none true and no
	// default (price unset, or 0) it stops with an incident.
	{file: "inclusive-gateway-plain-conditions.bpmn", vars: price, active: "Gateway_01wr5g0:incident", state: StateIncident},
	{file: "inclusive-gateway-plain-conditions.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "5")}, active: "task-a:job"},
	{file: "inclusive-gateway-plain-conditions.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "-3")}, active: "task-b:job"},
	{file: "inclusive-gateway-plain-conditions.bpmn", vars: price, inputs: map[string]value.Value{"price": v(typ("number"), "0")},
		active: "Gateway_01wr5g0:incident", state: StateIncident},
	{file: "parallel-fork-join-service-tasks.bpmn", active: "id-a-1:job id-a-2:job"},
	{file: "parallel-user-tasks-assignment.bpmn", users: map[string][]string{"assignee": nil}, active: "assignee-task1:task assignee-task2:task"},
	{file: "timer-catch-parallel-terminate.bpmn", active: "Activity_InvokeDummyWorker:job TimerEvent_Wait30d:timer"},
	{file: "message-catch-simple.bpmn", vars: []Variable{variable("key", "string")}, active: "msg:incident", state: StateIncident},
	{file: "message-catch-simple.bpmn", vars: []Variable{variable("key", "string")},
		inputs: map[string]value.Value{"key": v(typ("string"), `"abc"`)}, active: "msg:message"},
	// MANIFEST #12: without the key's variable the gateway stops with an incident rather than
	// subscribing with an empty key; with it, both events are armed at the gateway.
	{file: "event-based-gateway-timer-message.bpmn", vars: []Variable{variable("message", "string")}, active: "Gateway_05yj0i5:incident", state: StateIncident},
	{file: "event-based-gateway-timer-message.bpmn", vars: []Variable{variable("message", "string")},
		inputs: map[string]value.Value{"message": v(typ("string"), `"k"`)}, active: "Gateway_05yj0i5:event"},
	// MANIFEST #21: the error event sub-processes listen; TestCorpusErrorEventSubProcess runs it on.
	{file: "event-subprocess-error.bpmn", active: "error-task:job"},
	{file: "user-task-boundary-timer.bpmn", users: map[string][]string{"kermit": {"management"}}, active: "firstLineSupport:task"},
	// MANIFEST #22: three parallel tasks, each assigned to the login kermit_${loopCounter}
	// computes; TestCorpusComputedAssignees completes them and checks who has each.
	{file: "multi-instance-parallel-user-task.bpmn", users: map[string][]string{"kermit_0": nil, "kermit_1": nil, "kermit_2": nil},
		active: "miTasks:multi miTasks:task miTasks:task miTasks:task"},
}

// TestCorpusFirstWaits starts every accepted corpus file and checks where it waits once the
// start transaction has committed.
func TestCorpusFirstWaits(t *testing.T) {
	bpmntest.Dir(t)
	each(t, func(t *testing.T, e *env) {
		for i, c := range corpusRuns {
			t.Run(c.file, func(t *testing.T) {
				e := e.with(t)
				for login, groups := range c.users {
					e.user(login, groups...)
				}
				code := "corpus-" + itoa(i)
				e.deploy(code, corpusFile(t, c.file), c.vars...)
				inst := e.start(code, c.inputs, "")
				want := c.state
				if want == "" {
					want = StateActive
				}
				if inst.State != want || active(inst) != c.active {
					t.Fatalf("state %s, active %q; want %s, %q\n%s", inst.State, active(inst), want, c.active, trail(e.instance(inst.ID)))
				}
			})
		}
	})
}

// TestCorpusRefused checks that files outside the subset are refused at publish, naming ids.
func TestCorpusRefused(t *testing.T) {
	bpmntest.Dir(t)
	refused := map[string][]string{
		"task-none-not-executable.bpmn":                 {"no executable process"},
		"parallel-fork-implicit-join-missing-type.bpmn": {"id-a-1", "id-b-1"},
		// The correlation key reads a variable the file does not declare.
		"event-based-gateway-timer-message.bpmn": {"message", "unknown name message"},
		"complex-gateway-only.bpmn":              {"complexGateway (Gateway)"},
		"transaction-compensation-cancel.bpmn":   {"transaction (tx)"},
		"script-task-juel.bpmn":                  {"theScriptTaskWithExistingProcessVariableName", "juel"},
	}
	e := newEnv(t, "sqlite", Options{})
	i := 0
	for file, phrases := range refused {
		i++
		_, err := e.tryDeploy("refused-"+itoa(i), corpusFile(t, file))
		if err == nil {
			t.Errorf("%s published; want refused", file)
			continue
		}
		for _, p := range phrases {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: refusal %q does not name %q", file, err, p)
			}
		}
	}
}

// TestCorpusRunsToEnd drives the corpus files with waits to their ends.
func TestCorpusRunsToEnd(t *testing.T) {
	bpmntest.Dir(t)
	each(t, func(t *testing.T, e *env) {
		t.Run("two steps", func(t *testing.T) {
			e := e.with(t)
			e.deploy("two", corpusFile(t, "service-tasks-two-steps.bpmn"))
			inst := e.start("two", nil, "")
			e.completeJobAt(inst.ID, "id-step1")
			e.completeJobAt(inst.ID, "id-step2")
			e.wantEnded(inst.ID, "id-step1 completed", "id-step2 completed", "Event_03es32a completed")
		})
		t.Run("parallel fork join", func(t *testing.T) {
			e := e.with(t)
			e.deploy("fork", corpusFile(t, "parallel-fork-join-service-tasks.bpmn"))
			inst := e.start("fork", nil, "")
			e.completeJobAt(inst.ID, "id-a-1")
			if got := active(e.instance(inst.ID)); got != "Gateway_0sua9mg:join id-a-2:job" {
				t.Fatalf("after one A task: %q; B.1 must wait for the join", got)
			}
			e.completeJobAt(inst.ID, "id-a-2")
			if got := active(e.instance(inst.ID)); got != "id-b-1:job" {
				t.Fatalf("after both A tasks: %q", got)
			}
			e.completeJobAt(inst.ID, "id-b-1")
			e.wantEnded(inst.ID, "Gateway_0sua9mg joined", "id-c-1 completed")
		})
		t.Run("boundary timer", func(t *testing.T) { corpusBoundaryTimer(t, e.with(t)) })
		t.Run("timer and terminate", func(t *testing.T) {
			e := e.with(t)
			e.deploy("terminate", corpusFile(t, "timer-catch-parallel-terminate.bpmn"))
			inst := e.start("terminate", nil, "")
			e.completeJobAt(inst.ID, "Activity_InvokeDummyWorker")
			e.clock.Advance(2 * time.Second)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("ran %d jobs, want the 1s timer only", n)
			}
			e.wantEnded(inst.ID, "TimerEvent_Wait1s fired", "EndEvent_FastFlow completed")
			e.clock.Advance(31 * 24 * time.Hour)
			if n := e.runJobs(); n != 0 {
				t.Fatalf("the 30-day timer fired after terminate (%d jobs)", n)
			}
		})
		// MANIFEST #12: with message="k" and nothing published the timer wins after 1 s and the
		// subscription is removed; the message, published first, wins in another instance.
		t.Run("event-based gateway", func(t *testing.T) {
			e := e.with(t)
			e.deploy("choice", corpusFile(t, "event-based-gateway-timer-message.bpmn"), variable("message", "string"))
			key := func(k string) map[string]value.Value {
				return map[string]value.Value{"message": v(typ("string"), `"`+k+`"`)}
			}
			byTimer, byMessage := e.start("choice", key("k"), ""), e.start("choice", key("m"), "")
			if n, err := e.publishCount(e.admin, Message{Name: "message", CorrelationKey: "m"}); err != nil || n != 1 {
				t.Fatalf("publish: %d, %v", n, err)
			}
			if got := active(e.instance(byMessage.ID)); got != "task-for-message:job" {
				t.Fatalf("after the message: %q", got)
			}
			e.fireOneTimer(2*time.Second, byTimer.ID, "task-for-timer:job")
			if n, err := e.publishCount(e.admin, Message{Name: "message", CorrelationKey: "k"}); err != nil || n != 0 {
				t.Fatalf("the timer's instance still took the message: %d, %v", n, err)
			}
			e.completeJobAt(byTimer.ID, "task-for-timer")
			e.wantEnded(byTimer.ID, "Gateway_05yj0i5 completed", "timer1 fired", "task-for-timer completed", "Event_1nquajk completed")
		})
		t.Run("correlated message", func(t *testing.T) {
			e := e.with(t)
			e.deploy("msg", corpusFile(t, "message-catch-simple.bpmn"), variable("key", "string"))
			inst := e.start("msg", map[string]value.Value{"key": v(typ("string"), `"abc"`)}, "")
			n, err := e.publishCount(e.admin, Message{Name: "msg", CorrelationKey: "other"})
			if err != nil || n != 0 {
				t.Fatalf("a message with another key reached %d instances (%v)", n, err)
			}
			if n, err := e.publishCount(e.admin, Message{Name: "msg", CorrelationKey: "abc"}); err != nil || n != 1 {
				t.Fatalf("publish: %d, %v", n, err)
			}
			e.wantEnded(inst.ID, "msg completed", "EndEvent_1 completed")
		})
	})
}

// TestCorpusComputedAssignees runs MANIFEST #22: loopCardinality ${5-2} opens three parallel
// tasks, and camunda:assignee kermit_${loopCounter} gives each to its own person: kermit_0,
// kermit_1 and kermit_2, because a Camunda 7 file counts its runs from 0. Without such a user the task stops with an incident that names
// the login it computed.
func TestCorpusComputedAssignees(t *testing.T) {
	bpmntest.Dir(t)
	each(t, func(t *testing.T, e *env) {
		e.deploy("mi", corpusFile(t, "multi-instance-parallel-user-task.bpmn"))
		missing := e.start("mi", nil, "")
		in := e.onlyIncidents(missing.ID)
		want := `user task 'My Task ${loopCounter}' (miTasks): the assignee kermit_${loopCounter} gave the login "kermit_0", and no user has that login`
		if len(in) == 0 || !strings.Contains(strings.Join(in, "\n"), want) {
			t.Fatalf("incidents %q; want one saying %q", in, want)
		}

		people := map[string]context.Context{}
		for _, login := range []string{"kermit_0", "kermit_1", "kermit_2"} {
			people[login] = e.user(login)
		}
		inst := e.start("mi", nil, "")
		tasks := e.openTasks(inst.ID, "miTasks")
		if len(tasks) != 3 {
			t.Fatalf("open tasks %d, want 3: %s", len(tasks), active(e.instance(inst.ID)))
		}
		for _, task := range tasks {
			got, err := e.svc.Task(e.admin, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			counter, err := strconv.Atoi(fmt.Sprint(got.Locals["loopCounter"]))
			if err != nil {
				t.Fatalf("task locals %v: loopCounter: %v", got.Locals, err)
			}
			login := fmt.Sprintf("kermit_%d", counter-1)
			if owner := auth.FromContext(people[login]).User.ID; task.Assignee != owner {
				t.Fatalf("task %v has assignee %q, want %s's %q", got.Locals, task.Assignee, login, owner)
			}
			if _, err := e.svc.CompleteTask(people[login], task.ID, nil); err != nil {
				t.Fatalf("%s completes their task: %v", login, err)
			}
		}
		e.wantEnded(inst.ID, "miTasks completed", "theEnd completed")
	})
}

func corpusBoundaryTimer(t *testing.T, e *env) {
	kermit := e.user("kermit", "management")
	e.deploy("helpdesk", corpusFile(t, "user-task-boundary-timer.bpmn"))
	inTime := e.start("helpdesk", nil, "")
	late := e.start("helpdesk", nil, "")
	e.completeTaskAt(kermit, inTime.ID, "firstLineSupport", nil)
	e.wantEnded(inTime.ID, "firstLineSupport completed", "normalEnd completed")
	e.fireOneTimer(5*time.Minute+time.Second, late.ID, "handleEscalation:task")
	e.completeTaskAt(kermit, late.ID, "handleEscalation", nil)
	e.wantEnded(late.ID, "firstLineSupport cancelled", "escalationTimer fired", "handleEscalation completed", "escalatedEnd completed")
}

// fireOneTimer moves the clock on by d, expects exactly one due timer (the others were
// cancelled with their tasks), and checks where the instance then waits.
func (e *env) fireOneTimer(d time.Duration, instanceID, want string) {
	e.t.Helper()
	e.clock.Advance(d)
	if n := e.runJobs(); n != 1 {
		e.t.Fatalf("ran %d jobs; want only one timer (the other instance's was cancelled)", n)
	}
	if got := active(e.instance(instanceID)); got != want {
		e.t.Fatalf("after the timer: %q, want %q", got, want)
	}
}

// completeJobAt completes the outside worker's job of an instance at an element.
func (e *env) completeJobAt(instanceID, element string) {
	e.t.Helper()
	var id string
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT id FROM process_jobs WHERE instance_id = ? AND element_id = ? AND state = ?",
			instanceID, element, waits.JobWaiting).Scan(&id)
	})
	if err != nil {
		e.t.Fatalf("no job at %s: %v\n%s", element, err, trail(e.instance(instanceID)))
	}
	if err := e.svc.CompleteJob(e.admin, id, JobCompletion{}); err != nil {
		e.t.Fatal(err)
	}
}

// completeTaskAt completes the open task of an instance at an element, acting as ctx's user.
func (e *env) completeTaskAt(ctx context.Context, instanceID, element string, values map[string]string) *Task {
	e.t.Helper()
	inst := e.instance(instanceID)
	for _, task := range inst.Tasks {
		if task.Element == element && task.State == TaskOpen {
			raw := map[string]json.RawMessage{}
			for k, v := range values {
				raw[k] = json.RawMessage(v)
			}
			done, err := e.svc.CompleteTask(ctx, task.ID, raw)
			if err != nil {
				e.t.Fatalf("complete %s: %v", element, err)
			}
			return done
		}
	}
	e.t.Fatalf("no open task at %s: %s", element, trail(inst))
	return nil
}

// wantEnded checks that an instance completed and its history holds the steps in order.
func (e *env) wantEnded(id string, steps ...string) {
	e.t.Helper()
	inst := e.instance(id)
	if inst.State != StateCompleted || len(inst.Active) != 0 || inst.EndedAt == nil {
		e.t.Fatalf("instance %s: state %s, active %q; want completed\n%s", id, inst.State, active(inst), trail(inst))
	}
	e.wantSteps(inst, steps...)
}

func (e *env) wantSteps(inst *Instance, steps ...string) {
	e.t.Helper()
	h := trail(inst)
	at := 0
	for _, s := range steps {
		i := strings.Index(h[at:], s)
		if i < 0 {
			e.t.Fatalf("history lacks %q in order:\n%s", s, h)
		}
		at += i + len(s)
	}
}
