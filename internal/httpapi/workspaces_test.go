package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/workspace"
)

const (
	leadsPath = "/api/v1/workspaces/crm/apps/leads"
	itemsPath = leadsPath + "/items"
)

// leadApp has a field of every type.
var leadApp = map[string]any{"code": "leads", "name": "Leads", "fields": []map[string]any{
	{"code": "name", "title": "Name", "type": "string", "required": true},
	{"code": "count", "type": "integer"}, {"code": "amount", "type": "number"},
	{"code": "active", "type": "boolean"}, {"code": "due", "type": "datetime"},
	{"code": "price", "type": "money"}, {"code": "phone", "type": "phone"},
	{"code": "email", "type": "email"}, {"code": "owner", "type": "user"},
	{"code": "chat", "type": "session"}, {"code": "contact", "type": "item:crm/contacts"},
}}

// setupCRM creates workspace crm with apps contacts and leads and returns a contact's id.
func setupCRM(env *servertest.Env) string {
	env.MustDo("POST", "/api/v1/workspaces", env.Admin, map[string]any{"code": "crm", "name": "CRM"}, 201, nil)
	env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "contacts", "name": "Contacts",
		"fields": []map[string]any{{"code": "name", "type": "string"}}}, 201, nil)
	env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, leadApp, 201, nil)
	var contact struct{ ID string }
	env.MustDo("POST", "/api/v1/workspaces/crm/apps/contacts/items", env.Admin,
		map[string]any{"values": map[string]any{"name": "Ann"}}, 201, &contact)
	return contact.ID
}

func TestWorkspaceRoutesAuthz(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		setupCRM(env)
		var item struct{ ID string }
		env.MustDo("POST", itemsPath, env.Admin, map[string]any{"values": map[string]any{"name": "Ann"}}, 201, &item)
		operators := env.Group("operators")
		_, staffToken := env.User("olga", operators)
		type row struct {
			route string
			body  func(who string) any
			// want is the status for the administrator, a staff user, and no credentials.
			want [3]int
		}
		rows := []row{
			{"GET /api/v1/workspaces", nil, [3]int{200, 200, 401}},
			{"POST /api/v1/workspaces", func(who string) any { return map[string]any{"code": "w_" + who, "name": "W"} }, [3]int{201, 403, 401}},
			{"GET /api/v1/workspaces/crm", nil, [3]int{200, 200, 401}},
			{"PATCH /api/v1/workspaces/crm", func(string) any { return map[string]any{"name": "CRM 2"} }, [3]int{200, 403, 401}},
			{"GET /api/v1/workspaces/crm/apps", nil, [3]int{200, 200, 401}},
			{"POST /api/v1/workspaces/crm/apps", func(who string) any {
				return map[string]any{"code": "a_" + who, "name": "A", "fields": []map[string]any{{"code": "x", "type": "string"}}}
			}, [3]int{201, 403, 401}},
			{"GET " + leadsPath, nil, [3]int{200, 200, 401}},
			{"PATCH " + leadsPath, func(who string) any {
				return map[string]any{"add_fields": []map[string]any{{"code": "f_" + who, "type": "string"}}}
			}, [3]int{200, 403, 401}},
			{"GET " + itemsPath, nil, [3]int{200, 200, 401}},
			{"POST " + itemsPath, func(string) any { return map[string]any{"values": map[string]any{"name": "Bob"}} }, [3]int{201, 201, 401}},
			{"GET " + itemsPath + "/" + item.ID, nil, [3]int{200, 200, 401}},
			{"PATCH " + itemsPath + "/" + item.ID, func(string) any { return map[string]any{"values": map[string]any{"count": 1}} }, [3]int{200, 200, 401}},
		}
		who := []struct{ name, token string }{{"admin", env.Admin}, {"staff", staffToken}, {"anon", ""}}
		covered := map[string]bool{}
		for _, r := range rows {
			method, path, _ := strings.Cut(r.route, " ")
			covered[method+" "+templateOf(path, item.ID)] = true
			for i, w := range who {
				var body any
				if r.body != nil {
					body = r.body(w.name)
				}
				if resp := env.Do(method, path, w.token, body); resp.Status != r.want[i] {
					t.Errorf("%s as %s: status %d, want %d: %s", r.route, w.name, resp.Status, r.want[i], resp.Body)
				}
			}
		}
		for _, route := range documentedWorkspaceRoutes(t, env) {
			if !covered[route] {
				t.Errorf("%s is served but not in the authz table", route)
			}
		}
	})
}

