package httpapi_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
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
