package httpapi_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// openAPIDoc is the part of the OpenAPI document the hostile-input sweep reads.
type openAPIDoc struct {
	Paths map[string]map[string]struct {
		RequestBody *struct {
			Content map[string]struct{ Schema schemaDoc }
		} `json:"requestBody"`
	}
	Components struct{ Schemas map[string]schemaDoc }
}

type schemaDoc struct {
	Ref        string               `json:"$ref"`
	Type       schemaType           `json:"type"`
	Properties map[string]schemaDoc `json:"properties"`
	Required   []string             `json:"required"`
	AllOf      []schemaDoc          `json:"allOf"`
}

// schemaType is a schema's type: "string", or ["string", "null"] for one that may be null.
type schemaType string

func (t *schemaType) UnmarshalJSON(data []byte) error {
	var types []string
	if err := json.Unmarshal(data, &types); err != nil {
		return json.Unmarshal(data, (*string)(t))
	}
	*t = schemaType(types[0])
	return nil
}

// wrongValue is a JSON value of another type than the schema's.
func wrongValue(s schemaDoc) any {
	switch s.Type {
	case "string":
		return 12345
	case "object", "array":
		return "not a " + string(s.Type)
	default:
		return map[string]any{"nested": []any{true}}
	}
}

// hostileBodies are bodies no client should send to an operation whose request schema is s:
// not JSON, the wrong JSON kind, unknown fields, nothing, and each field with a value of the
// wrong type or null.
func hostileBodies(doc *openAPIDoc, s schemaDoc) []any {
	bodies := []any{"not json", "[1, 2]", `{"surely_unknown": 1}`, "{}", `{"a": "\u0000"}`, strings.Repeat("[", 10000)}
	if len(s.AllOf) == 1 { // the schema with the operation's required fields
		s = s.AllOf[0]
	}
	if s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		bodies = append(bodies, map[string]any{name: wrongValue(s.Properties[name])}, map[string]any{name: nil})
	}
	return bodies
}

// TestHostileInputNeverBreaksTheServer sends every write operation of the OpenAPI document
// malformed and wrongly typed bodies, on real resources, as the administrator: each answer
// is a client error (or a success where the input happens to mean something) with a JSON
// error naming what is wrong — never a 500 and never a dropped connection.
func TestHostileInputNeverBreaksTheServer(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		ids, tokens := hostileFixtures(t, env)
		var doc openAPIDoc
		env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
		sent := 0
		for path, ops := range doc.Paths {
			for method, op := range ops {
				m := strings.ToUpper(method)
				if m != "POST" && m != "PUT" && m != "PATCH" || strings.Contains(path, "/auth/") {
					continue
				}
				var s schemaDoc
				if op.RequestBody != nil {
					s = op.RequestBody.Content["application/json"].Schema
				}
				concrete := concretePath(path, ids)
				token := env.Admin
				for prefix, tok := range tokens {
					if strings.HasPrefix(path, prefix) {
						token = tok
					}
				}
				for _, body := range hostileBodies(&doc, s) {
					r := env.Do(m, concrete, token, body)
					sent++
					checkClientError(t, m+" "+concrete, body, r)
				}
			}
		}
		if sent < 200 {
			t.Fatalf("only %d requests were sent: the document lists fewer write operations than it should", sent)
		}
	})
}

// checkClientError fails unless r is a success or a 4xx with a well-formed error.
func checkClientError(t *testing.T, what string, body any, r *servertest.Response) {
	t.Helper()
	if r.Status < 400 {
		return
	}
	codes := map[string]bool{"invalid": true, "not_found": true, "conflict": true, "unauthorized": true,
		"forbidden": true, "too_large": true, "rate_limited": true}
	if r.Status >= 500 || !codes[r.ErrorCode()] || r.ErrorMessage() == "" {
		b, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			b = []byte(s)
		}
		if len(b) > 120 {
			b = append(b[:120], "…"...)
		}
		t.Errorf("%s with %s: status %d %s", what, b, r.Status, r.Body)
	}
}