// templateOf turns a concrete path of the table back into its route pattern.
func templateOf(path, itemID string) string {
	path = strings.Replace(path, "/workspaces/crm", "/workspaces/{ws}", 1)
	path = strings.Replace(path, "/apps/leads", "/apps/{app}", 1)
	return strings.Replace(path, "/items/"+itemID, "/items/{id}", 1)
}

// documentedWorkspaceRoutes lists the workspace routes of the OpenAPI document, so that the
// authz table cannot silently miss one.
func documentedWorkspaceRoutes(t *testing.T, env *servertest.Env) []string {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	var routes []string
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/workspaces") {
			continue
		}
		for method := range ops {
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	if len(routes) != 12 {
		t.Errorf("%d workspace routes documented, want 12: %v", len(routes), routes)
	}
	return routes
}

func TestItemsOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		contact := setupCRM(env)
		ownerID, token := env.User("olga")
		session := widgetSession(env)
		in := map[string]any{
			"name": "Ann Lee", "count": 42, "amount": 12.5, "active": true, "due": "2024-05-01T12:30:00+03:00",
			"price": map[string]any{"amount": "12.5", "currency": "EUR"}, "phone": "+7 999 123-45-67",
			"email": "Ann@Example.COM", "owner": ownerID, "chat": session, "contact": contact,
		}
		var it struct {
			ID, Title string
			CreatedBy string `json:"created_by"`
			Values    map[string]json.RawMessage
		}
		env.MustDo("POST", itemsPath, token, map[string]any{"values": in}, 201, &it)
		if it.Title != "Ann Lee" || it.CreatedBy != ownerID {
			t.Errorf("title %q, created by %q", it.Title, it.CreatedBy)
		}
		want := map[string]string{
			"name": `"Ann Lee"`, "count": `42`, "amount": `12.5`, "active": `true`, "due": `"2024-05-01T09:30:00Z"`,
			"price": `{"amount":"12.50","currency":"EUR"}`, "phone": `"+79991234567"`, "email": `"Ann@example.com"`,
			"owner": `"` + ownerID + `"`, "chat": `"` + session + `"`, "contact": `"` + contact + `"`,
		}
		var read struct{ Values map[string]json.RawMessage }
		env.MustDo("GET", itemsPath+"/"+it.ID, token, nil, 200, &read)
		for field, w := range want {
			if string(it.Values[field]) != w || string(read.Values[field]) != w {
				t.Errorf("%s: created %s, read %s, want %s", field, it.Values[field], read.Values[field], w)
			}
		}
		t.Run("filters from a query string", func(t *testing.T) {
			env.MustDo("POST", itemsPath, token, map[string]any{"values": map[string]any{"name": "Bob", "amount": 3}}, 201, nil)
			for _, q := range []string{"amount=12.5", "amount=12.50", "phone=%2B79991234567", "phone=+79991234567",
				"price=12.50%20EUR", "active=true", "name=Ann%20Lee", "due=2024-05-01T09:30:00Z", "count=42&email=Ann@example.com"} {
				var list struct{ Items []struct{ ID string } }
				env.MustDo("GET", itemsPath+"?"+q, token, nil, 200, &list)
				if len(list.Items) != 1 || list.Items[0].ID != it.ID {
					t.Errorf("?%s found %+v", q, list.Items)
				}
			}
			r := env.Do("GET", itemsPath+"?ghost=1", token, nil)
			if r.Status != 422 || !strings.HasPrefix(r.ErrorMessage(), "ghost: ") {
				t.Errorf("unknown filter: %d %s", r.Status, r.Body)
			}
			r = env.Do("GET", itemsPath+"?count=1&count=2", token, nil)
			if r.Status != 422 || !strings.HasPrefix(r.ErrorMessage(), "count: ") {
				t.Errorf("repeated filter: %d %s", r.Status, r.Body)
			}
		})
		t.Run("bad values name the field and both types", func(t *testing.T) {
			r := env.Do("POST", itemsPath, token, map[string]any{"values": map[string]any{"name": "X", "count": "12"}})
			if r.Status != 422 || r.ErrorMessage() != `count: expected integer, got string "12"` {
				t.Errorf("status %d %s", r.Status, r.Body)
			}
			r = env.Do("PATCH", itemsPath+"/"+it.ID, token, map[string]any{"values": map[string]any{"price": 12.5}})
			if r.Status != 422 || !strings.HasPrefix(r.ErrorMessage(), "price: expected money, got number 12.5") {
				t.Errorf("status %d %s", r.Status, r.Body)
			}
			r = env.Do("PATCH", itemsPath+"/"+it.ID, token, map[string]any{"values": map[string]any{"chat": "ses_ghost"}})
			if r.Status != 422 || !strings.HasPrefix(r.ErrorMessage(), "chat: ") || !strings.Contains(r.ErrorMessage(), "ses_ghost") {
				t.Errorf("a link to a session that does not exist: status %d %s", r.Status, r.Body)
			}
		})
		t.Run("a repeated Idempotency-Key returns the first item", func(t *testing.T) {
			first := doWithKey(t, env, token, "key-1")
			again := doWithKey(t, env, token, "key-1")
			if first != again {
				t.Errorf("a repeat made a second item: %s, %s", first, again)
			}
		})
	})
}

