package process

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/value"
	"github.com/parleychat/parley/internal/workspace"
)

// wantMissing fails unless err is an invalid error on the field that says what does not
// exist, which is what the HTTP layer turns into a 422 naming the variable.
func wantMissing(t *testing.T, err error, field, what string) {
	t.Helper()
	var e *errs.Error
	if !errs.Is(err, errs.Invalid) || !errors.As(err, &e) || e.Details["field"] != field ||
		!strings.Contains(e.Message, what) || !strings.Contains(e.Message, "does not exist") {
		t.Fatalf("got %v, want an invalid error on %s saying %s does not exist", err, field, what)
	}
}

// linkVars are one variable of each link type.
var linkVars = []Variable{variable("owner", "user"), variable("chat", "session"), variable("lead", "item:crm/leads")}

// withLeads wires a real workspace with the app crm/leads and returns an item of it.
func (e *env) withLeads() string {
	e.t.Helper()
	ws := workspace.New(e.db)
	e.svc.deps.Workspace = workspace.Processes{S: ws}
	ctx := context.Background()
	if _, err := ws.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := ws.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads",
		Fields: []workspace.NewField{{Code: "name", Title: "Name", Type: "string"}}}); err != nil {
		e.t.Fatal(err)
	}
	it, err := ws.CreateItem(ctx, "crm", "leads", workspace.NewItem{Values: map[string]json.RawMessage{"name": json.RawMessage(`"Ann"`)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return it.ID
}

// TestStartChecksLinksExist starts instances with user, session and item values: a link to a
// record that does not exist is refused with the variable named, and real ones start.
func TestStartChecksLinksExist(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		lead := e.withLeads()
		e.chat.addSession("ses_real")
		e.deploy("links", diagram(`<bpmn:userTask id="u"/>`+end+chain("start", "u", "end")), linkVars...)
		good := map[string]value.Value{"owner": v(typ("user"), `"`+e.adminID()+`"`),
			"chat": v(typ("session"), `"ses_real"`), "lead": v(typ("item:crm/leads"), `"`+lead+`"`)}
		for _, c := range []struct{ name, raw, what string }{
			{"owner", `"usr_nobody"`, `user "usr_nobody"`},
			{"chat", `"ses_gone"`, `session "ses_gone"`},
			{"lead", `"itm_nothing"`, `item "itm_nothing" of crm/leads`},
		} {
			inputs := map[string]value.Value{}
			for k, x := range good {
				inputs[k] = x
			}
			inputs[c.name] = v(linkVars[indexOf(c.name)].Type, c.raw)
			_, err := e.tryStart("links", inputs, "")
			wantMissing(t, err, c.name, c.what)
		}
		inst := e.start("links", good, "")
		if inst.Variables["owner"].String() != e.adminID() || inst.Variables["lead"].String() != lead {
			t.Fatalf("variables %v", inst.Variables)
		}
		raw := map[string]json.RawMessage{"owner": json.RawMessage(`"usr_nobody"`)}
		_, err := e.svc.StartByAPI(e.admin, "links", StartRequest{Inputs: raw})
		wantMissing(t, err, "owner", `user "usr_nobody"`)
	})
}

func indexOf(name string) int {
	for i, x := range linkVars {
		if x.Name == name {
			return i
		}
	}
	panic(name)
}

func (e *env) adminID() string {
	e.t.Helper()
	u, err := e.auth.UserByLogin(context.Background(), "admin")
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// TestCompletionsCheckLinksExist sends links to nothing through every other way values enter
// a running instance: a task's form, an outside worker's job and a published message. Each is
// refused naming the variable, and the instance still waits where it was.
func TestCompletionsCheckLinksExist(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.withLeads()
		body := `<bpmn:userTask id="form"><bpmn:extensionElements><parley:form><parley:field variable="owner"/></parley:form></bpmn:extensionElements></bpmn:userTask>
			<bpmn:serviceTask id="job"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask>
			<bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>` +
			end + chain("start", "form", "job", "msg", "end")
		// The correlated wait is written as Camunda Modeler writes it, with a zeebe:subscription.
		xml := strings.NewReplacer(`</bpmn:process>`, `</bpmn:process>
<bpmn:message id="m" name="ping"><bpmn:extensionElements><zeebe:subscription correlationKey="=key"/></bpmn:extensionElements></bpmn:message>`,
			`xmlns:parley=`, `xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:parley=`).Replace(diagram(body))
		e.deploy("waits", xml, append([]Variable{variable("key", "string")}, linkVars...)...)
		inst := e.start("waits", map[string]value.Value{"key": v(typ("string"), `"k1"`)}, "")
		task := e.instance(inst.ID).Tasks[0]
		_, err := e.svc.CompleteTask(e.admin, task.ID, map[string]json.RawMessage{"owner": json.RawMessage(`"usr_nobody"`)})
		wantMissing(t, err, "owner", `user "usr_nobody"`)
		if got := active(e.instance(inst.ID)); got != "form:task" {
			t.Fatalf("after a refused completion the instance is at %q", got)
		}
		e.completeTaskAt(e.admin, inst.ID, "form", map[string]string{"owner": `"` + e.adminID() + `"`})

		jobs, err := e.svc.Jobs(e.admin, "crm.sync", pageAll)
		if err != nil || len(jobs.Items) != 1 {
			t.Fatalf("jobs %+v, %v", jobs.Items, err)
		}
		err = e.svc.CompleteJob(e.admin, jobs.Items[0].ID, JobCompletion{Variables: map[string]json.RawMessage{"lead": json.RawMessage(`"itm_nothing"`)}})
		wantMissing(t, err, "lead", `item "itm_nothing" of crm/leads`)
		e.completeJobAt(inst.ID, "job")

		_, err = e.publishCount(e.admin, Message{Name: "ping", CorrelationKey: "k1",
			Variables: map[string]json.RawMessage{"chat": json.RawMessage(`"ses_gone"`)}})
		wantMissing(t, err, "chat", `session "ses_gone"`)
		if got := active(e.instance(inst.ID)); got != "msg:message" {
			t.Fatalf("after a refused message the instance is at %q", got)
		}
		e.chat.addSession("ses_gone")
		if n, err := e.publishCount(e.admin, Message{Name: "ping", CorrelationKey: "k1",
			Variables: map[string]json.RawMessage{"chat": json.RawMessage(`"ses_gone"`)}}); err != nil || n != 1 {
			t.Fatalf("publish: %d, %v", n, err)
		}
		e.wantEnded(inst.ID, "msg completed")
	})
}

// TestScriptLinkToNothingIsAnIncident assigns a user id that does not exist from an
// expression: it must not enter the context, so the step stops with an incident naming it.
func TestScriptLinkToNothingIsAnIncident(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := `<bpmn:scriptTask id="s"><bpmn:extensionElements><parley:script><parley:assign variable="owner" expression="'usr_' + 'nobody'"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>` +
			end + chain("start", "s", "end")
		e.deploy("assign", diagram(body), variable("owner", "user"))
		inst := e.instance(e.start("assign", nil, "").ID)
		if inst.State != StateIncident || len(inst.Incidents) != 1 || !strings.Contains(inst.Incidents[0].Error, `owner: user "usr_nobody" does not exist`) {
			t.Fatalf("state %s, incidents %+v", inst.State, inst.Incidents)
		}
		if !inst.Variables["owner"].IsNull() {
			t.Fatalf("owner = %v entered the context", inst.Variables["owner"])
		}
	})
}
