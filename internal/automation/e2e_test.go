package automation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// bpmnFor wraps task XML between a none start and a none end event.
func bpmnFor(id, tasks string, flows ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d_%s">
<bpmn:process id="%s" isExecutable="true"><bpmn:startEvent id="start"/>%s<bpmn:endEvent id="end"/>`, id, id, tasks)
	for i := 0; i+1 < len(flows); i++ {
		fmt.Fprintf(&b, `<bpmn:sequenceFlow id="f%d" sourceRef="%s" targetRef="%s"/>`, i, flows[i], flows[i+1])
	}
	b.WriteString(`</bpmn:process></bpmn:definitions>`)
	return b.String()
}

// leadBPMN is the seed's example: a lead is added, then somebody calls the customer back.
var leadBPMN = bpmnFor("new_lead", `
<bpmn:serviceTask id="create"><bpmn:extensionElements><parley:task type="app.createItem">
  <parley:input name="app" value="crm/leads"/>
  <parley:input name="name" expression="customer_name"/>
  <parley:input name="phone" expression="customer_phone"/>
  <parley:input name="message" expression="first_message"/>
  <parley:output variable="lead" expression="item"/>
</parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:userTask id="call" name="Call back"><bpmn:extensionElements><parley:assignee sessionOperator="true" group="Supervisors"/></bpmn:extensionElements></bpmn:userTask>`,
	"start", "create", "call", "end")

// waitBPMN holds each instance at a user task so instances can be counted.
func waitBPMN(id string) string {
	return bpmnFor(id, `<bpmn:userTask id="look" name="Look"><bpmn:extensionElements><parley:assignee group="Supervisors"/></bpmn:extensionElements></bpmn:userTask>`,
		"start", "look", "end")
}

// chatEnv is a live chat with an online operator and a supervisor.
type chatEnv struct {
	*servertest.Env
	chat, operator, supervisor string
}

func newChat(t *testing.T, env *servertest.Env) *chatEnv {
	ops, sups := env.Group("Operators"), env.Group("Supervisors")
	_, op := env.User("olga", ops)
	_, sup := env.User("sam", sups)
	env.MustDo("PUT", "/api/v1/me/presence", op, map[string]any{"presence": "online"}, 200, nil)
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Website",
		"operator_groups": []string{ops}, "supervisor_groups": []string{sups}}, 201, &lc)
	return &chatEnv{Env: env, chat: lc.ID, operator: op, supervisor: sup}
}

func (c *chatEnv) publish(code, scope, bpmn string, vars ...map[string]any) {
	c.MustDo("POST", "/api/v1/processes", c.Admin, map[string]any{"code": code, "name": code, "scope": scope,
		"variables": vars, "bpmn": bpmn}, 201, nil)
	c.MustDo("POST", "/api/v1/processes/"+code+"/publish", c.Admin, nil, 201, nil)
}

func (c *chatEnv) bind(event, code string, inputs map[string]string) {
	c.MustDo("PUT", "/api/v1/livechats/"+c.chat+"/automation/"+event, c.Admin,
		map[string]any{"process": code, "inputs": inputs, "enabled": true}, 200, nil)
}

// customer starts a widget session and returns its id and visitor token.
func (c *chatEnv) customer(text string) (id, token string) {
	var out struct{ SessionID, VisitorToken string }
	r := c.MustDo("POST", "/api/v1/widget/"+c.chat+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Anna Petrova", "phone": "+7 (999) 123-45-67", "email": "anna@example.com"},
		"subject":  "Prices", "text": text}, 201, nil)
	var raw struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	r.JSON(c.T, &raw)
	out.SessionID, out.VisitorToken = raw.SessionID, raw.VisitorToken
	return out.SessionID, out.VisitorToken
}

type summary struct {
	ID      string
	Process string
	Trigger struct{ Kind, Event string }
}

// processes waits until the session has n linked instances (the dispatcher runs in the
// background) and then checks that no more arrive.
func (c *chatEnv) processes(session string, n int) []summary {
	c.T.Helper()
	var out struct{ Items []summary }
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.MustDo("GET", "/api/v1/sessions/"+session+"/processes", c.Admin, nil, 200, &out)
		if len(out.Items) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	c.MustDo("GET", "/api/v1/sessions/"+session+"/processes", c.Admin, nil, 200, &out)
	if len(out.Items) != n {
		c.T.Fatalf("session has %d instances, want %d: %+v", len(out.Items), n, out.Items)
	}
	return out.Items
}

func (c *chatEnv) log(query string) []map[string]any {
	var out struct{ Items []map[string]any }
	c.MustDo("GET", "/api/v1/livechats/"+c.chat+"/automation/log"+query, c.Admin, nil, 200, &out)
	return out.Items
}

func TestSeedExampleLeadOnSessionCreated(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
		env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "leads", "name": "Leads", "fields": []map[string]any{
			{"code": "name", "title": "Name", "type": "string", "required": true},
			{"code": "phone", "title": "Phone", "type": "phone"},
			{"code": "message", "title": "Message", "type": "string"}}}, 201, nil)
		c.publish("new_lead", "crm/leads", leadBPMN,
			map[string]any{"name": "customer_name", "type": "string", "required": true},
			map[string]any{"name": "customer_phone", "type": "phone"},
			map[string]any{"name": "first_message", "type": "string"},
			map[string]any{"name": "lead", "type": "item:crm/leads"})
		c.bind("session_created", "new_lead", map[string]string{"customer_name": "customer.name",
			"customer_phone": "customer.phone", "first_message": "lastMessage.text"})

		session, _ := c.customer("How much is the annual plan?")
		items := c.processes(session, 1)
		if items[0].Process != "new_lead" || items[0].Trigger.Kind != "automatic" || items[0].Trigger.Event != "session_created" {
			t.Fatalf("instance %+v", items[0])
		}
		var inst struct {
			SessionID string         `json:"session_id"`
			Variables map[string]any `json:"variables"`
			State     string
		}
		env.MustDo("GET", "/api/v1/instances/"+items[0].ID, env.Admin, nil, 200, &inst)
		want := map[string]any{"customer_name": "Anna Petrova", "customer_phone": "+79991234567", "first_message": "How much is the annual plan?"}
		for k, v := range want {
			if inst.Variables[k] != v {
				t.Errorf("variable %s = %v, want %v", k, inst.Variables[k], v)
			}
		}
		if inst.SessionID != session || inst.State != "active" {
			t.Fatalf("instance linked to %q in state %q", inst.SessionID, inst.State)
		}
		var leads struct {
			Items []struct{ Values map[string]any }
		}
		env.MustDo("GET", "/api/v1/workspaces/crm/apps/leads/items", env.Admin, nil, 200, &leads)
		if len(leads.Items) != 1 || leads.Items[0].Values["phone"] != "+79991234567" || leads.Items[0].Values["name"] != "Anna Petrova" {
			t.Fatalf("leads %+v, want one for Anna", leads.Items)
		}
		log := c.log("")
		if len(log) != 1 || log[0]["outcome"] != "started" || log[0]["instance_id"] != items[0].ID {
			t.Fatalf("automation log %v", log)
		}
	})
}

func TestEachEventFiresItsBinding(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		for _, ev := range []string{"session_created", "message_received", "session_closed"} {
			c.publish("on_"+ev, "global", waitBPMN("on_"+ev), map[string]any{"name": "text", "type": "string"})
			c.bind(ev, "on_"+ev, map[string]string{"text": "lastMessage.text"})
		}
		session, visitor := c.customer("hello")
		c.processes(session, 2) // session_created and the first message_received
		env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": "anyone?"}, 201, nil)
		c.processes(session, 3)
		env.MustDo("POST", "/api/v1/sessions/"+session+"/take", c.operator, nil, 200, nil)
		env.MustDo("POST", "/api/v1/sessions/"+session+"/messages", c.operator, map[string]any{"text": "Hi, I'm here"}, 201, nil)
		c.processes(session, 3) // an operator's message fires nothing
		env.MustDo("POST", "/api/v1/sessions/"+session+"/close", c.operator, nil, 200, nil)
		items := c.processes(session, 4)
		count := map[string]int{}
		for _, it := range items {
			count[it.Trigger.Event]++
		}
		if count["session_created"] != 1 || count["message_received"] != 2 || count["session_closed"] != 1 {
			t.Fatalf("instances per event %v", count)
		}
	})
}

func TestSpamStartsNothing(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("on_message", "global", waitBPMN("on_message"), map[string]any{"name": "text", "type": "string"})
		c.publish("on_close", "global", waitBPMN("on_close"))
		c.bind("message_received", "on_message", map[string]string{"text": "lastMessage.text"})
		c.bind("session_closed", "on_close", nil)
		session, visitor := c.customer("first")
		c.processes(session, 1)
		env.MustDo("POST", "/api/v1/sessions/"+session+"/spam", c.operator, nil, 200, nil)
		env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": "buy pills"}, 201, nil)
		r := env.Do("POST", "/api/v1/sessions/"+session+"/processes", c.supervisor, map[string]any{"process": "on_message"})
		if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "spam") {
			t.Fatalf("manual start on spam: %d %s, want 409 naming spam", r.Status, r.Body)
		}
		c.processes(session, 1)
		skipped := c.log("?outcome=skipped")
		if len(skipped) != 1 || skipped[0]["reason"] != "the session is marked as spam" {
			t.Fatalf("skipped lines %v", skipped)
		}
		env.MustDo("DELETE", "/api/v1/sessions/"+session+"/spam", c.supervisor, nil, 200, nil)
		env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": "sorry, real question"}, 201, nil)
		c.processes(session, 2)
	})
}

func TestManualStart(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("callback", "global", waitBPMN("callback"),
			map[string]any{"name": "when", "type": "datetime", "required": true})
		session, _ := c.customer("call me")
		start := func(token string, inputs map[string]any) *servertest.Response {
			return env.Do("POST", "/api/v1/sessions/"+session+"/processes", token, map[string]any{"process": "callback", "inputs": inputs})
		}
		if r := start(c.operator, map[string]any{"when": 5}); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "when") {
			t.Fatalf("bad input: %d %s, want 422 naming when", r.Status, r.Body)
		}
		env.MustDo("PUT", "/api/v1/me/presence", c.operator, map[string]any{"presence": "offline"}, 200, nil)
		if r := start(c.operator, map[string]any{"when": "2026-12-01T10:00:00Z"}); r.Status != 403 || !strings.Contains(r.ErrorMessage(), "offline") {
			t.Fatalf("offline operator: %d %s, want 403 with the reason", r.Status, r.Body)
		}
		env.MustDo("PUT", "/api/v1/me/presence", c.operator, map[string]any{"presence": "online"}, 200, nil)
		if r := start(c.operator, map[string]any{"when": "2026-12-01T10:00:00Z"}); r.Status != 201 {
			t.Fatalf("manual start: %d %s", r.Status, r.Body)
		}
		items := c.processes(session, 1)
		if items[0].Trigger.Kind != "manual" {
			t.Fatalf("trigger %+v", items[0].Trigger)
		}
	})
}

func TestBindingsAreForAdministratorsOnly(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("p", "global", waitBPMN("p"))
		path := "/api/v1/livechats/" + c.chat + "/automation"
		for name, token := range map[string]string{"operator": c.operator, "supervisor": c.supervisor} {
			for _, req := range []struct{ method, path string }{{"GET", path}, {"PUT", path + "/session_created"},
				{"DELETE", path + "/session_created"}, {"GET", path + "/log"}} {
				r := env.Do(req.method, req.path, token, map[string]any{"process": "p", "inputs": map[string]string{}})
				if r.Status != 403 {
					t.Errorf("%s %s %s: %d, want 403", name, req.method, req.path, r.Status)
				}
			}
		}
		var tab struct {
			Items []struct{ Event, Process string }
		}
		env.MustDo("GET", path, env.Admin, nil, 200, &tab)
		for _, row := range tab.Items {
			if row.Process != "" {
				t.Fatalf("a refused write changed the tab: %+v", tab)
			}
		}
	})
}

func TestMappingIsTypeChecked(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("typed", "global", waitBPMN("typed"),
			map[string]any{"name": "count", "type": "integer"},
			map[string]any{"name": "phone", "type": "phone", "required": true},
			map[string]any{"name": "name", "type": "string", "required": true})
		r := env.Do("PUT", "/api/v1/livechats/"+c.chat+"/automation/session_created", env.Admin, map[string]any{"process": "typed",
			"inputs": map[string]string{"count": "customer.phone", "ghost": "customer.name", "name": "customer.shoe_size"}})
		if r.Status != 422 {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
		msg := r.ErrorMessage()
		for _, want := range []string{"inputs.count", "integer", "phone", "inputs.ghost", "customer.shoe_size", "inputs.phone"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not name %q", msg, want)
			}
		}
		r = env.Do("PUT", "/api/v1/livechats/"+c.chat+"/automation/session_created", env.Admin, map[string]any{"process": "nope", "inputs": map[string]string{}})
		if r.Status != 422 || !strings.Contains(r.ErrorMessage(), "process") {
			t.Fatalf("unknown process: %d %s", r.Status, r.Body)
		}
	})
}

func TestPublishThatBreaksABindingIsReportedAndLogged(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("p", "global", waitBPMN("p"), map[string]any{"name": "text", "type": "string"})
		c.bind("session_created", "p", map[string]string{"text": "lastMessage.text"})
		env.MustDo("PUT", "/api/v1/processes/p", env.Admin, map[string]any{"name": "p", "scope": "global", "bpmn": waitBPMN("p"),
			"variables": []map[string]any{{"name": "text", "type": "integer"}}}, 200, nil)
		var pub struct{ Warnings []struct{ Message string } }
		env.MustDo("POST", "/api/v1/processes/p/publish", env.Admin, nil, 201, &pub)
		if len(pub.Warnings) != 1 || !strings.Contains(pub.Warnings[0].Message, "text") {
			t.Fatalf("publish warnings %+v, want the broken binding", pub.Warnings)
		}
		var tab struct {
			Items []struct{ Event, Process, Broken string }
		}
		env.MustDo("GET", "/api/v1/livechats/"+c.chat+"/automation", env.Admin, nil, 200, &tab)
		if tab.Items[0].Process != "p" || tab.Items[0].Broken == "" {
			t.Fatalf("binding not marked broken: %+v", tab.Items[0])
		}
		session, _ := c.customer("hi")
		c.processes(session, 0)
		deadline := time.Now().Add(5 * time.Second)
		for len(c.log("?outcome=failed")) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if failed := c.log("?outcome=failed"); len(failed) != 1 || !strings.Contains(failed[0]["reason"].(string), "integer") {
			t.Fatalf("failed lines %v", failed)
		}
	})
}

// tabRow reads the Business Processes tab's row for an event.
func (c *chatEnv) tabRow(event string) (row struct{ Event, Process, Broken string }) {
	c.T.Helper()
	var tab struct {
		Items []struct{ Event, Process, Broken string }
	}
	c.MustDo("GET", "/api/v1/livechats/"+c.chat+"/automation", c.Admin, nil, 200, &tab)
	for _, r := range tab.Items {
		if r.Event == event {
			return r
		}
	}
	c.T.Fatalf("the tab has no row for %s: %+v", event, tab.Items)
	return row
}

func TestUnpublishedProcessShowsItsBindingBroken(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("p", "global", waitBPMN("p"), map[string]any{"name": "text", "type": "string"})
		c.bind("session_created", "p", map[string]string{"text": "lastMessage.text"})
		if row := c.tabRow("session_created"); row.Broken != "" {
			t.Fatalf("a fitting binding is shown broken: %+v", row)
		}
		env.MustDo("POST", "/api/v1/processes/p/unpublish", env.Admin, nil, 200, nil)
		row := c.tabRow("session_created")
		if row.Process != "p" || !strings.Contains(row.Broken, "process p is not published") {
			t.Fatalf("after unpublish the row is %+v, want it broken because p is not published", row)
		}
		session, _ := c.customer("hi")
		c.processes(session, 0)
		deadline := time.Now().Add(5 * time.Second)
		for len(c.log("?outcome=failed")) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if failed := c.log("?outcome=failed"); len(failed) != 1 || !strings.Contains(failed[0]["reason"].(string), "no published version") {
			t.Fatalf("failed lines %v, want one for the unpublished process", failed)
		}
		// Publishing again heals the binding at once.
		env.MustDo("POST", "/api/v1/processes/p/publish", env.Admin, nil, 201, nil)
		if row := c.tabRow("session_created"); row.Broken != "" {
			t.Fatalf("after publishing again the row is %+v, want it healed", row)
		}
		other, _ := c.customer("hello again")
		c.processes(other, 1)
	})
}

func TestBindingToADraftOnlyProcessIsRefused(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "draft", "name": "Draft", "scope": "global",
			"variables": []map[string]any{}, "bpmn": waitBPMN("draft")}, 201, nil)
		r := env.Do("PUT", "/api/v1/livechats/"+c.chat+"/automation/session_created", env.Admin,
			map[string]any{"process": "draft", "inputs": map[string]string{}})
		var body struct {
			Error struct{ Details struct{ Field string } }
		}
		r.JSON(t, &body)
		if r.Status != 422 || body.Error.Details.Field != "process" || !strings.Contains(r.ErrorMessage(), "publish") {
			t.Fatalf("binding a draft: %d %s, want 422 naming process", r.Status, r.Body)
		}
		if row := c.tabRow("session_created"); row.Process != "" {
			t.Fatalf("a refused binding was stored: %+v", row)
		}
	})
}
