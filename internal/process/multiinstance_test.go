package process

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/value"
)

// loopTask draws start → an activity with a multi-instance marker → a user task "after" → end.
// task is the activity's tag and attributes, inner what goes inside besides the marker.
func loopTask(tag, inner, loop string, extra string) string {
	return fmt.Sprintf(`<bpmn:%s id="mi">%s%s</bpmn:%s><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>%s`,
		tag, inner, loop, tag, extra) + chain("start", "mi", "after", "end")
}

// zeebeLoop writes a Zeebe multi-instance marker.
func zeebeLoop(sequential bool, attrs, children string) string {
	return fmt.Sprintf(`<bpmn:multiInstanceLoopCharacteristics isSequential="%t"><bpmn:extensionElements><zeebe:loopCharacteristics %s/></bpmn:extensionElements>%s</bpmn:multiInstanceLoopCharacteristics>`,
		sequential, attrs, children)
}

const reviewForm = `<bpmn:extensionElements><parley:form><parley:field variable="answer"/></parley:form></bpmn:extensionElements>`

var reviewVars = []Variable{variable("items", "list"), variable("results", "list"), variable("answer", "string")}

func items(raw string) map[string]value.Value {
	return map[string]value.Value{"items": v(typ("list"), raw)}
}

// openTasks returns the open tasks of an instance at an element, oldest first.
func (e *env) openTasks(id, element string) []*Task {
	e.t.Helper()
	var out []*Task
	for _, t := range e.instance(id).Tasks {
		if t.Element == element && t.State == TaskOpen {
			out = append(out, t)
		}
	}
	return out
}

func (e *env) complete(task *Task, answer string) {
	e.t.Helper()
	if _, err := e.svc.CompleteTask(e.admin, task.ID, map[string]json.RawMessage{"answer": json.RawMessage(`"` + answer + `"`)}); err != nil {
		e.t.Fatalf("complete %s: %v", task.ID, err)
	}
}

// A parallel multi-instance user task opens one task per element at once; each sees its own
// element and loopCounter, and the output collection follows the input, not the order in which
// people complete the tasks.
func TestMultiInstanceParallelUserTasks(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="item.name + '/' + string(loopCounter) + '/' + answer"`, "")
		e.deploy("review", zeebeDiagram(loopTask("userTask", reviewForm, loop, "")), reviewVars...)
		inst := e.start("review", items(`[{"name":"a"},{"name":"b"},{"name":"c"}]`), "")
		tasks := e.openTasks(inst.ID, "mi")
		if len(tasks) != 3 {
			t.Fatalf("open tasks %d, want 3: %s", len(tasks), active(e.instance(inst.ID)))
		}
		// Each person sees which element their task is for.
		for _, task := range tasks {
			got, err := e.svc.Task(e.admin, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := fmt.Sprint(got.Locals["loopCounter"])
			if want := fmt.Sprintf(`map[name:%c]`, 'a'+n[0]-'1'); fmt.Sprint(got.Locals["item"]) != want {
				t.Fatalf("task %s locals = %v", task.ID, got.Locals)
			}
		}
		for i, answer := range []string{"z", "y"} {
			e.complete(tasks[2-i], answer)
		}
		if got := active(e.instance(inst.ID)); got != "mi:multi mi:task" {
			t.Fatalf("after two of three: %q", got)
		}
		e.complete(tasks[0], "x")
		got := e.instance(inst.ID)
		if a := active(got); a != "after:task" {
			t.Fatalf("after all three: %q\n%s", a, trail(got))
		}
		// Which person got which element is up to the task list; the order is the input's.
		var results []string
		if err := json.Unmarshal([]byte(got.Variables["results"].String()), &results); err != nil || len(results) != 3 {
			t.Fatalf("results = %s", got.Variables["results"])
		}
		answers := map[string]bool{}
		for i, r := range results {
			prefix := fmt.Sprintf("%c/%d/", 'a'+i, i+1)
			if !strings.HasPrefix(r, prefix) {
				t.Fatalf("results[%d] = %q, want %s…", i, r, prefix)
			}
			answers[strings.TrimPrefix(r, prefix)] = true
		}
		if len(answers) != 3 {
			t.Fatalf("results = %q", results)
		}
	})
}

// A sequential one opens the next task only when the one before is completed.
func TestMultiInstanceSequential(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		loop := zeebeLoop(true, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="answer + string(item)"`, "")
		e.deploy("seq", zeebeDiagram(loopTask("userTask", reviewForm, loop, "")), reviewVars...)
		inst := e.start("seq", items(`[1, 2, 3]`), "")
		for i, answer := range []string{"a", "b", "c"} {
			open := e.openTasks(inst.ID, "mi")
			if len(open) != 1 {
				t.Fatalf("step %d: %d open tasks, want 1", i, len(open))
			}
			e.complete(open[0], answer)
		}
		got := e.instance(inst.ID)
		if active(got) != "after:task" || got.Variables["results"].String() != `["a1","b2","c3"]` {
			t.Fatalf("active %q, results %s", active(got), got.Variables["results"])
		}
	})
}

