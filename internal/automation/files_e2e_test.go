package automation_test

import (
	"net/http"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// docBPMN stores the customer's first file on a new lead, indexing the files variable.
var docBPMN = bpmnFor("lead_doc", `
<bpmn:serviceTask id="create"><bpmn:extensionElements><parley:task type="app.createItem">
  <parley:input name="app" value="crm/leads"/>
  <parley:input name="name" expression="customer_name"/>
  <parley:input name="document" expression="files[0]"/>
  <parley:input name="photo" expression="first"/>
  <parley:output variable="lead" expression="item"/>
</parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="thank"><bpmn:extensionElements><parley:task type="livechat.reply">
  <parley:input name="text" value="We filed your document; here is the copy we keep."/>
  <parley:input name="files" expression="files"/>
</parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:userTask id="look" name="Look"><bpmn:extensionElements><parley:assignee group="Supervisors"/></bpmn:extensionElements></bpmn:userTask>`,
	"start", "create", "thank", "look", "end")

// TestMessageReceivedStoresTheFileOnALead checks the path of a customer's document into the
// CRM: the widget message's file reaches a process started by message_received, typed as
// files and file, and the process puts it on an app item, from which it downloads.
func TestMessageReceivedStoresTheFileOnALead(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
		env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "leads", "name": "Leads", "fields": []map[string]any{
			{"code": "name", "title": "Name", "type": "string", "required": true},
			{"code": "document", "title": "Document", "type": "file"},
			{"code": "photo", "title": "Photo", "type": "file"}}}, 201, nil)
		c.publish("lead_doc", "crm/leads", docBPMN,
			map[string]any{"name": "customer_name", "type": "string", "required": true},
			map[string]any{"name": "files", "type": "files"},
			map[string]any{"name": "first", "type": "file"},
			map[string]any{"name": "lead", "type": "item:crm/leads"})
		// A file property maps only to a file variable: the types are checked when binding.
		r := env.Do("PUT", "/api/v1/livechats/"+c.chat+"/automation/message_received", env.Admin,
			map[string]any{"process": "lead_doc", "enabled": true, "inputs": map[string]string{"customer_name": "customer.name", "files": "lastMessage.text"}})
		if r.Status != 422 {
			t.Fatalf("binding string to files: %d %s", r.Status, r.Body)
		}
		c.bind("message_received", "lead_doc", map[string]string{"customer_name": "customer.name",
			"files": "lastMessage.attachments", "first": "lastMessage.attachment"})

		body, ct := servertest.Multipart(map[string]string{"customer_name": "Anna Petrova", "text": "my passport scan"},
			servertest.File{Name: "passport.pdf", Data: []byte("%PDF-1.4\n%%EOF\n")})
		var ws struct {
			SessionID string `json:"session_id"`
		}
		env.DoRequest("POST", "/api/v1/widget/"+c.chat+"/sessions", body, func(r *http.Request) { r.Header.Set("Content-Type", ct) }).JSON(t, &ws)
		c.processes(ws.SessionID, 1)

		var leads struct {
			Items []struct{ Values map[string]any }
		}
		env.MustDo("GET", "/api/v1/workspaces/crm/apps/leads/items", env.Admin, nil, 200, &leads)
		if len(leads.Items) != 1 {
			t.Fatalf("leads %+v, want one", leads.Items)
		}
		doc, _ := leads.Items[0].Values["document"].(map[string]any)
		photo, _ := leads.Items[0].Values["photo"].(map[string]any)
		if doc["name"] != "passport.pdf" || doc["content_type"] != "application/pdf" || photo["id"] != doc["id"] {
			t.Fatalf("lead values %+v, want the passport in document and photo", leads.Items[0].Values)
		}
		got := env.Do("GET", "/api/v1/attachments/"+doc["id"].(string), c.operator, nil)
		if got.Status != 200 || string(got.Body) != "%PDF-1.4\n%%EOF\n" {
			t.Fatalf("the lead's document downloads as %d %q", got.Status, got.Body)
		}
		// The process's reply carries a copy of the file, which the customer can read.
		var msgs struct {
			Items []struct {
				Author      string
				Attachments []struct{ ID, Name string }
			}
		}
		env.MustDo("GET", "/api/v1/sessions/"+ws.SessionID+"/messages", c.operator, nil, 200, &msgs)
		last := msgs.Items[len(msgs.Items)-1]
		if last.Author != "process" || len(last.Attachments) != 1 || last.Attachments[0].Name != "passport.pdf" || last.Attachments[0].ID == doc["id"] {
			t.Fatalf("the process's reply %+v, want a copy of passport.pdf", last)
		}
	})
}
