package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// followUpBPMN waits for the Support operators to review what an operator started by hand.
const followUpBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="FollowUp" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Review" name="Review the follow-up">
      <bpmn:extensionElements>
        <parley:assignee group="Support operators" />
        <parley:form>
          <parley:field variable="approved" label="Approved?" required="true" />
          <parley:field variable="visits" label="Visits" />
          <parley:field variable="comment" label="Comment" />
        </parley:form>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Review" />
    <bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`

// publishFollowUp publishes a process whose variables have one of each kind of input.
func publishFollowUp(env *servertest.Env) {
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{
		"code": "follow-up", "name": "Follow-up", "scope": "global", "bpmn": followUpBPMN,
		"variables": []map[string]any{
			{"name": "note", "type": "string", "required": true},
			{"name": "amount", "type": "number"},
			{"name": "visits", "type": "integer"},
			{"name": "urgent", "type": "boolean"},
			{"name": "call_at", "type": "datetime"},
			{"name": "approved", "type": "boolean"},
			{"name": "comment", "type": "string"},
			{"name": "session", "type": "session"},
		}}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/follow-up/publish", env.Admin, nil, 201, nil)
}

// TestManualStartAndTaskInbox starts a process by hand from a session with typed inputs, checks
// that the values reach the instance with their types, that an offline operator is told why
// they can neither reply nor start, and completes the resulting task from the inbox.
func TestManualStartAndTaskInbox(t *testing.T) {
	env := demoEnv(t)
	publishFollowUp(env)
	b := startBrowser(t, env.URL)
	op := b.Tab("operator")
	op.Login("olga", "olga-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	op.ClickText("[data-sessions] a", "Ann Example")
	op.WaitText("[data-messages]", "lamp")

	startFollowUp(t, op)
	checkFollowUpInputs(t, env)
	offlineCannotActOrStart(op)
	completeFromInbox(t, op, env)

	sam := b.Tab("supervisor")
	sam.Login("sam", "sam-password")
	sam.WaitFor(`[data-tab="spam"]:not([hidden])`)
	sam.Shot("supervisor-console")
	supervisorNeitherTakesNorReplies(sam, sessionPathOf(t, env, "Ann Example"))
	supervisorAssigns(t, sam, env)
}

// supervisorAssigns gives the open session to operator olga through Assign…, which lists the
// live chat's operators with their presence.
func supervisorAssigns(t *testing.T, sam *Tab, env *servertest.Env) {
	sam.Click(`[data-action="assign"]`)
	sam.Choose("dialog select[name=operator]", "olga (online)")
	sam.Shot("assign-dialog")
	sam.ClickText("dialog button", "Assign")
	sam.WaitGone("dialog")
	sam.WaitText(sessionState, "Assigned")
	sam.WaitText("[data-customer] [data-operator]", "olga")
	sam.Shot("assigned")
	var s struct {
		OperatorID string `json:"operator_id"`
	}
	env.MustDo("GET", strings.Replace(sessionPathOf(t, env, "Ann Example"), "/console/sessions/", "/api/v1/sessions/", 1), env.Admin, nil, 200, &s)
	var olga struct{ ID string }
	var users struct{ Items []struct{ ID, Login string } }
	env.MustDo("GET", "/api/v1/users?limit=100", env.Admin, nil, 200, &users)
	for _, u := range users.Items {
		if u.Login == "olga" {
			olga.ID = u.ID
		}
	}
	if s.OperatorID == "" || s.OperatorID != olga.ID {
		t.Fatalf("the session's operator is %q, want olga (%s)", s.OperatorID, olga.ID)
	}
}

// supervisorNeitherTakesNorReplies opens a session as a supervisor who is not an operator of
// its live chat: the page offers no Take and disables the reply box with the reason, as the
// API would refuse both.
func supervisorNeitherTakesNorReplies(sam *Tab, path string) {
	sam.Open(path)
	sam.WaitText("[data-reply-reason]", "Only the live chat's operators reply")
	sam.WaitTrue(`document.querySelector('[data-action="take"]').hidden && document.querySelector('#reply-text').disabled`)
	sam.Shot("supervisor-session")
}

// startFollowUp starts Follow-up from the session page, filling in one input of each type.
func startFollowUp(t *testing.T, op *Tab) {
	op.Click("[data-menu] summary")
	op.Click(`[data-action="start-process"]`)
	op.Choose("dialog select[name=process]", "Follow-up")
	op.Fill(`dialog [name="in.note"]`, "Call about the lamp")
	op.Fill(`dialog [name="in.amount"]`, "12.5")
	op.Fill(`dialog [name="in.visits"]`, "3")
	op.Click(`dialog [name="in.urgent"]`)
	// Typing into a datetime-local control depends on the browser's locale; a person's pick
	// ends up as this value.
	var set bool
	op.Eval(`(() => { document.querySelector('dialog [name="in.call_at"]').value = '2030-01-02T10:30'; return true; })()`, &set)
	if !op.Has(`dialog input[name="in.amount"][type=number]`) || !op.Has(`dialog input[name="in.call_at"][type=datetime-local]`) ||
		!op.Has(`dialog input[name="in.urgent"][type=checkbox]`) {
		t.Fatal("the inputs of number, datetime and boolean variables are not typed controls")
	}
	op.Shot("start-process-dialog")
	op.ClickText("dialog button", "Start process")
	op.WaitGone("dialog")
	op.WaitText("[data-processes]", "Follow-up")
	op.WaitText("[data-processes]", "Started by hand by olga")
	op.Shot("started-by-hand")
}

// checkFollowUpInputs reads the started instance through the API: each input arrived with its
// variable's type, and the session variable was filled with the session it started from.
func checkFollowUpInputs(t *testing.T, env *servertest.Env) {
	sessionID := strings.TrimPrefix(sessionPathOf(t, env, "Ann Example"), "/console/sessions/")
	var list struct {
		Items []struct{ ID, Process string }
	}
	env.MustDo("GET", "/api/v1/sessions/"+sessionID+"/processes", env.Admin, nil, 200, &list)
	id := ""
	for _, p := range list.Items {
		if p.Process == "follow-up" {
			id = p.ID
		}
	}
	if id == "" {
		t.Fatalf("no follow-up instance in %+v", list.Items)
	}
	var inst struct{ Variables map[string]json.RawMessage }
	env.MustDo("GET", "/api/v1/instances/"+id, env.Admin, nil, 200, &inst)
	want := map[string]string{"note": `"Call about the lamp"`, "amount": `12.5`, "visits": `3`, "urgent": `true`, "session": `"` + sessionID + `"`}
	for name, w := range want {
		if got := string(inst.Variables[name]); got != w {
			t.Errorf("variable %s = %s, want %s", name, got, w)
		}
	}
	if !strings.HasPrefix(string(inst.Variables["call_at"]), `"2030-01-0`) {
		t.Errorf("call_at = %s, want a time", inst.Variables["call_at"])
	}
}