// Script and plain tasks finish at once; loopCardinality counts without a collection; an
// empty collection completes the activity at once with an empty output.
func TestMultiInstanceImmediate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		script := `<bpmn:extensionElements><parley:script><parley:assign variable="total" expression="total + loopCounter"/></parley:script></bpmn:extensionElements>`
		loop := `<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>${2+2}</bpmn:loopCardinality><bpmn:extensionElements><parley:loop outputCollection="results" outputElement="loopCounter * 2"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>`
		e.deploy("count", diagram(loopTask("scriptTask", script, loop, "")), variable("total", "integer"), variable("results", "list"))
		got := e.instance(e.start("count", map[string]value.Value{"total": v(typ("integer"), "0")}, "").ID)
		if active(got) != "after:task" || got.Variables["total"].String() != "10" || got.Variables["results"].String() != "[2,4,6,8]" {
			t.Fatalf("active %q, total %s, results %s\n%s", active(got), got.Variables["total"], got.Variables["results"], trail(got))
		}

		empty := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= item"`, "")
		e.deploy("empty", zeebeDiagram(loopTask("userTask", "", empty, "")), reviewVars...)
		got = e.instance(e.start("empty", items(`[]`), "").ID)
		if active(got) != "after:task" || got.Variables["results"].String() != "[]" || len(got.Tasks) != 1 {
			t.Fatalf("empty: active %q, results %s, tasks %d", active(got), got.Variables["results"], len(got.Tasks))
		}

		plain := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= item * 10"`, "")
		e.deploy("plain", zeebeDiagram(loopTask("task", "", plain, "")), reviewVars...)
		got = e.instance(e.start("plain", items(`[1, 2]`), "").ID)
		if got.Variables["results"].String() != "[10,20]" {
			t.Fatalf("plain: results %s", got.Variables["results"])
		}
	})
}

