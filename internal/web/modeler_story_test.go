package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
	"github.com/parleychat/parley/internal/server/servertest"
)

// TestReadmeNewLeadStory is the README's "Build New lead yourself": on the demo's data an
// administrator draws the process in the browser only — variables, a service task that
// creates the lead from the name and the phone, a call-back task for the session's operator —
// publishes it, binds it to session_created of the Support live chat, and a customer's first
// message creates the lead and waits at the call-back. It runs on both databases: the
// check's app-task validation locks differently on each.
func TestReadmeNewLeadStory(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		if err := env.Server.Demo(context.Background()); err != nil {
			t.Fatalf("demo data: %v", err)
		}
		newLeadStory(t, env)
	})
}

func newLeadStory(t *testing.T, env *servertest.Env) {
	support := liveChatNamed(t, env, "Support")
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.recordCSP()
	admin.Login("admin", servertest.AdminPassword)

	admin.Open("/admin/processes")
	admin.ClickText("button", "+ Process")
	admin.Fill("dialog [name=code]", "lead-by-hand")
	admin.Fill("dialog [name=name]", "New lead (by hand)")
	admin.ClickText("dialog button", "Create draft")
	admin.WaitText("[data-problems-title]", "problem")
	admin.WaitTrue(`document.querySelector('` + panel + `') && document.querySelector('` + panel + `').dataset.loaded === 'true'`)
	admin.centerCanvas()

	admin.edit(func() { admin.Click(key("vars.add")) })
	admin.enter("vars.0.name", "name")
	admin.edit(func() { admin.Click(key("vars.add")) })
	admin.enter("vars.1.name", "phone")
	admin.choose("vars.1.type", "phone")

	admin.selectShape("start")
	create := appendTask(admin, "Service task")
	admin.choose("task.kind", "Create an app item")
	admin.choose("input.app", "Leads (crm/leads)")
	admin.WaitFor(`[data-app-fields="crm/leads"]`)
	admin.choose("field.name", "The variable name")
	admin.choose("field.phone", "The variable phone")

	call := appendTask(admin, "User task")
	admin.enter("name", "Call back")
	admin.choose("assignee.kind", "The operator of the linked session")
	admin.clickAt(`.djs-context-pad [data-action="append.end-event"]`)
	admin.WaitText("[data-problems-title]", "No problems")
	admin.Shot("new-lead-drawn")

	admin.Click(`[data-action="publish"]`)
	admin.WaitText("[data-publish-result]", "Version 1 published.")
	if v := admin.cspViolations(); len(v) > 0 {
		t.Fatalf("the modeler broke the page's content security policy: %v", v)
	}

	admin.Open("/admin/livechats/" + support + "#automation")
	admin.Click(`tr[data-event="session_created"] [data-action="select"]`)
	admin.Click(`dialog [data-code="lead-by-hand"]`)
	admin.WaitGone("dialog")
	admin.Click(`tr[data-event="session_created"] [data-action="configure"]`)
	admin.Choose(`dialog select[name="inputs.name"]`, "Customer name")
	admin.Choose(`dialog select[name="inputs.phone"]`, "Customer phone")
	admin.ClickText("dialog button", "Save")
	admin.WaitGone("dialog")

	var out struct {
		SessionID string `json:"session_id"`
	}
	env.MustDo("POST", "/api/v1/widget/"+support+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Bea Customer", "phone": "+4915112345679"}, "text": "Call me, please"}, 201, &out)
	var inst struct {
		Active []struct{ Element string }
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var list struct {
			Items []struct{ ID, Process string }
		}
		env.MustDo("GET", "/api/v1/sessions/"+out.SessionID+"/processes", env.Admin, nil, 200, &list)
		if len(list.Items) == 1 && list.Items[0].Process == "lead-by-hand" {
			env.MustDo("GET", "/api/v1/instances/"+list.Items[0].ID, env.Admin, nil, 200, &inst)
			break
		}
	}
	if len(inst.Active) != 1 || inst.Active[0].Element != call {
		t.Fatalf("the customer's message left the process at %+v, want the call-back %s (after %s)", inst.Active, call, create)
	}
	var leads struct {
		Items []struct{ Values map[string]any }
	}
	env.MustDo("GET", "/api/v1/workspaces/crm/apps/leads/items?name=Bea+Customer", env.Admin, nil, 200, &leads)
	if len(leads.Items) != 1 || leads.Items[0].Values["phone"] != "+4915112345679" {
		t.Fatalf("the leads named Bea Customer: %+v", leads.Items)
	}
}

// appendTask appends a task to the selected element with its context pad and turns it into
// kind with the Change element menu; it returns the new task's id, selected.
func appendTask(admin *Tab, kind string) string {
	admin.t.Helper()
	var before []string
	admin.Eval(`window.parleyModeler.get('elementRegistry').getAll().map((e) => e.id)`, &before)
	admin.clickAt(`.djs-context-pad [data-action="append.append-task"]`)
	var id string
	admin.WaitTrue(fmt.Sprintf(`!!document.querySelector('.djs-shape.selected') && !%s.includes(document.querySelector('.djs-shape.selected').dataset.elementId)`, jsList(before)))
	admin.Eval(`document.querySelector('.djs-shape.selected').dataset.elementId`, &id)
	admin.clickAt(`.djs-context-pad [data-action="replace"]`)
	admin.WaitFor(`.djs-popup input`)
	admin.Press(kind)
	admin.Press(kb.Enter)
	admin.WaitText(panel+" .pp-id", "id "+id)
	admin.WaitTrue(fmt.Sprintf(`window.parleyModeler.get('elementRegistry').get(%q).type === 'bpmn:%s'`, id, map[string]string{"Service task": "ServiceTask", "User task": "UserTask"}[kind]))
	return id
}

func jsList(items []string) string {
	out := "["
	for i, s := range items {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%q", s)
	}
	return out + "]"
}

// liveChatNamed returns the id of the live chat with that name.
func liveChatNamed(t *testing.T, env *servertest.Env, name string) string {
	t.Helper()
	var list struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/livechats", env.Admin, nil, 200, &list)
	for _, lc := range list.Items {
		if lc.Name == name {
			return lc.ID
		}
	}
	t.Fatalf("no live chat %s among %+v", name, list.Items)
	return ""
}
