package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store"
)

// contractRoutes are the API.md routes the server implements. Each must be in the OpenAPI
// document; add a line when a route of API.md is built.
var contractRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /api/v1/openapi.json",
	"POST /api/v1/auth/login", "GET /api/v1/me", "PUT /api/v1/me/presence",
	"GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{id}", "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}",
	"GET /api/v1/groups", "POST /api/v1/groups",
	"PUT /api/v1/groups/{id}/members/{userId}", "DELETE /api/v1/groups/{id}/members/{userId}",
	"GET /api/v1/livechats", "POST /api/v1/livechats", "GET /api/v1/livechats/{id}", "PATCH /api/v1/livechats/{id}",
	"DELETE /api/v1/livechats/{id}", "GET /api/v1/livechats/properties",
	"GET /api/v1/livechats/{id}/automation", "PUT /api/v1/livechats/{id}/automation/{event}",
	"DELETE /api/v1/livechats/{id}/automation/{event}", "GET /api/v1/livechats/{id}/automation/log",
	"GET /api/v1/livechats/{id}/channels", "POST /api/v1/livechats/{id}/channels",
	"PATCH /api/v1/livechats/{id}/channels/{channelId}", "DELETE /api/v1/livechats/{id}/channels/{channelId}",
	"POST /api/v1/widget/{livechatId}/sessions", "POST /api/v1/widget/sessions/{id}/messages",
	"GET /api/v1/widget/sessions/{id}/messages", "GET /api/v1/widget/sessions/{id}/ws",
	"POST /api/v1/channels/{channelId}/inbound",
	"GET /api/v1/sessions", "GET /api/v1/sessions/{id}", "GET /api/v1/sessions/{id}/messages", "POST /api/v1/sessions/{id}/messages",
	"POST /api/v1/sessions/{id}/take", "POST /api/v1/sessions/{id}/assign", "POST /api/v1/sessions/{id}/close",
	"POST /api/v1/sessions/{id}/spam", "DELETE /api/v1/sessions/{id}/spam",
	"GET /api/v1/sessions/{id}/processes", "POST /api/v1/sessions/{id}/processes", "GET /api/v1/ws",
	"GET /api/v1/processes", "POST /api/v1/processes", "PUT /api/v1/processes/{code}", "POST /api/v1/processes/{code}/publish",
	"GET /api/v1/processes/{code}/versions/{n}", "POST /api/v1/processes/{code}/instances",
	"GET /api/v1/instances/{id}", "POST /api/v1/instances/{id}/cancel", "GET /api/v1/tasks", "POST /api/v1/tasks/{id}/complete",
	"GET /api/v1/workspaces", "POST /api/v1/workspaces", "GET /api/v1/workspaces/{ws}/apps", "POST /api/v1/workspaces/{ws}/apps",
	"PATCH /api/v1/workspaces/{ws}/apps/{app}", "GET /api/v1/workspaces/{ws}/apps/{app}/items",
	"POST /api/v1/workspaces/{ws}/apps/{app}/items", "GET /api/v1/workspaces/{ws}/apps/{app}/items/{id}",
	"PATCH /api/v1/workspaces/{ws}/apps/{app}/items/{id}",
}

var param = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// TestOpenAPIMatchesRoutes keeps the published document true in both directions: every
// documented operation is served by a route (a request to it is not answered "no such
// route"), and every route of the contract is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			m := strings.ToUpper(method)
			documented[m+" "+path] = true
			concrete := param.ReplaceAllString(path, "x")
			if strings.HasSuffix(path, "/ws") {
				continue // WebSocket upgrades answer differently without an Upgrade header
			}
			r := env.Do(m, concrete, "", nil)
			if r.Status == 405 || strings.HasPrefix(r.ErrorMessage(), "no such route") {
				t.Errorf("%s %s is documented but not served (status %d)", m, path, r.Status)
			}
		}
	}
	for _, route := range contractRoutes {
		if !documented[route] {
			t.Errorf("%s is not in the OpenAPI document", route)
		}
	}
}

// idempotentRoutes are the creates of API.md that accept Idempotency-Key.
var idempotentRoutes = []string{
	"POST /api/v1/users", "POST /api/v1/groups", "POST /api/v1/processes", "POST /api/v1/processes/{code}/instances",
	"POST /api/v1/processes/{code}/publish",
	"POST /api/v1/livechats", "POST /api/v1/livechats/{id}/channels", "POST /api/v1/workspaces",
	"POST /api/v1/workspaces/{ws}/apps", "POST /api/v1/workspaces/{ws}/apps/{app}/items",
	"POST /api/v1/sessions/{id}/processes", "POST /api/v1/sessions/{id}/messages",
	"POST /api/v1/widget/{livechatId}/sessions", "POST /api/v1/widget/sessions/{id}/messages",
}