// Outside workers get the element and loopCounter of their job's inner instance; the outputs
// follow the input whatever order the jobs complete in.
func TestMultiInstanceServiceTasks(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		svc := `<bpmn:extensionElements><zeebe:taskDefinition type="crm.sync"/></bpmn:extensionElements>`
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="lead" outputCollection="results" outputElement="= lead.id"`, "")
		e.deploy("sync", zeebeDiagram(loopTask("serviceTask", svc, loop, "")), reviewVars...)
		inst := e.start("sync", items(`[{"id":"l1"},{"id":"l2"}]`), "")
		jobs, err := e.svc.Jobs(e.admin, "crm.sync", pageAll)
		if err != nil || len(jobs.Items) != 2 {
			t.Fatalf("jobs %v, %v", jobs.Items, err)
		}
		for i, j := range jobs.Items {
			if want := fmt.Sprintf("map[id:l%v]", j.Locals["loopCounter"]); fmt.Sprint(j.Locals["lead"]) != want {
				t.Fatalf("job %d locals = %v", i, j.Locals)
			}
		}
		for i := len(jobs.Items) - 1; i >= 0; i-- {
			if err := e.svc.CompleteJob(e.admin, jobs.Items[i].ID, JobCompletion{}); err != nil {
				t.Fatal(err)
			}
		}
		got := e.instance(inst.ID)
		if active(got) != "after:task" || got.Variables["results"].String() != `["l1","l2"]` {
			t.Fatalf("active %q, results %s", active(got), got.Variables["results"])
		}
	})
}

// The completion condition ends the activity early: the inner instances still open are
// cancelled and their places in the output stay null.
func TestMultiInstanceCompletionCondition(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cond := `<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">= numberOfCompletedInstances &gt;= 2 or answer = "stop"</bpmn:completionCondition>`
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= answer"`, cond)
		e.deploy("quorum", zeebeDiagram(loopTask("userTask", reviewForm, loop, "")), reviewVars...)
		inst := e.start("quorum", items(`[1, 2, 3]`), "")
		tasks := e.openTasks(inst.ID, "mi")
		e.complete(tasks[1], "yes")
		e.complete(tasks[2], "no")
		got := e.instance(inst.ID)
		if r := got.Variables["results"].String(); active(got) != "after:task" || strings.Count(r, "null") != 1 || !strings.Contains(r, `"yes"`) || !strings.Contains(r, `"no"`) {
			t.Fatalf("active %q, results %s", active(got), got.Variables["results"])
		}
		if _, err := e.svc.CompleteTask(e.admin, tasks[0].ID, nil); !errs.Is(err, errs.Conflict) {
			t.Fatalf("the cancelled task could be completed: %v", err)
		}
	})
}

// An interrupting boundary timer on the activity cancels every inner instance.
func TestMultiInstanceBoundaryTimer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		timer := `<bpmn:boundaryEvent id="late" attachedToRef="mi"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="timeout"/>` +
			chain("late", "timeout")
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item"`, "")
		e.deploy("timed", zeebeDiagram(loopTask("userTask", reviewForm, loop, timer)), reviewVars...)
		inst := e.start("timed", items(`[1, 2, 3]`), "")
		e.complete(e.openTasks(inst.ID, "mi")[0], "early")
		e.clock.Advance(time.Hour + time.Second)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs, want the one timer", n)
		}
		e.wantEnded(inst.ID, "mi cancelled", "late fired", "timeout completed")
		if open := e.openTasks(inst.ID, "mi"); len(open) != 0 {
			t.Fatalf("%d tasks still open", len(open))
		}
	})
}

