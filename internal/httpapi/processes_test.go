package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

const reviewDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:scriptTask id="score"><bpmn:extensionElements><parley:script><parley:assign variable="score" expression="amount * 2"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><parley:assignee group="reviewers"/>
<parley:form><parley:field variable="approved" label="Approve?" required="true"/></parley:form></bpmn:extensionElements></bpmn:userTask>
<bpmn:serviceTask id="notify"><bpmn:extensionElements><parley:task type="http" retries="1"><parley:input name="url" value="%s/hook?score={{ score }}"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="score"/>
<bpmn:sequenceFlow id="f2" sourceRef="score" targetRef="review"/>
<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="notify"/>
<bpmn:sequenceFlow id="f4" sourceRef="notify" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>`

type instanceBody struct {
	ID        string
	State     string
	Version   int
	Variables map[string]any
	Active    []struct{ Element, Wait string }
	History   []struct{ Element, Event string }
	Tasks     []struct{ ID, State string }
}

// TestProcessLifecycle drives a process through the API: draft, refused publish, publish,
// start, the task inbox, completion with type-checked values, and the http step.
func TestProcessLifecycle(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hook.Close()
	opts := servertest.Options{Configure: func(c *server.Config) { c.AllowPrivateNetworks = true }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		reviewers := env.Group("reviewers")
		_, token := env.User("rita", reviewers)
		vars := []map[string]any{{"name": "amount", "type": "integer", "required": true}, {"name": "score", "type": "integer"}, {"name": "approved", "type": "boolean"}}
		draft := map[string]any{"code": "review", "name": "Review", "scope": "global", "variables": vars, "bpmn": strings.Replace(fmt.Sprintf(reviewDiagram, hook.URL), "amount * 2", "'x'", 1)}
		env.MustDo("POST", "/api/v1/processes", env.Admin, draft, 201, nil)
		env.MustDo("POST", "/api/v1/processes", token, draft, 403, nil)
		if r := env.Do("POST", "/api/v1/processes/review/publish", env.Admin, nil); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "score") {
			t.Fatalf("publish of a type error: %d %s", r.Status, r.Body)
		}
		draft["bpmn"] = fmt.Sprintf(reviewDiagram, hook.URL)
		env.MustDo("PUT", "/api/v1/processes/review", env.Admin, draft, 200, nil)
		var pub struct {
			Number   int
			Warnings []any
		}
		env.MustDo("POST", "/api/v1/processes/review/publish", env.Admin, nil, 201, &pub)
		if pub.Number != 1 || pub.Warnings == nil {
			t.Fatalf("published %+v", pub)
		}
		env.MustDo("GET", "/api/v1/processes/review/versions/1", token, nil, 200, nil)
		// Starting outside a session is for administrators and worker keys, not for staff.
		env.MustDo("POST", "/api/v1/processes/review/instances", token, map[string]any{"inputs": map[string]any{"amount": 21}}, 403, nil)
		env.MustDo("POST", "/api/v1/processes/review/instances", env.Admin, map[string]any{"inputs": map[string]any{"amount": "12"}}, 422, nil)
		var inst instanceBody
		env.MustDo("POST", "/api/v1/processes/review/instances", env.Admin, map[string]any{"inputs": map[string]any{"amount": 21}}, 201, &inst)
		if len(inst.Active) != 1 || inst.Active[0].Element != "review" {
			t.Fatalf("started %+v", inst)
		}
		// An offline candidate completes nothing; online, she does.
		var inbox struct{ Items []struct{ ID string } }
		env.MustDo("GET", "/api/v1/tasks?assignee=me&state=open", token, nil, 200, &inbox)
		wantError(t, env.Do("POST", "/api/v1/tasks/"+inbox.Items[0].ID+"/complete", token, map[string]any{"values": map[string]any{"approved": true}}), 403, "offline")
		env.MustDo("PUT", "/api/v1/me/presence", token, map[string]any{"presence": "online"}, 200, nil)
		completeTask(t, env, token, inst.ID)
		waitState(t, env, inst.ID, "completed")
		env.MustDo("POST", "/api/v1/instances/"+inst.ID+"/cancel", env.Admin, nil, 409, nil)
	})
}

func completeTask(t *testing.T, env *servertest.Env, token, instanceID string) {
	var inbox struct {
		Items []struct{ ID, InstanceID string }
	}
	env.MustDo("GET", "/api/v1/tasks?assignee=me&state=open", token, nil, 200, &inbox)
	if len(inbox.Items) != 1 {
		t.Fatalf("inbox %+v", inbox)
	}
	id := inbox.Items[0].ID
	if r := env.Do("POST", "/api/v1/tasks/"+id+"/complete", token, map[string]any{"values": map[string]any{"approved": "yes"}}); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "approved") {
		t.Fatalf("wrong type: %d %s", r.Status, r.Body)
	}
	env.MustDo("POST", "/api/v1/tasks/"+id+"/complete", token, map[string]any{"values": map[string]any{"approved": true}}, 200, nil)
}

func waitState(t *testing.T, env *servertest.Env, id, state string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var inst instanceBody
		env.MustDo("GET", "/api/v1/instances/"+id, env.Admin, nil, 200, &inst)
		if inst.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance stayed %s: %+v", inst.State, inst.History)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIncidentsAndJobs checks the administrators' incident list and retry, and that outside
// workers' jobs are listed and completed through the API.
func TestIncidentsAndJobs(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		xml := `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D">
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:serviceTask id="sync"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="reply"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="hi"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sync"/><bpmn:sequenceFlow id="f2" sourceRef="sync" targetRef="reply"/><bpmn:sequenceFlow id="f3" sourceRef="reply" targetRef="end"/>
</bpmn:process></bpmn:definitions>`
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "sync", "name": "Sync", "variables": []any{map[string]any{"name": "note", "type": "string"}}, "bpmn": xml}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/sync/publish", env.Admin, nil, 201, nil)
		var inst instanceBody
		env.MustDo("POST", "/api/v1/processes/sync/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)
		var jobs struct{ Items []struct{ ID string } }
		_, operator := env.User("olga")
		env.MustDo("GET", "/api/v1/jobs?type=crm.sync", operator, nil, 403, nil)
		env.MustDo("GET", "/api/v1/jobs?type=crm.sync", env.Admin, nil, 200, &jobs)
		if len(jobs.Items) != 1 {
			t.Fatalf("jobs %+v", jobs)
		}
		env.MustDo("POST", "/api/v1/jobs/"+jobs.Items[0].ID+"/complete", env.Admin, map[string]any{"variables": map[string]any{"note": 5}}, 422, nil)
		env.MustDo("POST", "/api/v1/jobs/"+jobs.Items[0].ID+"/complete", env.Admin, map[string]any{"variables": map[string]any{"note": "done"}}, 204, nil)
		// The instance has no session, so the reply step stops with an incident at once.
		waitState(t, env, inst.ID, "incident")
		var incidents struct {
			Items []struct{ ID, Element, Error string }
		}
		env.MustDo("GET", "/api/v1/incidents", operator, nil, 403, nil)
		env.MustDo("GET", "/api/v1/incidents", env.Admin, nil, 200, &incidents)
		if len(incidents.Items) != 1 || incidents.Items[0].Element != "reply" || !strings.Contains(incidents.Items[0].Error, "session") {
			t.Fatalf("incidents %+v", incidents)
		}
		env.MustDo("POST", "/api/v1/incidents/"+incidents.Items[0].ID+"/retry", env.Admin, nil, 200, nil)
		env.MustDo("POST", "/api/v1/instances/"+inst.ID+"/cancel", operator, nil, 403, nil)
		env.MustDo("POST", "/api/v1/instances/"+inst.ID+"/cancel", env.Admin, nil, 200, nil)
	})
}

// TestProcessListByScope lists definitions by scope: global and an app list only their own, a
// workspace also lists its apps', and neither a longer code ("crmx") nor a code that LIKE
// would match through "_" ("crm_x" against "crmax") leaks in.
func TestProcessListByScope(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		_, staff := env.User("sam", env.Group("operators"))
		for _, ws := range []string{"crm", "crmx", "crm_x", "crmax"} {
			env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": ws, "name": ws}, 201, nil)
		}
		for _, app := range []string{"crm/leads", "crm/deals", "crmx/leads", "crmax/leads"} {
			ws, code, _ := strings.Cut(app, "/")
			env.MustDo("POST", "/api/v1/workspaces/"+ws+"/apps", env.Admin, map[string]any{"code": code, "name": code,
				"fields": []map[string]any{{"code": "name", "type": "string"}}}, 201, nil)
		}
		scopes := map[string]string{"any": "global", "ws": "crm", "leads": "crm/leads", "deals": "crm/deals",
			"longer": "crmx/leads", "under": "crm_x", "wild": "crmax/leads"}
		for code, scope := range scopes {
			env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": code, "name": code, "scope": scope}, 201, nil)
		}
		cases := map[string]string{
			"":                 "any deals leads longer under wild ws",
			"?scope=global":    "any",
			"?scope=crm":       "deals leads ws",
			"?scope=crm/leads": "leads",
			"?scope=crm_x":     "under",
			"?scope=crmx":      "longer",
			"?scope=sales":     "",
		}
		for query, want := range cases {
			var out struct{ Items []struct{ Code string } }
			env.MustDo("GET", "/api/v1/processes"+query, staff, nil, 200, &out)
			codes := make([]string, len(out.Items))
			for i, d := range out.Items {
				codes[i] = d.Code
			}
			if got := strings.Join(codes, " "); got != want {
				t.Errorf("GET /api/v1/processes%s lists %q, want %q", query, got, want)
			}
		}
		if r := env.Do("GET", "/api/v1/processes?scope=CRM/", staff, nil); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "scope") {
			t.Fatalf("a malformed scope: %d %s", r.Status, r.Body)
		}
	})
}