// TestOpenAPIListsIdempotencyKey checks that every create that accepts Idempotency-Key says
// so in the document, as a header parameter.
func TestOpenAPIListsIdempotencyKey(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		} `json:"paths"`
	}
	env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	for _, route := range idempotentRoutes {
		method, path, _ := strings.Cut(route, " ")
		found := false
		for _, p := range doc.Paths[path][strings.ToLower(method)].Parameters {
			found = found || (p.Name == "Idempotency-Key" && p.In == "header")
		}
		if !found {
			t.Errorf("%s does not list the Idempotency-Key header", route)
		}
	}
}

var (
	camelCase     = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	componentName = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
)

// TestOpenAPIIsValid loads the served document with kin-openapi and validates it as OpenAPI
// 3.1, then checks what code generators need beyond validity: component names and unique
// camelCase operationIds, a server, security on every operation from declared schemes, typed
// paging, and the error schema on every error status.
func TestOpenAPIIsValid(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	doc := env.Contract.Doc // loaded and validated by servertest.LoadContract
	if len(doc.Servers) == 0 {
		t.Error("the document names no server")
	}
	for name := range doc.Components.Schemas {
		if !componentName.MatchString(name) {
			t.Errorf("component name %q is not a plain identifier", name)
		}
	}
	for _, want := range []string{"staffToken", "sessionCookie", "visitorToken", "channelKey", "workerKey"} {
		if doc.Components.SecuritySchemes[want] == nil {
			t.Errorf("no security scheme %s", want)
		}
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			route := method + " " + path
			if !camelCase.MatchString(o.OperationID) || ids[o.OperationID] != "" {
				t.Errorf("%s: operationId %q is not camelCase or not unique (also %s)", route, o.OperationID, ids[o.OperationID])
			}
			ids[o.OperationID] = route
			checkOperation(t, doc, route, o)
		}
	}
}

func checkOperation(t *testing.T, doc *openapi3.T, route string, o *openapi3.Operation) {
	t.Helper()
	if o.Security == nil {
		t.Errorf("%s has no security (a public operation says [])", route)
	}
	for _, req := range *o.Security {
		for scheme := range req {
			if doc.Components.SecuritySchemes[scheme] == nil {
				t.Errorf("%s names the undeclared security scheme %s", route, scheme)
			}
		}
	}
	for _, p := range o.Parameters {
		if p.Value.Name == "limit" {
			s := p.Value.Schema.Value
			if !s.Type.Is("integer") || s.Min == nil || *s.Min != 1 || s.Max == nil || *s.Max != store.MaxLimit {
				t.Errorf("%s: limit is not an integer from 1 to %d", route, store.MaxLimit)
			}
		}
	}
	for _, status := range []int{401, 500} {
		if o.Responses.Status(status) == nil {
			t.Errorf("%s does not list %d", route, status)
		}
	}
	for code, resp := range o.Responses.Map() {
		if code[0] != '4' && code[0] != '5' {
			continue
		}
		if mt := resp.Value.Content.Get("application/json"); mt == nil || mt.Schema.Ref != "#/components/schemas/Error" {
			t.Errorf("%s: %s does not answer with the error schema", route, code)
		}
	}
}

// TestContractCatchesDrift shows the end-to-end client's check failing where a handler
// would drift from the document: a status it does not list, a field it does not describe,
// a field of the wrong type, and a route it does not have.
func TestContractCatchesDrift(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	req, _ := http.NewRequest("GET", env.URL+"/healthz", nil)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	if err := env.Contract.Check(req, nil, 200, jsonHeader, []byte(`{"status":"ok"}`)); err != nil {
		t.Fatalf("a true answer was refused: %v", err)
	}
	for _, c := range []struct {
		status int
		body   string
	}{
		{418, `{"status":"ok"}`},
		{200, `{"status":"ok","uptime":3}`},
		{200, `{"status":1}`},
		{404, `{"error":{"code":"not_found","message":"gone"}}`},
		{500, `{"error":{"code":"internal","message":"x","trace":"at main.go:1"}}`},
	} {
		if err := env.Contract.Check(req, nil, c.status, jsonHeader, []byte(c.body)); err == nil {
			t.Errorf("%d %s passed the contract", c.status, c.body)
		}
	}
	unknown, _ := http.NewRequest("GET", env.URL+"/api/v1/not-a-route", nil)
	if err := env.Contract.Check(unknown, nil, 200, jsonHeader, []byte(`{}`)); err == nil {
		t.Error("an answer of 200 from an undocumented route passed the contract")
	}
	post, _ := http.NewRequest("POST", env.URL+"/api/v1/groups", nil)
	if err := env.Contract.Check(post, []byte(`{"name":"x","color":"red"}`), 201, jsonHeader,
		[]byte(`{"id":"grp_1","name":"x","builtin":false,"created_at":"2026-01-01T00:00:00Z"}`)); err == nil {
		t.Error("a create that took an undocumented field passed the contract")
	}
}