// An error thrown by one inner job and caught on the activity cancels the other inner jobs.
func TestMultiInstanceErrorBoundary(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		catch := `<bpmn:boundaryEvent id="failed" attachedToRef="mi"><bpmn:errorEventDefinition/></bpmn:boundaryEvent><bpmn:endEvent id="bad"/>` + chain("failed", "bad")
		svc := `<bpmn:extensionElements><zeebe:taskDefinition type="crm.sync"/></bpmn:extensionElements>`
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="lead"`, "")
		e.deploy("sync", zeebeDiagram(loopTask("serviceTask", svc, loop, catch)), reviewVars...)
		inst := e.start("sync", items(`[1, 2, 3]`), "")
		jobs, _ := e.svc.Jobs(e.admin, "crm.sync", pageAll)
		if err := e.svc.ThrowJobError(e.admin, jobs.Items[1].ID, JobError{Code: "gone"}); err != nil {
			t.Fatal(err)
		}
		e.wantEnded(inst.ID, "mi cancelled", "failed fired", "bad completed")
		if left, _ := e.svc.Jobs(e.admin, "crm.sync", pageAll); len(left.Items) != 0 {
			t.Fatalf("%d jobs left", len(left.Items))
		}
	})
}

// Publishing checks the marker: a collection or a cardinality, a list to collect into, and
// expressions of the right kind.
func TestMultiInstanceRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for i, c := range []struct{ loop, msg string }{
			{zeebeLoop(false, `inputElement="item"`, ""), "needs an input collection"},
			{zeebeLoop(false, `inputCollection="= answer" inputElement="item"`, ""), "it gives a string, not a list"},
			{zeebeLoop(false, `inputCollection="= items" outputCollection="answer" outputElement="= 1"`, ""), `outputCollection "answer" of mi must be a declared variable of type list`},
			{zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= ghost"`, ""), `outputElement "= ghost"`},
			{`<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>"three"</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>`, "not a whole number"},
			{zeebeLoop(false, `inputCollection="= items"`, `<bpmn:loopCardinality>2</bpmn:loopCardinality>`), "has both an input collection and a loopCardinality"},
			{zeebeLoop(false, `inputCollection="= items" outputElement="= 1"`, ""), "has an outputElement but no outputCollection"},
			{zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= item"`,
				`<bpmn:completionCondition>= "all"</bpmn:completionCondition>`), `completionCondition "= \"all\""`},
		} {
			_, err := e.tryDeploy(fmt.Sprintf("bad%d", i), zeebeDiagram(loopTask("userTask", "", c.loop, "")), reviewVars...)
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("case %d: %v; want %q", i, err, c.msg)
			}
		}
	})
}

// A collection that is not a list when the token arrives is an incident that names it.
func TestMultiInstanceBadInput(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item"`, "")
		e.deploy("unset", zeebeDiagram(loopTask("userTask", "", loop, "")), reviewVars...)
		inst := e.start("unset", nil, "")
		if got := e.onlyIncident(inst.ID).Error; !strings.Contains(got, "the input collection") {
			t.Fatalf("incident %q", got)
		}
	})
}

// Two people completing the last two inner tasks at the same moment move the instance on
// exactly once.
func TestMultiInstanceRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= answer"`, "")
		e.deploy("race", zeebeDiagram(loopTask("userTask", reviewForm, loop, "")), reviewVars...)
		for round := 0; round < 5; round++ {
			inst := e.start("race", items(`[1, 2]`), "")
			tasks := e.openTasks(inst.ID, "mi")
			var wg sync.WaitGroup
			errc := make(chan error, len(tasks))
			for i, task := range tasks {
				wg.Add(1)
				go func(id, answer string) {
					defer wg.Done()
					_, err := e.svc.CompleteTask(e.admin, id, map[string]json.RawMessage{"answer": json.RawMessage(answer)})
					errc <- err
				}(task.ID, fmt.Sprintf(`"%d"`, i))
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				if err != nil {
					t.Fatal(err)
				}
			}
			got := e.instance(inst.ID)
			if len(e.openTasks(inst.ID, "after")) != 1 || active(got) != "after:task" || !oneOf(got.Variables["results"].String(), `["0","1"]`, `["1","0"]`) {
				t.Fatalf("round %d: active %q, results %s\n%s", round, active(got), got.Variables["results"], trail(got))
			}
		}
	})
}

func oneOf(s string, want ...string) bool {
	for _, w := range want {
		if s == w {
			return true
		}
	}
	return false
}

