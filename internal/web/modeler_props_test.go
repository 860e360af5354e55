package web_test

// The modeler's properties panel in Chromium, on the process page: a person selects each
// element of a drawn "New lead" process and sets its Parley properties with the panel's
// controls only; the XML the modeler then exports must say what was chosen (read back with the
// engine's own parser) and publish without a problem, on each database.

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/server/servertest"
)

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

// activate focuses the panel's control and presses Space, as a keyboard user ticks a box or
// presses a button (a click could land on the page's sticky header instead).
func (p *Tab) activate(k string) {
	p.t.Helper()
	p.edit(func() {
		p.do("focus "+k, chromedp.Focus(chromedp.CSS(key(k)), chromedp.NodeVisible))
		p.Press(" ")
	})
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

// selectShape clicks the element on the canvas where it shows, as a person selects it; a flow
// by its label, since the line itself starts a drag of its segment under the pointer. The
// check's messages beside elements let the pointer through to them.
func (p *Tab) selectShape(id string) {
	p.t.Helper()
	target := id
	if p.Has(fmt.Sprintf(`[data-element-id="%s_label"]`, id)) && p.Has(fmt.Sprintf(`[data-element-id="%s"].djs-connection`, id)) {
		target = id + "_label"
	}
	var at *struct{ X, Y float64 }
	p.Eval(fmt.Sprintf(`(() => {
		const hit = document.querySelector('[data-element-id="%s"] .djs-hit');
		hit.scrollIntoView({ block: 'center' });
		const r = hit.getBoundingClientRect();
		const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
		const e = document.elementFromPoint(x, y);
		return e && e.closest('[data-element-id]')?.dataset.elementId === '%s' ? { x, y } : null;
	})()`, target, target), &at)
	if at == nil {
		p.t.Fatalf("%s: something covers the element %s on the canvas", p.name, id)
	}
	p.edit(func() { p.do("click "+id, chromedp.MouseClickXY(at.X, at.Y)) })
	p.WaitText(panel+" .pp-id", "id "+id)
}

func TestPropertiesPanelWritesWhatTheEnginePublishes(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		propsFixtures(env)
		start, err := os.ReadFile("testdata/props-start.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "new-lead", "name": "New lead", "bpmn": string(start)}, 201, nil)
		admin := startBrowser(t, env.URL).Tab("admin")
		admin.Login("admin", servertest.AdminPassword)
		admin.Open("/admin/processes/new-lead")
		admin.WaitTrue(`!!window.parleyModeler && !!document.querySelector('` + panel + `')`)
		admin.WaitTrue(`document.querySelector('` + panel + `').dataset.loaded === 'true' && !!document.querySelector('` + key("vars.add") + `')`)
		admin.Idle()

		declareVariables(admin)
		admin.Audit("props-variables")
		admin.activate("process.executable")

		setUpCreateLead(t, admin)
		setUpMessageAndScript(admin)
		setUpCallBack(t, admin)
		setUpFlows(admin)

		checkPanelXML(t, exportXML(admin))
		// The page saves what the panel made: the diagram and the declared variables.
		admin.Click(`[data-action="save"]`)
		admin.WaitTrue(`document.querySelector('[data-action="save"]').disabled`)
		admin.Idle()
		var draft struct {
			BPMN      string
			Variables []struct{ Name, Type string }
		}
		env.MustDo("GET", "/api/v1/processes/new-lead", env.Admin, nil, 200, &draft)
		checkPanelXML(t, draft.BPMN)
		if got := fmt.Sprint(draft.Variables); got != "[{name string} {phone phone} {lead item:crm/leads} {answer string} {score integer} {reached boolean}]" {
			t.Fatalf("the saved draft declares %s", got)
		}
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
		admin.activate("vars.add")
		admin.enter(fmt.Sprintf("vars.%d.name", i), v.name)
		if v.typ == "item of Leads" {
			admin.WaitTrue(fmt.Sprintf(`[...document.querySelector('%s').options].some((o) => o.textContent.startsWith('item of Leads'))`, key(fmt.Sprintf("vars.%d.type", i))))
		}
		if v.typ != "string" {
			admin.choose(fmt.Sprintf("vars.%d.type", i), v.typ)
		}
	}
	admin.activate("vars.0.required")
	admin.WaitTrue(`document.querySelectorAll('[data-variables] tbody tr').length === 6`)
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
	admin.activate("outputs.add")
	admin.choose("outputs.0.variable", "lead (item:crm/leads)")
	if got := admin.value(key("outputs.0.expression")); got != "item" {
		t.Fatalf("a new output of app.createItem reads %q, want item", got)
	}
	// Undo goes back through the panel's own edits, and redo forward again.
	admin.enter("task.retries", "7")
	admin.edit(func() { admin.Eval(`parleyModeler.get('commandStack').undo(), true`, new(bool)) })
	if got := admin.value(key("task.retries")); got != "5" {
		t.Fatalf("after undo the retries read %q, want 5", got)
	}
	admin.Audit("props-service-task")
	admin.Shot("props-service-task")
}

// setUpMessageAndScript makes the message event receive the customer's answer, and the script
// score it, with the expression completed from the declared variables.
func setUpMessageAndScript(admin *Tab) {
	admin.selectShape("Answer")
	admin.choose("message.variable", "answer (string)")
	admin.enter("message.name", "customer-answer")
	admin.WaitText(panel, "Session wait")

	admin.selectShape("Score")
	admin.activate("assign.add")
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
	admin.choose("assignee.user", "olga")
	admin.activate("group.sales")
	admin.activate("fields.add")
	admin.choose("fields.0.variable", "reached (boolean)")
	admin.enter("fields.0.label", "Reached the customer?")
	admin.activate("fields.0.required")
	admin.enter("due.duration", "PT4H")
	admin.WaitText(`[data-preview="due"]`, "Overdue 4 hours after it is created.")
	admin.Audit("props-user-task")
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
	admin.activate("flow.default")
}

// exportXML asks the modeler for its XML, as the page's download does.
func exportXML(admin *Tab) string {
	return run(admin, "export the XML", chromedp.Evaluate[string](`parleyModeler.saveXML({ format: true }).then((r) => r.xml)`, chromedp.EvalAwaitPromise))
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
		{"message", got(el("Answer").Message), `{"Name":"customer-answer","Variable":"answer","CorrelationKey":"","CorrelationKeyRaw":""}`},
		{"script", got(el("Score").Script), `{"Assignments":[{"Variable":"score","Expression":"len(answer)","ExpressionRaw":"len(answer)"}]}`},
		{"assignee", got(el("CallBack").User.Assignee), `{"User":"olga","UserVariable":"","Expression":"","ExpressionRaw":"","Groups":["sales"],"SessionOperator":false}`},
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

// TestPropertiesPanelReadsZeebe opens a Camunda 8 file: the panel shows Zeebe's task
// definition, mapping and assignment, and an edit writes Parley's elements carrying Zeebe's
// values over, so that what the engine runs changes only where the person changed it. A
// correlation key is written as Zeebe's subscription, the one place the engine reads it.
func TestPropertiesPanelReadsZeebe(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	propsFixtures(env)
	file, err := os.ReadFile("testdata/props-zeebe.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "sync", "name": "Sync",
		"variables": []map[string]any{{"name": "name", "type": "string"}}, "bpmn": string(file)}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes/sync")
	admin.WaitTrue(`!!window.parleyModeler && document.querySelector('` + panel + `')?.dataset.loaded === 'true'`)

	admin.selectShape("Push")
	if got := admin.value(key("task.type")); got != "crm-sync" {
		t.Fatalf("the job type reads %q, want Zeebe's crm-sync", got)
	}
	if got := admin.value(key("task.retries")); got != "3" {
		t.Fatalf("the retries read %q, want Zeebe's 3", got)
	}
	if got := strings.Join(admin.Texts(panel+" [data-zeebe] li"), "; "); got != "Task definition: type crm-sync, retries 3; Input customer ← =name" {
		t.Fatalf("the panel shows Zeebe's settings as %q", got)
	}
	admin.enter("task.retries", "4")

	admin.selectShape("Review")
	if got := admin.value(key("assignee.user")); got != "olga" {
		t.Fatalf("the person reads %q, want Zeebe's assignee olga", got)
	}
	admin.activate("group.sales")

	// A correlation key makes the message wait a correlated one: the panel creates the
	// bpmn:Message, named after the event, with Zeebe's subscription, where the engine reads it.
	admin.selectShape("Wait")
	admin.enter("message.key", "name")
	admin.WaitText(panel, "Correlated wait")
	if got := admin.value(key("message.name")); got != "CRM answers" {
		t.Fatalf("the new message is named %q, want the event's name", got)
	}

	defs, err := bpmn.Parse([]byte(exportXML(admin)))
	if err != nil {
		t.Fatal(err)
	}
	p := defs.Main()
	svc, user := p.Elements["Push"].Service, p.Elements["Review"].User
	if svc.Type != "crm-sync" || svc.Retries != 4 || len(svc.Inputs) != 1 || svc.Inputs[0].Name != "customer" {
		t.Errorf("after the edit the service task is %+v", svc)
	}
	if user.Assignee.User != "olga" || strings.Join(user.Assignee.Groups, ",") != "sales" {
		t.Errorf("after the edit the assignee is %+v", user.Assignee)
	}
	if m := p.Elements["Wait"].Message; m.Name != "CRM answers" || m.CorrelationKeyRaw != "=name" || m.CorrelationKey != "name" {
		t.Errorf("the message wait is %+v", m)
	}
}

// oneTask is a process of one service task between a start and an end.
const oneTask = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_One" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Calls" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:serviceTask id="CreateLead" name="Call" />
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start" targetRef="CreateLead" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="CreateLead" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Calls">
      <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="CreateLead_di" bpmnElement="CreateLead"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="392" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="340" y="120" /><di:waypoint x="392" y="120" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`

// TestPropertiesPanelHTTPAndChatTasks sets an http call with a header, then turns the same
// task into a chat assignment: the inputs the new type does not read are dropped, and the
// operator is picked from the real users.
func TestPropertiesPanelHTTPAndChatTasks(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	propsFixtures(env)
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "calls", "name": "Calls",
		"variables": []map[string]any{{"name": "name", "type": "string"}}, "bpmn": oneTask}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes/calls")
	admin.WaitTrue(`!!window.parleyModeler && document.querySelector('` + panel + `')?.dataset.loaded === 'true'`)

	admin.selectShape("CreateLead")
	admin.choose("task.kind", "Call an HTTP endpoint")
	admin.choose("input.method", "POST")
	admin.enter("input.url", "https://crm.example.com/leads?name={{name}}")
	admin.activate("inputs.add")
	admin.enter("inputs.0.name", "header.Authorization")
	admin.enter("inputs.0.value", "Bearer secret")
	service := func() *bpmn.ServiceTask {
		defs, err := bpmn.Parse([]byte(exportXML(admin)))
		if err != nil {
			t.Fatal(err)
		}
		return defs.Main().Elements["CreateLead"].Service
	}
	b, _ := json.Marshal(service())
	if want := `{"Type":"http","Retries":0,"Inputs":[{"Name":"method","Value":"POST","Expression":""},{"Name":"url","Value":"https://crm.example.com/leads?name={{name}}","Expression":""},{"Name":"header.Authorization","Value":"Bearer secret","Expression":""}],"Outputs":null,"Headers":null}`; string(b) != want {
		t.Fatalf("the http task is %s, want %s", b, want)
	}

	admin.choose("task.kind", "Assign an operator")
	admin.choose("input.operator", "olga")
	b, _ = json.Marshal(service())
	if want := `{"Type":"livechat.assign","Retries":0,"Inputs":[{"Name":"operator","Value":"olga","Expression":""}],"Outputs":null,"Headers":null}`; string(b) != want {
		t.Fatalf("the assign task is %s, want %s", b, want)
	}
}

// TestTimerPreviewAgreesWithTheEngine reads durations with the panel's parser and with the
// engine's: a preview must never call "in 4 hours" what publish refuses, nor the other way
// round. It also pins the words of the previews.
func TestTimerPreviewAgreesWithTheEngine(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	tab := startBrowser(t, env.URL).Tab("anyone")
	tab.Open("/login")
	durations := []string{"PT4H", "P1D", "P1Y2M3W4DT5H6M7S", "PT1.5S", "PT1,5S", "P0D", "PT0S", "P1DT12H", "P2W",
		"P", "PT", "P1DT", "P1H", "PT1D", "P1.5D", "PT1.S", "PT.5S", "P1M1Y", "-PT1H", "pt1h", " PT1H", "PT1H ", "P1000000000D", "=PT1H", ""}
	js, _ := json.Marshal(durations)
	got := run(tab, "parse durations in the panel", chromedp.Evaluate[[]bool](fmt.Sprintf(
		`import('/static/js/modeler/props-timer.js').then((m) => %s.map((s) => m.parseDuration(s) !== null))`, js), chromedp.EvalAwaitPromise))
	for i, s := range durations {
		_, err := bpmn.ParseDuration(s)
		if got[i] != (err == nil) {
			t.Errorf("duration %q: the panel reads it: %v, the engine: %v (%v)", s, got[i], err == nil, err)
		}
	}
	previews := [][3]string{
		{"timeDuration", "PT4H", "in 4 hours"},
		{"timeDuration", "P1DT2H30M", "in 1 day, 2 hours and 30 minutes"},
		{"timeDate", "2030-01-31T09:00:00Z", "on 31 Jan 2030, 09:00 UTC"},
		{"timeCycle", "R3/PT1H", "every hour, 3 times"},
		{"timeCycle", "R/P1D", "every day, without end"},
		{"timeCycle", "R2/PT30M", "every 30 minutes, 2 times"},
		{"timeCycle", "0 0 9 * * MON-FRI", "on the cron schedule “0 0 9 * * MON-FRI”, in UTC"},
		{"timeDuration", "=later", "Expressions in timers are not supported; write a fixed value."},
		{"timeDate", "tomorrow", "“tomorrow” is not an RFC 3339 time such as 2030-01-31T09:00:00Z."},
	}
	js, _ = json.Marshal(previews)
	words := run(tab, "preview timers", chromedp.Evaluate[[]string](fmt.Sprintf(
		`import('/static/js/modeler/props-timer.js').then((m) => %s.map(([k, v]) => { const p = m.timerPreview(k, v); return p.text || p.error; }))`, js), chromedp.EvalAwaitPromise))
	for i, p := range previews {
		if words[i] != p[2] {
			t.Errorf("the preview of %s %q reads %q, want %q", p[0], p[1], words[i], p[2])
		}
	}
}