// offlineCannotActOrStart switches the operator offline: the reply box and Start process are
// disabled, each with the reason; back online they work again.
func offlineCannotActOrStart(op *Tab) {
	op.Click(`header [data-presence-set="offline"]`)
	op.WaitFor(`header .presence[data-presence="offline"]`)
	op.WaitFor("#reply-text:disabled")
	op.WaitText("[data-reply-reason]", "You are offline")
	op.Click("[data-menu] summary")
	op.WaitFor(`[data-action="start-process"]:disabled`)
	op.WaitText("[data-start-reason]", "You are offline")
	op.Shot("offline")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor("#reply-text:enabled")
}

// completeFromInbox completes the Follow-up's review task from the task inbox.
func completeFromInbox(t *testing.T, op *Tab, env *servertest.Env) {
	op.Click(`.topnav a[href="/tasks"]`)
	op.WaitText("[data-tasks]", "Review the follow-up")
	if !op.Has(`[data-tasks] input[name="in.approved"][type=checkbox]`) || !op.Has(`[data-tasks] input[name="in.visits"][type=number]`) {
		t.Fatal("the task's form fields are not typed controls")
	}
	op.Shot("inbox")
	op.Click(`[data-tasks] input[name="in.approved"]`)
	op.Fill(`[data-tasks] input[name="in.visits"]`, "4")
	op.Fill(`[data-tasks] input[name="in.comment"]`, "Customer happy")

	// A second task arrives while the first form is filled in: it appears without a reload,
	// and what was typed stays.
	env.MustDo("POST", "/api/v1/processes/follow-up/instances", env.Admin, map[string]any{"inputs": map[string]any{"note": "Second"}}, 201, nil)
	op.WaitTrue(`document.querySelectorAll('[data-tasks] [data-task]').length === 2`)
	var typed string
	op.Eval(`document.querySelector('[data-tasks] input[name="in.comment"]').value`, &typed)
	if typed != "Customer happy" {
		t.Fatalf("the new task's arrival reset the form being filled in: comment %q", typed)
	}
	op.Shot("inbox-live")

	op.ClickText("[data-tasks] button", "Complete")
	op.WaitTrue(`document.querySelectorAll('[data-tasks] [data-task]').length === 1`)
	// The Complete button went with its card: the focus moves on to the next task's form.
	op.ExpectFocus("[data-tasks] [data-task] input")
	op.Click(`[data-tasks] input[name="in.approved"]`)
	op.ClickText("[data-tasks] button", "Complete")
	op.WaitFor("[data-empty]:not([hidden])")
	op.ExpectFocus("[data-empty]")
	op.Shot("inbox-done")
	var tasks struct {
		Items []struct{ Name, State string }
	}
	env.MustDo("GET", "/api/v1/tasks?state=open", env.Login("olga", "olga-password"), nil, 200, &tasks)
	if len(tasks.Items) != 0 {
		t.Fatalf("open tasks after completing: %+v", tasks.Items)
	}
}
