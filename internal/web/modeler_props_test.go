package web_test

// The modeler's properties panel in Chromium: a person selects each element of a drawn "New
// lead" process and sets its Parley properties with the panel's controls only; the XML the
// modeler then exports must say what was chosen (read back with the engine's own parser) and
// publish without a problem, on each database.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/server/servertest"
)

// propsPage is a bare page with the modeler and the panel, for testing the panel on its own:
// the same static files as Parley's pages, with no other script around them.
const propsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Properties panel</title>
<link rel="stylesheet" href="/static/css/parley.css">
<link rel="stylesheet" href="/static/vendor/bpmn-js/assets/diagram-js.css">
<link rel="stylesheet" href="/static/vendor/bpmn-js/assets/bpmn-js.css">
<link rel="stylesheet" href="/static/css/modeler-props.css">
<script src="/static/vendor/bpmn-js/bpmn-modeler.production.min.js"></script>
<script type="module" src="/props-page.js"></script>
</head><body><main style="display:flex;gap:12px">
<h1 class="sr-only">Properties panel</h1>
<div id="canvas" style="flex:1;height:800px"></div>
<aside id="props" aria-label="Properties" style="width:360px;height:820px;overflow:auto"></aside>
</main></body></html>`

const propsPageJS = `import * as api from '/static/js/api.js';
import { parleyModdle, mountProperties } from '/static/js/modeler/parley.js';
const zeebe = await (await fetch('/static/vendor/bpmn-js/zeebe.json')).json();
const modeler = new BpmnJS({ container: '#canvas', keyboard: { bindTo: document }, moddleExtensions: { parley: parleyModdle, zeebe } });
await modeler.importXML(await (await fetch('/props-start.bpmn')).text());
window.modeler = modeler;
window.declared = [];
mountProperties({ modeler, container: document.querySelector('#props'), api, definition: { variables: [] },
  onVariablesChange: (vars) => { window.declared = vars; } });