// concretePath fills the path's parameters with the ids of real resources.
func concretePath(path string, ids map[string]string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		key := s
		if s == "{id}" && i > 0 {
			key = segs[i-1] + "/{id}"
		}
		v, ok := ids[key]
		if !ok {
			v = "no_such_" + strings.Trim(s, "{}")
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}

// hostileFixtures makes one resource of each kind the API addresses and returns their ids by
// path parameter, and the credentials of the paths that are not the staff's: the widget's
// visitor token and an http channel's API key, by path prefix.
func hostileFixtures(t *testing.T, env *servertest.Env) (ids, tokens map[string]string) {
	setupCRM(env)
	var item struct{ ID string }
	env.MustDo("POST", itemsPath, env.Admin, map[string]any{"values": map[string]any{"name": "Ann"}}, 201, &item)
	reviewers := env.Group("reviewers")
	userID, rita := env.User("rita", reviewers)
	env.MustDo("PUT", "/api/v1/me/presence", env.Admin, map[string]any{"presence": "online"}, 200, nil)
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "check", "name": "Check", "scope": "global", "bpmn": inboxDiagram}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/check/publish", env.Admin, nil, 201, nil)
	var inst struct{ ID string }
	env.MustDo("POST", "/api/v1/processes/check/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)
	var tasks struct{ Items []struct{ ID string } }
	env.MustDo("GET", "/api/v1/tasks?state=open", rita, nil, 200, &tasks)
	if len(tasks.Items) == 0 {
		t.Fatal("no open task to address")
	}
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Hostile",
		"operator_groups": []string{reviewers}, "supervisor_groups": []string{reviewers}}, 201, &lc)
	var ws struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	env.MustDo("POST", "/api/v1/widget/"+lc.ID+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Ann"}, "text": "Hello"}, 201, &ws)
	var ch struct {
		ID     string
		APIKey string `json:"api_key"`
	}
	env.MustDo("POST", "/api/v1/livechats/"+lc.ID+"/channels", env.Admin, map[string]any{"type": "http", "name": "Messenger"}, 201, &ch)
	ids = map[string]string{
		"users/{id}": userID, "{userId}": userID, "groups/{id}": reviewers,
		"livechats/{id}": lc.ID, "{livechatId}": lc.ID, "{channelId}": ch.ID,
		"sessions/{id}": ws.SessionID, "instances/{id}": inst.ID, "tasks/{id}": tasks.Items[0].ID,
		"{code}": "check", "{n}": "1", "{ws}": "crm", "{app}": "leads", "items/{id}": item.ID,
		"{event}": "session_created",
	}
	tokens = map[string]string{"/api/v1/widget/sessions/": ws.VisitorToken, "/api/v1/channels/": ch.APIKey}
	return ids, tokens
}

// notRequiredByBody are the operations that refuse an empty body for a reason the body's
// schema cannot say.
var notRequiredByBody = map[string]string{
	"POST /api/v1/workspaces/{ws}/apps/{app}/items": "the required values are the app's own fields",
	"POST /api/v1/sessions/{id}/transfer":           "either to_user or to_livechat is required, or both",
}

// TestOpenAPIRequiredFields keeps the document's required fields true: an empty body sent to
// each operation is refused with 422 naming exactly the fields its schema requires, and an
// operation whose schema requires nothing does not refuse it for a missing field.
func TestOpenAPIRequiredFields(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	ids, tokens := hostileFixtures(t, env)
	var doc openAPIDoc
	env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody == nil {
				continue
			}
			route := strings.ToUpper(method) + " " + path
			token := env.Admin
			for prefix, tok := range tokens {
				if strings.HasPrefix(path, prefix) {
					token = tok
				}
			}
			r := env.Do(strings.ToUpper(method), concretePath(path, ids), token, "{}")
			want := op.RequestBody.Content["application/json"].Schema.Required
			got := problemFields(t, r)
			sort.Strings(want)
			sort.Strings(got)
			switch {
			case notRequiredByBody[route] != "":
			case len(want) > 0 && (r.Status != 422 || strings.Join(got, ",") != strings.Join(want, ",")):
				t.Errorf("%s with {}: %d naming %v, want 422 naming the required %v", route, r.Status, got, want)
			case len(want) == 0 && r.Status == 422:
				t.Errorf("%s with {}: 422 naming %v, but the document requires no field", route, got)
			}
		}
	}
}

// problemFields are the fields an error answer names: each problem's, or the one field.
func problemFields(t *testing.T, r *servertest.Response) []string {
	var e struct {
		Error struct {
			Details struct {
				Field    string
				Problems []struct{ Field string }
			}
		}
	}
	_ = json.Unmarshal(r.Body, &e)
	var fields []string
	for _, p := range e.Error.Details.Problems {
		fields = append(fields, p.Field)
	}
	if len(fields) == 0 && e.Error.Details.Field != "" {
		fields = append(fields, e.Error.Details.Field)
	}
	return fields
}
