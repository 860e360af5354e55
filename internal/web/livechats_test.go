package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// leadDiagram is a published process of four elements and three flows. It is written with a
// default namespace (no bpmn: prefix), which the browser's diagram must draw as well.
const leadDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:parley="https://parley.dev/schema/bpmn/1" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <process id="Lead" name="Lead intake" isExecutable="true">
    <startEvent id="start" name="New lead"/>
    <userTask id="call" name="Call the customer back about the lead">
      <extensionElements><parley:assignee user="admin"/></extensionElements>
    </userTask>
    <exclusiveGateway id="done" name="Reached?" default="f3"/>
    <endEvent id="end" name="Handled"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <sequenceFlow id="f2" sourceRef="call" targetRef="done"/>
    <sequenceFlow id="f3" name="yes" sourceRef="done" targetRef="end"/>
  </process>
  <bpmndi:BPMNDiagram id="Diagram">
    <bpmndi:BPMNPlane id="Plane" bpmnElement="Lead">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="call_di" bpmnElement="call"><dc:Bounds x="240" y="80" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="done_di" bpmnElement="done" isMarkerVisible="true"><dc:Bounds x="395" y="95" width="50" height="50"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="502" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="120"/><di:waypoint x="240" y="120"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="340" y="120"/><di:waypoint x="395" y="120"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="445" y="120"/><di:waypoint x="502" y="120"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>`

// publishLead creates and publishes the "lead" process through the API: a required string,
// a phone and an optional string.
func publishLead(env *servertest.Env) {
	env.T.Helper()
	vars := []map[string]any{
		{"name": "name", "type": "string", "required": true, "title": "Customer name"},
		{"name": "phone", "type": "phone", "title": "Phone to call"},
		{"name": "note", "type": "string", "title": "What they asked"},
	}
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "lead", "name": "Lead intake", "scope": "global",
		"variables": vars, "bpmn": leadDiagram}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/lead/publish", env.Admin, nil, 201, nil)
}

// publishScoped publishes a process in a workspace and one in an app, for the picker's
// Workspaces and Apps groups.
func publishScoped(env *servertest.Env) {
	env.T.Helper()
	env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
	env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "deals", "name": "Deals",
		"fields": []map[string]any{{"code": "title", "title": "Title", "type": "string"}}}, 201, nil)
	for code, scope := range map[string]string{"crm-followup": "crm", "deal-review": "crm/deals"} {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": code, "name": "Process " + code, "scope": scope, "bpmn": leadDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/"+code+"/publish", env.Admin, nil, 201, nil)
	}
}

// TestAdministratorBindsProcessToLiveChat goes the seed's way: Administration > Live Chats,
// +Live Chat, the Business Processes tab, Select, Configure, and a save the API refuses
// before one it accepts.
func TestAdministratorBindsProcessToLiveChat(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	publishLead(env)
	publishScoped(env)
	group := env.Group("Support operators")
	b := startBrowser(t, env.URL)
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Click(`header [data-nav="administration"]`)
	if got := admin.Path(); got != "/admin/livechats" {
		t.Fatalf("Administration leads to %s, want /admin/livechats", got)
	}
	admin.Shot("livechats")

	id := createLiveChatThroughForm(t, admin)
	admin.Click(`[data-tab-button="automation"]`)
	admin.WaitText(`tr[data-event="session_created"]`, "not set")
	admin.Shot("business-processes")

	selectLead(admin)
	checkInputChoices(t, env, admin)
	saveMapping(t, env, admin, id)
	followStartedInstance(t, env, admin, id)
	toggleAndLog(t, env, admin, id)
	manageChannels(admin, id)
	breakBinding(admin, id)
	removeAndRename(admin)

	_, _ = env.User("olga", group)
	olga := b.Tab("operator")
	olga.Login("olga", "olga-password")
	if status := olga.Open("/admin/livechats/" + id); status != 403 {
		t.Fatalf("an operator opening the live chat's administration page got %d, want 403", status)
	}
	if olga.Has(`[data-tab-button="automation"]`) {
		t.Fatal("an operator sees the Business Processes tab")
	}
	olga.Shot("operator-forbidden")
}

// createLiveChatThroughForm creates "Support" with "+Live Chat" after the form refused an
// empty name, and returns its id from the page it leads to.
func createLiveChatThroughForm(t *testing.T, admin *Tab) string {
	admin.ClickText("button", "+Live Chat")
	admin.ClickText("dialog button", "Create live chat")
	admin.WaitText("dialog [name=name] ~ .field-error", "Name is required")
	admin.Shot("livechat-form-errors")
	admin.Fill("dialog [name=name]", "Support")
	admin.Fill("dialog [name=description]", "Questions from the website")
	admin.Choose("dialog select[name=operator_groups]", "Support operators")
	admin.Choose("dialog select[name=supervisor_groups]", "Administrators")
	admin.ClickText("dialog button", "Create live chat")
	admin.WaitText("[data-title]", "Support")
	path := admin.Path()
	id, ok := strings.CutPrefix(strings.SplitN(path, "#", 2)[0], "/admin/livechats/")
	if !ok || id == "" {
		t.Fatalf("after creating a live chat the browser is at %s", path)
	}
	admin.Shot("livechat")
	return id
}

// selectLead picks Lead intake in the picker, under Global, after searching for it.
func selectLead(admin *Tab) {
	admin.Click(`tr[data-event="session_created"] [data-action="select"]`)
	admin.WaitText(`dialog [data-group="Global"]`, "Lead intake")
	admin.WaitText(`dialog [data-group="Workspaces"]`, "crm-followup")
	admin.WaitText(`dialog [data-group="Apps"]`, "deal-review")
	admin.Shot("process-picker-groups")
	admin.Fill("dialog input[type=search]", "lead")
	admin.Shot("process-picker")
	admin.Click(`dialog [data-code="lead"]`)
	admin.WaitGone("dialog")
	admin.WaitText(`tr[data-event="session_created"]`, "Lead intake")
}

// checkInputChoices opens Configure and checks that each variable is offered only the
// properties of its own type.
func checkInputChoices(t *testing.T, env *servertest.Env, admin *Tab) {
	var props []struct{ Path, Type string }
	env.MustDo("GET", "/api/v1/livechats/properties", env.Admin, nil, 200, &props)
	typeOf := map[string]string{}
	for _, p := range props {
		typeOf[p.Path] = p.Type
	}
	admin.Click(`tr[data-event="session_created"] [data-action="configure"]`)
	admin.WaitFor(`dialog select[name="inputs.phone"]`)
	var phone, name []string
	admin.Eval(`[...document.querySelectorAll('dialog select[name="inputs.phone"] option')].map((o) => o.value).filter(Boolean)`, &phone)
	admin.Eval(`[...document.querySelectorAll('dialog select[name="inputs.name"] option')].map((o) => o.value).filter(Boolean)`, &name)
	if !slices.Equal(phone, []string{"customer.phone"}) {
		t.Fatalf("the phone variable is offered %v, want only customer.phone", phone)
	}
	if len(name) == 0 {
		t.Fatal("the string variable is offered no property")
	}
	for _, p := range name {
		if typeOf[p] != "string" {
			t.Fatalf("the string variable is offered %s of type %s", p, typeOf[p])
		}
	}
	if !strings.Contains(admin.Text(`dialog tr[data-variable="name"] td`), "*") {
		t.Fatal("the required variable is not marked with *")
	}
	admin.Shot("configure")
}

// saveMapping saves once with the required variable unmapped, which must show the API's
// problem beside that variable, then maps it and saves.
func saveMapping(t *testing.T, env *servertest.Env, admin *Tab, id string) {
	admin.Choose(`dialog select[name="inputs.phone"]`, "Customer phone")
	admin.ClickText("dialog button", "Save")
	admin.WaitFor(`dialog tr[data-variable="name"] .field-error`)
	if admin.Has(`dialog tr[data-variable="phone"] .field-error`) {
		t.Fatal("the mapped phone variable is marked as wrong")
	}
	admin.Shot("configure-error")

	admin.Choose(`dialog select[name="inputs.name"]`, "Customer name")
	admin.Choose(`dialog select[name="inputs.note"]`, "Last message text")
	admin.ClickText("dialog button", "Save")
	admin.WaitGone("dialog")
	admin.WaitText(`tr[data-event="session_created"]`, "3 mapped")
	admin.Shot("bound")

	tab := automationTab(env, id)
	b := tab.Items[0]
	if b.Event != "session_created" || b.Process != "lead" || !b.Enabled || b.Inputs["name"] != "customer.name" || b.Inputs["phone"] != "customer.phone" || b.Inputs["note"] != "lastMessage.text" {
		t.Fatalf("the saved binding is %+v", b)
	}
}

type automationRows struct {
	Items []struct {
		Event   string
		Process string
		Inputs  map[string]string
		Enabled bool
	}
}

func automationTab(env *servertest.Env, id string) automationRows {
	var tab automationRows
	env.MustDo("GET", "/api/v1/livechats/"+id+"/automation", env.Admin, nil, 200, &tab)
	return tab
}

// toggleAndLog switches the binding off with its toggle and opens the automation log.
func toggleAndLog(t *testing.T, env *servertest.Env, admin *Tab, id string) {
	admin.Click(`tr[data-event="session_created"] [data-action="enabled"]`)
	admin.WaitText(`tr[data-event="session_created"] .switch`, "Off")
	if automationTab(env, id).Items[0].Enabled {
		t.Fatal("the toggle did not disable the binding")
	}
	admin.Click(`[data-tab-button="log"]`)
	admin.WaitFor("[data-log]")
	admin.Choose("[data-log-filter] select[name=outcome]", "Failed")
	admin.Shot("automation-log")
}

// manageChannels shows the widget's embed snippet, then adds an HTTP channel, whose API key is
// shown once.
func manageChannels(admin *Tab, id string) {
	admin.Click(`[data-tab-button="channels"]`)
	admin.WaitText("[data-channels] tbody", "Website widget")
	admin.Click(`[data-channels] [data-action="embed"]`)
	admin.WaitText("dialog [data-snippet]", `/widget.js" data-livechat="`+id+`"`)
	admin.Shot("embed-snippet")
	admin.Click("dialog .icon-btn")
	admin.WaitGone("dialog")

	admin.ClickText("button", "+ Channel")
	admin.Choose("dialog select[name=type]", "HTTP channel")
	admin.Fill("dialog [name=name]", "Messenger bridge")
	admin.ClickText("dialog button", "Create channel")
	admin.WaitFor("dialog [data-api-key]")
	admin.Shot("api-key")
	admin.Click("dialog .icon-btn")
	admin.WaitText(`[data-channels] tr[data-channel="Messenger bridge"]`, "HTTP channel")
}