// widgetSession has a customer write to a new live chat through its widget and returns the
// session's id.
func widgetSession(env *servertest.Env) string {
	g := env.Group("Item operators")
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Items chat",
		"operator_groups": []string{g}, "supervisor_groups": []string{g}}, 201, &lc)
	var ws struct {
		SessionID string `json:"session_id"`
	}
	env.MustDo("POST", "/api/v1/widget/"+lc.ID+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Ann"}, "text": "Hello"}, 201, &ws)
	return ws.SessionID
}

func doWithKey(t *testing.T, env *servertest.Env, token, key string) string {
	t.Helper()
	r := env.DoRequest("POST", itemsPath, `{"values":{"name":"Keyed"}}`, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Idempotency-Key", key)
	})
	var it struct{ ID string }
	if err := json.Unmarshal(r.Body, &it); err != nil || r.Status != 201 {
		t.Fatalf("status %d, %v", r.Status, err)
	}
	return it.ID
}

func TestAppDefinitionOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		setupCRM(env)
		r := env.Do("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "bad", "name": "Bad",
			"fields": []map[string]any{{"code": "a", "type": "string"}, {"code": "b", "type": "string"}, {"code": "c", "type": "strng"}}})
		if r.Status != 422 || !strings.HasPrefix(r.ErrorMessage(), `fields[2].type: unknown type "strng"`) {
			t.Errorf("status %d %s", r.Status, r.Body)
		}
		var old struct{ ID string }
		env.MustDo("POST", itemsPath, env.Admin, map[string]any{"values": map[string]any{"name": "Ann"}}, 201, &old)
		var app struct {
			Fields []struct{ Code, Type string }
		}
		env.MustDo("PATCH", leadsPath, env.Admin, map[string]any{
			"add_fields": []map[string]any{{"code": "source", "title": "Source", "type": "string"}}}, 200, &app)
		if last := app.Fields[len(app.Fields)-1]; last.Code != "source" || last.Type != "string" {
			t.Fatalf("fields after adding: %+v", app.Fields)
		}
		var read struct{ Values map[string]any }
		env.MustDo("GET", itemsPath+"/"+old.ID, env.Admin, nil, 200, &read)
		if _, ok := read.Values["source"]; ok || read.Values["name"] != "Ann" {
			t.Fatalf("old item: %+v", read.Values)
		}
	})
}

// TestRemovingAFieldAProcessUsesIs409 serves the API over a workspace service with a field-use
// hook, as the process engine registers one.
func TestRemovingAFieldAProcessUsesIs409(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		setupCRM(env)
		svc := workspace.New(env.Server.DB)
		svc.FieldUse = func(_ context.Context, _ *store.Tx, ws, app, field string) (string, error) {
			if ws+"/"+app+"/"+field == "crm/leads/amount" {
				return "process lead_intake version 1", nil
			}
			return "", nil
		}
		api := httptest.NewServer(httpapi.New(httpapi.Config{}, httpapi.Deps{Auth: env.Server.Auth, Workspaces: svc}))
		defer api.Close()
		other := *env
		other.URL = api.URL
		r := other.Do("PATCH", leadsPath, env.Admin, map[string]any{"remove_fields": []string{"amount"}})
		if r.Status != 409 || r.ErrorCode() != "conflict" || !strings.Contains(r.ErrorMessage(), "lead_intake") {
			t.Fatalf("status %d %s, want 409 naming the process", r.Status, r.Body)
		}
		other.MustDo("PATCH", leadsPath, env.Admin, map[string]any{"remove_fields": []string{"count"}}, 200, nil)
	})
}