document.body.dataset.ready = 'true';
`

// propsServer serves the bare page beside a Parley server, passing everything else through
// to it: the browser sees one origin, so the session cookie and the API work as on Parley.
func propsServer(t *testing.T, env *servertest.Env) string {
	t.Helper()
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	start, err := os.ReadFile("testdata/props-start.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	serve := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ctype)
			_, _ = io.WriteString(w, body)
		}
	}
	mux.HandleFunc("GET /props-page", serve("text/html; charset=utf-8", propsPage))
	mux.HandleFunc("GET /props-page.js", serve("text/javascript", propsPageJS))
	mux.HandleFunc("GET /props-start.bpmn", serve("application/xml", string(start)))
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// propsFixtures makes what the pickers list: a person, a group, and the crm/leads app.
func propsFixtures(env *servertest.Env) {
	env.User("olga")
	env.Group("sales")
	env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
	env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "leads", "name": "Leads", "fields": []map[string]any{
		{"code": "name", "title": "Name", "type": "string", "required": true},
		{"code": "phone", "title": "Phone", "type": "phone"},
	}}, 201, nil)
}

const panel = "[data-properties-panel]"

// edit runs a step on the panel and waits until the panel has drawn its result.
func (p *Tab) edit(step func()) {
	p.t.Helper()
	var before int
	p.Eval(`Number(document.querySelector('`+panel+`').dataset.renders)`, &before)
	step()
	p.WaitTrue(fmt.Sprintf(`Number(document.querySelector('%s').dataset.renders) > %d`, panel, before))
}

// key selects the panel's control with that data-key.
func key(k string) string { return fmt.Sprintf(`%s [data-key="%s"]`, panel, k) }

// enter types value into the control and presses Enter, which commits it.
func (p *Tab) enter(k, value string) {
	p.t.Helper()
	p.edit(func() { p.Fill(key(k), value+"\r") })
}

// typeMore types text where the caret is, keeping what the control holds.
func (p *Tab) typeMore(sel, text string) {
	p.t.Helper()
	p.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

func (p *Tab) choose(k, label string) {
	p.t.Helper()
	p.edit(func() { p.Choose(key(k), label) })
}

// selectShape clicks the element on the canvas, as a person selects it; a flow by its label,
// since the line itself starts a drag of its segment under the pointer.
func (p *Tab) selectShape(id string) {
	p.t.Helper()
	target := id
	if p.Has(fmt.Sprintf(`[data-element-id="%s_label"]`, id)) && p.Has(fmt.Sprintf(`[data-element-id="%s"].djs-connection`, id)) {
		target = id + "_label"
	}
	p.edit(func() { p.Click(fmt.Sprintf(`[data-element-id="%s"] .djs-hit`, target)) })
	p.WaitText(panel+" .pp-id", "id "+id)
}

func TestPropertiesPanelWritesWhatTheEnginePublishes(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		propsFixtures(env)
		base := propsServer(t, env)
		admin := startBrowser(t, base).Tab("admin")
		admin.Login("admin", servertest.AdminPassword)
		admin.Open("/props-page")
		admin.WaitTrue(`document.body.dataset.ready === 'true' && document.querySelector('` + panel + `')`)
		admin.WaitTrue(`document.querySelector('` + panel + `').dataset.loaded === 'true' && !!document.querySelector('` + key("vars.add") + `')`)
		admin.Idle()

		declareVariables(admin)
		admin.Shot("props-variables")
		admin.edit(func() { admin.Click(key("process.executable")) })

		setUpCreateLead(t, admin)
		setUpMessageAndScript(admin)
		setUpCallBack(t, admin)
		setUpFlows(admin)

		xml := exportXML(admin)
		checkPanelXML(t, xml)
		var declared []map[string]any
		admin.Eval(`window.declared`, &declared)
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "new-lead", "name": "New lead", "variables": declared, "bpmn": xml}, 201, nil)
		var out struct {
			Number   int
			Warnings []struct{ Source, Message string }
		}
		env.MustDo("POST", "/api/v1/processes/new-lead/publish", env.Admin, nil, 201, &out)
		if out.Number != 1 || len(out.Warnings) != 0 {
			t.Fatalf("publishing the panel's process gave version %d with warnings %v", out.Number, out.Warnings)
		}
	})
}

// declareVariables declares the process's variables at the process level (nothing selected).
func declareVariables(admin *Tab) {
	vars := []struct{ name, typ string }{{"name", "string"}, {"phone", "phone"}, {"lead", "item of Leads"}, {"answer", "string"}, {"score", "integer"}, {"reached", "boolean"}}
	for i, v := range vars {
		admin.edit(func() { admin.Click(key("vars.add")) })
		admin.enter(fmt.Sprintf("vars.%d.name", i), v.name)
		if v.typ == "item of Leads" {
			admin.WaitTrue(fmt.Sprintf(`[...document.querySelector('%s').options].some((o) => o.textContent.startsWith('item of Leads'))`, key(fmt.Sprintf("vars.%d.type", i))))
		}
		if v.typ != "string" {
			admin.choose(fmt.Sprintf("vars.%d.type", i), v.typ)
		}
	}
	admin.edit(func() { admin.Click(key("vars.0.required")) })
	admin.WaitTrue(`window.declared.length === 6 && window.declared[2].type === 'item:crm/leads' && window.declared[0].required`)
}

// setUpCreateLead makes the service task create a lead from the name and the phone.
func setUpCreateLead(t *testing.T, admin *Tab) {
	admin.selectShape("CreateLead")
	admin.choose("task.kind", "Create an app item")
	admin.choose("input.app", "Leads (crm/leads)")
	admin.WaitFor(`[data-app-fields="crm/leads"]`)
	admin.choose("field.name", "The variable name")
	admin.choose("field.phone", "The variable phone")
	admin.enter("task.retries", "5")
	admin.edit(func() { admin.Click(key("outputs.add")) })
	admin.choose("outputs.0.variable", "lead (item:crm/leads)")
	if got := admin.value(key("outputs.0.expression")); got != "item" {
		t.Fatalf("a new output of app.createItem reads %q, want item", got)
	}
	// Undo goes back through the panel's own edits, and redo forward again.
	admin.enter("task.retries", "7")
	admin.edit(func() { admin.Eval(`modeler.get('commandStack').undo(), true`, new(bool)) })
	if got := admin.value(key("task.retries")); got != "5" {
		t.Fatalf("after undo the retries read %q, want 5", got)
	}
	admin.Shot("props-service-task")
}

// setUpMessageAndScript makes the message event receive the customer's answer, and the script
// score it, with the expression completed from the declared variables.
func setUpMessageAndScript(admin *Tab) {
	admin.selectShape("Answer")
	admin.choose("message.variable", "answer (string)")
	admin.WaitText(panel, "Session wait")

	admin.selectShape("Score")
	admin.edit(func() { admin.Click(key("assign.add")) })
	admin.choose("assign.0.variable", "score (integer)")
	admin.Fill(key("assign.0.expression"), "len(ans")
	admin.WaitTrue(`[...document.querySelectorAll('` + panel + ` [role=option]')].some((o) => o.textContent === 'answer')`)
	admin.Press(kb.ArrowDown)
	admin.Press(kb.Enter)
	admin.edit(func() { admin.typeMore(key("assign.0.expression"), ")\r") })
}

// setUpCallBack gives the call-back task to olga and the sales group, with a form and a due
// time, and a one-hour boundary timer.
func setUpCallBack(t *testing.T, admin *Tab) {
	admin.selectShape("CallBack")
	admin.choose("assignee.kind", "A person")
	admin.choose("assignee.user", "(olga)")
	admin.edit(func() { admin.Click(key("group.sales")) })
	admin.edit(func() { admin.Click(key("fields.add")) })
	admin.choose("fields.0.variable", "reached (boolean)")
	admin.enter("fields.0.label", "Reached the customer?")
	admin.edit(func() { admin.Click(key("fields.0.required")) })
	admin.enter("due.duration", "PT4H")
	admin.WaitText(`[data-preview="due"]`, "Overdue 4 hours after it is created.")
	admin.Shot("props-user-task")

	admin.selectShape("Late")
	admin.enter("timer.value", "P1D")
	admin.WaitText(`[data-preview="timer"]`, "Fires in 1 day.")
	admin.choose("timer.kind", "Repeatedly")
	admin.enter("timer.value", "R3/PT1H")
	admin.WaitText(`[data-preview="timer"]`, "Fires every hour, 3 times.")
	admin.choose("timer.kind", "After a duration")
	admin.enter("timer.value", "PT1H")
	if got := admin.Text(`[data-preview="timer"]`); got != "Fires in 1 hour." {
		t.Fatalf("the timer's preview reads %q", got)
	}
}

// setUpFlows gives the gateway a condition, completed from the variables, and a default flow.
func setUpFlows(admin *Tab) {
	admin.selectShape("Flow_Yes")
	admin.Fill(key("flow.condition"), "sc")
	admin.WaitTrue(`document.querySelector('` + key("flow.condition") + `').getAttribute('aria-expanded') === 'true'`)
	admin.Press(kb.ArrowDown)
	admin.Press(kb.Enter)
	admin.edit(func() { admin.typeMore(key("flow.condition"), " >= 5\r") })
	admin.selectShape("Flow_No")
	admin.edit(func() { admin.Click(key("flow.default")) })
}

// exportXML asks the modeler for its XML, as the page's download does.
func exportXML(admin *Tab) string {
	return run(admin, "export the XML", chromedp.Evaluate[string](`modeler.saveXML({ format: true }).then((r) => r.xml)`, chromedp.EvalAwaitPromise))
}

// checkPanelXML reads the exported file with the engine's parser and checks each setting.
func checkPanelXML(t *testing.T, xml string) {
	t.Helper()
	defs, err := bpmn.Parse([]byte(xml))
	if err != nil {
		t.Fatalf("the exported XML does not parse: %v\n%s", err, xml)
	}
	p := defs.Main()
	el := func(id string) *bpmn.Element {
		e := p.Elements[id]
		if e == nil {
			t.Fatalf("the exported process has no element %s", id)
		}
		return e
	}
	got := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	checks := []struct{ what, got, want string }{
		{"service task", got(el("CreateLead").Service), `{"Type":"app.createItem","Retries":5,"Inputs":[{"Name":"app","Value":"crm/leads","Expression":""},{"Name":"name","Value":"","Expression":"name"},{"Name":"phone","Value":"","Expression":"phone"}],"Outputs":[{"Variable":"lead","Expression":"item"}],"Headers":null}`},
		{"message", got(el("Answer").Message), `{"Name":"","Variable":"answer","CorrelationKey":"","CorrelationKeyRaw":""}`},
		{"script", got(el("Score").Script), `{"Assignments":[{"Variable":"score","Expression":"len(answer)","ExpressionRaw":"len(answer)"}]}`},
		{"assignee", got(el("CallBack").User.Assignee), `{"User":"olga","UserVariable":"","Groups":["sales"],"SessionOperator":false}`},
		{"form", got(el("CallBack").User.Form), `[{"Variable":"reached","Label":"Reached the customer?","Required":true}]`},
		{"due", el("CallBack").User.Due, "PT4H"},
		{"timer", el("Late").Timer.Duration, "PT1H"},
		{"condition", p.Flows["Flow_Yes"].Condition, "score >= 5"},
		{"default flow", el("Worth").Default.ID, "Flow_No"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: the panel wrote %s, want %s", c.what, c.got, c.want)
		}
	}
	if !strings.Contains(xml, `isExecutable="true"`) {
		t.Error("the process is not marked executable")
	}
	if t.Failed() {
		t.Log(xml)
	}
}
