package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// listTaskBPMN asks the Support operators for a list of follow-up steps.
const listTaskBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Steps" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:userTask id="Plan" name="Plan the steps">
      <bpmn:extensionElements>
        <parley:assignee group="Support operators" />
        <parley:form><parley:field variable="steps" label="Steps" required="true" /></parley:form>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Plan" />
    <bpmn:sequenceFlow id="F2" sourceRef="Plan" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`

// TestListFieldInTaskForm fills a list variable in a task form: it is typed as JSON in a text
// area, broken JSON and a value of the wrong shape are pointed out beside the field, and the
// list reaches the instance as a list.
func TestListFieldInTaskForm(t *testing.T) {
	env := demoEnv(t)
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{
		"code": "steps", "name": "Steps", "scope": "global", "bpmn": listTaskBPMN,
		"variables": []map[string]any{{"name": "steps", "type": "list"}, {"name": "customer", "type": "object"}}}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/steps/publish", env.Admin, nil, 201, nil)
	var inst struct{ ID string }
	env.MustDo("POST", "/api/v1/processes/steps/instances", env.Admin,
		map[string]any{"inputs": map[string]any{"customer": map[string]any{"name": "Ann"}}}, 201, &inst)
	// The API names the field of a value of the wrong shape.
	var bad struct{ Error struct{ Message string } }
	env.MustDo("POST", "/api/v1/processes/steps/instances", env.Admin,
		map[string]any{"inputs": map[string]any{"customer": []int{1}}}, 422, &bad)
	if !strings.Contains(bad.Error.Message, "customer: expected object, got array") {
		t.Fatalf("start with an array for an object: %q", bad.Error.Message)
	}

	b := startBrowser(t, env.URL)
	op := b.Tab("operator")
	op.Login("olga", "olga-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	op.Click(`.topnav a[href="/tasks"]`)
	op.WaitText("[data-tasks]", "Plan the steps")
	if !op.Has(`[data-tasks] textarea[name="in.steps"]`) {
		t.Fatal("a list field is not a text area")
	}
	for _, c := range []struct{ typed, error string }{
		{`["call", `, "is not valid JSON"},
		{`{"call": 1}`, "must be a JSON array"},
	} {
		op.Fill(`[data-tasks] textarea[name="in.steps"]`, c.typed)
		op.ClickText("[data-tasks] button", "Complete")
		op.WaitText("[data-tasks] .field-error", c.error)
	}
	op.Shot("list-field-error")
	op.Fill(`[data-tasks] textarea[name="in.steps"]`, `["call back", {"visit": 2}]`)
	op.ClickText("[data-tasks] button", "Complete")
	op.WaitFor("[data-empty]:not([hidden])")

	var got struct {
		State     string
		Variables map[string]json.RawMessage
	}
	env.MustDo("GET", "/api/v1/instances/"+inst.ID, env.Admin, nil, 200, &got)
	if got.State != "completed" || string(got.Variables["steps"]) != `["call back",{"visit":2}]` || string(got.Variables["customer"]) != `{"name":"Ann"}` {
		t.Fatalf("instance %s: steps %s, customer %s", got.State, got.Variables["steps"], got.Variables["customer"])
	}
}
