package automation_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

type checked struct {
	Problems []struct{ Element, Field, Message string }
	Warnings []struct{ Source, Message string }
}

// TestCheckReportsWhatPublishWouldWithoutWriting checks drafts that were never saved and one
// that would break a binding: the problems name their elements, the binding's warning is the
// one publish gives, and nothing changes — not the draft, not the binding.
func TestCheckReportsWhatPublishWouldWithoutWriting(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		text := map[string]any{"name": "text", "type": "string"}
		c.publish("p", "global", waitBPMN("p"), text)
		c.bind("session_created", "p", map[string]string{"text": "lastMessage.text"})

		var out checked
		// A condition over an undeclared variable and a task without its assignee, never saved.
		bad := bpmnFor("q", `<bpmn:exclusiveGateway id="gw"/><bpmn:userTask id="look" name="Look"/>`, "start", "gw")
		bad = strings.Replace(bad, `</bpmn:process>`, `<bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="look"><bpmn:conditionExpression>score &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="end"/><bpmn:sequenceFlow id="after" sourceRef="look" targetRef="end"/></bpmn:process>`, 1)
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"name": "Q", "variables": []any{text}, "bpmn": bad}, 200, &out)
		if len(out.Problems) == 0 {
			t.Fatalf("a broken draft checked clean: %+v", out)
		}
		for _, p := range out.Problems {
			if p.Element == "" || p.Message == "" {
				t.Fatalf("a problem without its element or message: %+v", out.Problems)
			}
		}

		// Variables are checked before the diagram, as publish does; a bad name is a field,
		// not an element.
		out = checked{}
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"name": "Q",
			"variables": []any{map[string]any{"name": "1x", "type": "string"}}, "bpmn": waitBPMN("q")}, 200, &out)
		if len(out.Problems) != 1 || out.Problems[0].Field != "variables[0].name" || out.Problems[0].Element != "" {
			t.Fatalf("bad variable name: %+v", out.Problems)
		}

		// The saved process checked with a variable type that no longer fits its binding.
		out = checked{}
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"code": "p", "name": "p", "bpmn": waitBPMN("p"),
			"variables": []any{map[string]any{"name": "text", "type": "integer"}}}, 200, &out)
		if len(out.Problems) != 0 || len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0].Source, c.chat) ||
			!strings.Contains(out.Warnings[0].Message, "version 2 of p") {
			t.Fatalf("check of a binding-breaking draft: %+v", out)
		}
		if row := c.tabRow("session_created"); row.Broken != "" {
			t.Fatalf("a check marked the binding broken: %+v", row)
		}
		var bindings struct {
			Items []struct {
				LiveChat      string `json:"livechat_id"`
				Event, Broken string
			}
		}
		env.MustDo("GET", "/api/v1/processes/p/bindings", env.Admin, nil, 200, &bindings)
		if len(bindings.Items) != 1 || bindings.Items[0].LiveChat != c.chat || bindings.Items[0].Broken != "" {
			t.Fatalf("bindings of p: %+v", bindings.Items)
		}
		var def struct{ Variables []struct{ Type string } }
		env.MustDo("GET", "/api/v1/processes/p", env.Admin, nil, 200, &def)
		if def.Variables[0].Type != "string" {
			t.Fatalf("a check changed the draft: %+v", def)
		}
		// An app task is checked against the app's fields, as publish does it (on PostgreSQL
		// under the share lock publish takes).
		env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
		env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "leads", "name": "Leads", "fields": []map[string]any{
			{"code": "name", "type": "string"}, {"code": "phone", "type": "phone"}, {"code": "message", "type": "string"}}}, 201, nil)
		leadVars := []any{map[string]any{"name": "customer_name", "type": "string"}, map[string]any{"name": "customer_phone", "type": "phone"},
			map[string]any{"name": "first_message", "type": "string"}, map[string]any{"name": "lead", "type": "item:crm/leads"}}
		out = checked{}
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"name": "Lead", "variables": leadVars, "bpmn": leadBPMN}, 200, &out)
		if len(out.Problems) != 0 {
			t.Fatalf("the lead process: %+v", out.Problems)
		}
		out = checked{}
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"name": "Lead", "variables": leadVars,
			"bpmn": strings.Replace(leadBPMN, `name="phone"`, `name="fax"`, 1)}, 200, &out)
		if len(out.Problems) != 1 || out.Problems[0].Element != "create" {
			t.Fatalf("an unknown app field: %+v", out.Problems)
		}

		// A clean draft checks clean, and staff who are not administrators may not check.
		out = checked{}
		env.MustDo("POST", "/api/v1/processes/check", env.Admin, map[string]any{"name": "W", "bpmn": waitBPMN("w")}, 200, &out)
		if len(out.Problems) != 0 {
			t.Fatalf("clean draft: %+v", out)
		}
		env.MustDo("POST", "/api/v1/processes/check", c.supervisor, map[string]any{"name": "W", "bpmn": waitBPMN("w")}, 403, nil)
	})
}