// breakBinding publishes a version whose phone variable became a string through the process
// page: publishing warns about the binding, and the tab marks it broken.
func breakBinding(admin *Tab, id string) {
	admin.Open("/admin/processes/lead")
	admin.ClickText("button", "Edit draft")
	admin.Fill(`dialog [name="variables[1].type"]`, "string")
	admin.ClickText("dialog button", "Save draft")
	admin.WaitGone("dialog")
	admin.ClickText("button", "Publish")
	admin.WaitText("[data-publish-result] [data-warnings]", "breaks the mapping")
	admin.Shot("publish-warnings")
	admin.Open("/admin/livechats/" + id + "#automation")
	admin.WaitText(`tr[data-event="session_created"] [data-broken]`, "Broken")
	admin.Shot("broken-binding")
}

// followStartedInstance lets a customer open a session through the widget API, waits for the
// automation to start the bound process, and follows the log's link to the instance.
func followStartedInstance(t *testing.T, env *servertest.Env, admin *Tab, id string) {
	env.MustDo("POST", "/api/v1/widget/"+id+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Ann Customer", "phone": "+4915112345678"}, "text": "Please call me"}, 201, nil)
	var log struct {
		Items []struct{ Outcome, Reason string }
	}
	for deadline := time.Now().Add(10 * time.Second); len(log.Items) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		env.MustDo("GET", "/api/v1/livechats/"+id+"/automation/log", env.Admin, nil, 200, &log)
	}
	if len(log.Items) == 0 || log.Items[0].Outcome != "started" {
		t.Fatalf("the automation log after a new session is %+v, want a started instance", log.Items)
	}
	admin.Open("/admin/livechats/" + id + "/log")
	admin.WaitText(`[data-log] tr[data-outcome="started"]`, "Session created")
	admin.Shot("log-started")
	admin.Click(`[data-log] tr[data-outcome="started"] [data-instance]`)
	admin.WaitFor(`.diagram svg [data-element="call"].bpmn-active`)
	admin.WaitText(`[data-variables] tr[data-variable="phone"]`, "+4915112345678")
	admin.WaitText(`[data-props]`, "Open the session")
	admin.Shot("started-instance")
	admin.Open("/admin/livechats/" + id + "#automation")
	admin.WaitFor(`tr[data-event="session_created"] [data-action="enabled"]`)
}

// removeAndRename unsets the broken binding and renames the live chat on the Settings tab.
func removeAndRename(admin *Tab) {
	admin.Click(`tr[data-event="session_created"] [data-action="remove"]`)
	admin.WaitText(`tr[data-event="session_created"]`, "not set")
	admin.Click(`[data-tab-button="settings"]`)
	admin.Click(`[data-settings] [data-action="edit"]`)
	admin.Fill("dialog [name=name]", "Support desk")
	admin.ClickText("dialog button", "Save")
	admin.WaitGone("dialog")
	admin.WaitText("[data-title]", "Support desk")
	admin.WaitText("[data-settings]", "Support desk")
	admin.WaitText("[data-settings]", "Support operators")
	admin.Shot("settings")
}