// A multi-instance receive task waits for one message per element, each correlated by its own
// element.
func TestMultiInstanceReceiveTask(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		receive := `<bpmn:extensionElements><parley:message variable="reason"/></bpmn:extensionElements>`
		loop := zeebeLoop(false, `inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= reason"`, "")
		body := strings.Replace(loopTask("receiveTask", receive, loop, ""), `<bpmn:receiveTask id="mi">`, `<bpmn:receiveTask id="mi" messageRef="msg_paid">`, 1)
		xml := strings.Replace(zeebeDiagram(body), `</bpmn:process>`, `</bpmn:process><bpmn:message id="msg_paid" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="= item"/></bpmn:extensionElements></bpmn:message>`, 1)
		e.deploy("paid", xml, variable("items", "list"), variable("results", "list"), variable("reason", "string"))
		inst := e.start("paid", items(`["A", "B"]`), "")
		for _, key := range []string{"B", "A"} {
			if res := e.publish(Message{Name: "paid", CorrelationKey: key, Text: "paid " + key}); res.Delivered != 1 {
				t.Fatalf("%s: delivered %d", key, res.Delivered)
			}
		}
		got := e.instance(inst.ID)
		if active(got) != "after:task" || got.Variables["results"].String() != `["paid A","paid B"]` {
			t.Fatalf("active %q, results %s\n%s", active(got), got.Variables["results"], trail(got))
		}
	})
}

// Camunda 7 writes the collection as attributes of the marker itself.
func TestMultiInstanceCamundaCollection(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		script := `<bpmn:extensionElements><parley:script><parley:assign variable="total" expression="total + item"/></parley:script></bpmn:extensionElements>`
		loop := `<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${items}" camunda:elementVariable="item"/>`
		xml := strings.Replace(diagram(loopTask("scriptTask", script, loop, "")), `xmlns:parley=`, `xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:parley=`, 1)
		e.deploy("sum", xml, variable("items", "list"), variable("total", "integer"))
		got := e.instance(e.start("sum", map[string]value.Value{"items": v(typ("list"), "[1, 2, 39]"), "total": v(typ("integer"), "0")}, "").ID)
		if active(got) != "after:task" || got.Variables["total"].String() != "42" {
			t.Fatalf("active %q, total %s\n%s", active(got), got.Variables["total"], trail(got))
		}
	})
}

// TestComputedAssignee: a Zeebe FEEL assignee computes a login from the variables when the task
// is created. A login nobody has, or a value that is not text, stops the task with an incident
// that says what was computed; once the user exists, a retry creates the task for them.
func TestComputedAssignee(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		task := func(assignee string) string {
			return zeebeDiagram(`<bpmn:userTask id="T"><bpmn:extensionElements><zeebe:assignmentDefinition assignee="` + assignee + `"/></bpmn:extensionElements></bpmn:userTask>
				<bpmn:endEvent id="end"/>` + chain("start", "T", "end"))
		}
		vars := []Variable{variable("team", "string"), variable("n", "integer")}
		e.deploy("lead", task(`=team + &quot;-lead&quot;`), vars...)
		team := func(name string) map[string]value.Value {
			return map[string]value.Value{"team": v(typ("string"), `"`+name+`"`), "n": v(typ("integer"), "3")}
		}
		lead := e.user("sales-lead")
		inst := e.start("lead", team("sales"), "")
		e.completeTaskAt(lead, inst.ID, "T", nil)
		e.wantEnded(inst.ID, "T completed", "end completed")

		late := e.start("lead", team("support"), "")
		want := `user task T: the assignee =team + "-lead" gave the login "support-lead", and no user has that login`
		if got := e.incidentError(late.ID); got != want {
			t.Fatalf("incident %q, want %q", got, want)
		}
		supportLead := e.user("support-lead")
		if _, err := e.svc.RetryIncident(e.admin, e.onlyIncident(late.ID).ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		e.completeTaskAt(supportLead, late.ID, "T", nil)
		e.wantEnded(late.ID, "T completed", "end completed")

		e.deploy("number", task(`=n + 1`), vars...)
		odd := e.start("number", team("sales"), "")
		if got, want := e.incidentError(odd.ID), `user task T: the assignee =n + 1 gave 4, which is not a login: a login is text`; got != want {
			t.Fatalf("incident %q, want %q", got, want)
		}
	})
}
