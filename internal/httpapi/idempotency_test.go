package httpapi_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// doneDiagram is the smallest process: it ends as soon as it starts, so that an instance's
// answer does not change between a create and its repeat.
const doneDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/></bpmn:process></bpmn:definitions>`

// idempotentCreate is one create of API.md that accepts Idempotency-Key.
type idempotentCreate struct {
	name, path string
	// token is the caller; other is another caller allowed to make the same create.
	token, other  string
	body, changed any
	// list, when set, is where the created resources are listed, to count them.
	list, listToken string
	// ignore names answer fields that are fresh on every answer by design.
	ignore []string
}

// TestIdempotencyKeyOnEveryCreate sends every create twice with the same key and checks the
// repeat answers with the same status and body and creates nothing, that the same key with
// another body is refused with 422, and that another caller's same key is their own.
func TestIdempotencyKeyOnEveryCreate(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		_, admin2 := env.User("ada", env.Group("Second admins"))
		var admins struct{ Items []struct{ ID, Name string } }
		env.MustDo("GET", "/api/v1/groups", env.Admin, nil, 200, &admins)
		var adminsID, ada string
		for _, g := range admins.Items {
			if g.Name == "Administrators" {
				adminsID = g.ID
			}
		}
		var users struct{ Items []struct{ ID, Login string } }
		env.MustDo("GET", "/api/v1/users?limit=100", env.Admin, nil, 200, &users)
		for _, u := range users.Items {
			if u.Login == "ada" {
				ada = u.ID
			}
		}
		env.MustDo("PUT", "/api/v1/groups/"+adminsID+"/members/"+ada, env.Admin, nil, 204, nil)
		env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
		env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "leads", "name": "Leads",
			"fields": []map[string]any{{"code": "name", "title": "Name", "type": "string"}}}, 201, nil)
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "done", "name": "Done", "scope": "global",
			"variables": []map[string]any{{"name": "note", "type": "string"}}, "bpmn": doneDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/done/publish", env.Admin, nil, 201, nil)
		session, visitor := c.startWidget(c.liveChat, "hello")

		groups := func(name string) map[string]any {
			return map[string]any{"name": name, "operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}
		}
		cases := []idempotentCreate{
			{name: "user", path: "/api/v1/users", token: env.Admin, other: admin2, list: "/api/v1/users?limit=100",
				body: map[string]any{"login": "una", "display_name": "Una", "password": "una-password"}, changed: map[string]any{"login": "ulla", "display_name": "Ulla", "password": "x-password"}},
			{name: "group", path: "/api/v1/groups", token: env.Admin, other: admin2, list: "/api/v1/groups?limit=100",
				body: map[string]any{"name": "Keyed"}, changed: map[string]any{"name": "Other"}},
			{name: "process", path: "/api/v1/processes", token: env.Admin, other: admin2, list: "/api/v1/processes?limit=100",
				body: map[string]any{"code": "keyed", "name": "Keyed", "scope": "global", "bpmn": doneDiagram}, changed: map[string]any{"code": "other", "name": "Other", "scope": "global", "bpmn": doneDiagram}},
			{name: "instance", path: "/api/v1/processes/done/instances", token: env.Admin, other: admin2,
				body: map[string]any{"inputs": map[string]any{}}, changed: map[string]any{"inputs": map[string]any{"note": "other"}}},
			{name: "live chat", path: "/api/v1/livechats", token: env.Admin, other: admin2, list: "/api/v1/livechats?limit=100",
				body: groups("Keyed"), changed: groups("Other")},
			{name: "channel", path: "/api/v1/livechats/" + c.liveChat + "/channels", token: env.Admin, other: admin2, list: "/api/v1/livechats/" + c.liveChat + "/channels",
				body: map[string]any{"type": "email", "name": "Mail", "address": "help@example.com"}, changed: map[string]any{"type": "email", "name": "Mail 2", "address": "help2@example.com"}},
			{name: "workspace", path: "/api/v1/workspaces", token: env.Admin, other: admin2, list: "/api/v1/workspaces",
				body: map[string]any{"code": "keyed", "name": "Keyed"}, changed: map[string]any{"code": "other", "name": "Other"}},
			{name: "app", path: "/api/v1/workspaces/crm/apps", token: env.Admin, other: admin2, list: "/api/v1/workspaces/crm/apps",
				body:    map[string]any{"code": "keyed", "name": "Keyed", "fields": []map[string]any{{"code": "a", "type": "string"}}},
				changed: map[string]any{"code": "other", "name": "Other", "fields": []map[string]any{{"code": "a", "type": "string"}}}},
			{name: "item", path: "/api/v1/workspaces/crm/apps/leads/items", token: c.op, other: c.op2, list: "/api/v1/workspaces/crm/apps/leads/items",
				body: map[string]any{"values": map[string]any{"name": "Ann"}}, changed: map[string]any{"values": map[string]any{"name": "Bob"}}},
			{name: "manual start", path: "/api/v1/sessions/" + session + "/processes", token: c.op, other: c.op2, list: "/api/v1/sessions/" + session + "/processes",
				body: map[string]any{"process": "done"}, changed: map[string]any{"process": "done", "inputs": map[string]any{"note": "other"}}},
			{name: "reply", path: "/api/v1/sessions/" + session + "/messages", token: c.op, other: c.op2, list: "/api/v1/sessions/" + session + "/messages",
				body: map[string]any{"text": "Hello!"}, changed: map[string]any{"text": "Bye!"}},
			{name: "widget message", path: "/api/v1/widget/sessions/" + session + "/messages", token: visitor,
				list: "/api/v1/widget/sessions/" + session + "/messages", listToken: visitor,
				body: map[string]any{"text": "More"}, changed: map[string]any{"text": "Less"}},
			{name: "widget session", path: "/api/v1/widget/" + c.liveChat + "/sessions", list: "/api/v1/sessions?limit=100",
				listToken: env.Admin, ignore: []string{"visitor_token"},
				body:    map[string]any{"customer": map[string]any{"name": "Kim"}, "text": "Hi"},
				changed: map[string]any{"customer": map[string]any{"name": "Kim"}, "text": "Hi again"}},
		}
		for _, k := range cases {
			t.Run(k.name, func(t *testing.T) { checkIdempotentCreate(t, env, k) })
		}
	})
}

func checkIdempotentCreate(t *testing.T, env *servertest.Env, k idempotentCreate) {
	send := func(token string, body any) *servertest.Response {
		data, _ := json.Marshal(body)
		return doWithHeader(t, env, "POST", k.path, token, data, "Idempotency-Key", "key-"+k.name)
	}
	count := func() int {
		if k.list == "" {
			return 0
		}
		token := k.listToken
		if token == "" {
			token = k.token
		}
		var list struct{ Items []json.RawMessage }
		env.MustDo("GET", k.list, token, nil, 200, &list)
		return len(list.Items)
	}
	first := send(k.token, k.body)
	if first.Status != 201 {
		t.Fatalf("first create: %d %s", first.Status, first.Body)
	}
	n := count()
	again := send(k.token, k.body)
	if again.Status != first.Status || !bytes.Equal(without(t, again.Body, k.ignore), without(t, first.Body, k.ignore)) {
		t.Fatalf("the repeat answered %d %s, want %d %s", again.Status, again.Body, first.Status, first.Body)
	}
	if count() != n {
		t.Fatal("the repeat created something")
	}
	if r := send(k.token, k.changed); r.Status != 422 || r.ErrorCode() != "invalid" {
		t.Fatalf("the same key with another body: %d %s, want 422", r.Status, r.Body)
	}
	if count() != n {
		t.Fatal("the refused repeat created something")
	}
	if k.other != "" {
		r := send(k.other, k.changed)
		if r.Status != 201 || bytes.Equal(r.Body, first.Body) {
			t.Fatalf("another caller's same key: %d %s, want a create of their own", r.Status, r.Body)
		}
	}
}

// without drops the named fields of a JSON object answer.
func without(t *testing.T, body []byte, fields []string) []byte {
	t.Helper()
	if len(fields) == 0 {
		return body
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	for _, f := range fields {
		delete(m, f)
	}
	out, _ := json.Marshal(m)
	return out
}

// TestPublishWithIdempotencyKey checks that a publish retried with its key returns the version
// it made instead of publishing an identical next one, that the key cannot be reused for
// another process's publish, and that publishes without a key each make a version.
func TestPublishWithIdempotencyKey(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		for _, code := range []string{"done", "other"} {
			env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": code, "name": code, "scope": "global", "bpmn": doneDiagram}, 201, nil)
		}
		publish := func(code, key string) (int, int) {
			r := doWithHeader(t, env, "POST", "/api/v1/processes/"+code+"/publish", env.Admin, nil, "Idempotency-Key", key)
			var v struct{ Number int }
			if r.Status == 201 {
				r.JSON(t, &v)
			}
			return r.Status, v.Number
		}
		latest := func() int {
			var d struct {
				Published int `json:"published_version"`
			}
			env.MustDo("GET", "/api/v1/processes/done", env.Admin, nil, 200, &d)
			return d.Published
		}
		if status, n := publish("done", "release-1"); status != 201 || n != 1 {
			t.Fatalf("first publish: %d, version %d", status, n)
		}
		if status, n := publish("done", "release-1"); status != 201 || n != 1 || latest() != 1 {
			t.Fatalf("the retried publish: %d, version %d, latest %d; want version 1 again and no second version", status, n, latest())
		}
		if status, _ := publish("other", "release-1"); status != 422 {
			t.Fatalf("the key reused for another process's publish: %d, want 422", status)
		}
		if status, n := publish("done", ""); status != 201 || n != 2 {
			t.Fatalf("a publish without a key: %d, version %d, want version 2", status, n)
		}
	})
}
