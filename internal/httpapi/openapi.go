package httpapi

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// op describes one route for the OpenAPI document. Most of an operation is derived, so a new
// route only says what is particular to it:
//   - security comes from the route's access (securityOf);
//   - the statuses it can answer come from its shape (statusesOf): its success status, 400
//     and 413 and 422 when it reads a body, 401 always (a bad credential is refused on every
//     route), 403 when it needs credentials or writes, 404 with path parameters, 409 for
//     writes, 422 with any input, 500 always; also and fails add the rest;
//   - query parameters are typed by name (queryParams).
type op struct {
	summary string
	// in is a zero value of the request body type, or nil.
	in any
	// out is a zero value of the response body type, or nil for no body.
	out any
	// status is the success status; 200 when zero.
	status int
	// also lists further success statuses answered with the same body (such as 200 for a
	// repeated inbound message, where the first one answers 201).
	also []int
	// fails lists error statuses the shape does not imply (such as 503 from /readyz).
	fails []int
	// query lists the query parameters the route reads.
	query []string
	// queryTypes gives the JSON Schema of query parameters that are not plain strings.
	queryTypes map[string]map[string]any
	// optionalBody says the body may be left out (decodeOptional), as a dry run's is.
	optionalBody bool
	// idempotent says the create accepts an Idempotency-Key header (API.md).
	idempotent bool
	// required names the body's fields a request must give; a request without them is
	// refused with 422 naming each (kept true by TestOpenAPIRequiredFields).
	required []string

	// form is the schema of a multipart/form-data body the route takes besides its JSON
	// one (formSchema): a message with files.
	form map[string]any
	// binary says the success answer is a file's bytes, of its own type, not JSON.
	binary bool

	// action is what the route does, in the policy's words: the policy decides who may.
	action policy.Action

	method, path string
	access       access
}

func (s *Server) registerOpenAPI() {
	s.handle("GET /api/v1/openapi.json", public, op{action: policy.OpenAPIRead, summary: "This document: the whole HTTP contract as OpenAPI 3.1", out: map[string]any{}},
		func(w http.ResponseWriter, r *http.Request) error { return ok(w, s.OpenAPI()) })
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the registered routes.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	c := newComponents()
	tags := map[string]bool{}
	for _, rt := range s.routes {
		item, _ := paths[rt.op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.op.path] = item
		}
		o := operation(rt.op, c)
		item[strings.ToLower(rt.op.method)] = o
		tags[o["tags"].([]string)[0]] = true
	}
	c.schemas["Error"] = errorSchema
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Parley API", "version": "1",
			"description": "The JSON API of a Parley server: live chats, sessions, processes, workspaces. Errors are " +
				`{"error":{"code","message","details"}}; lists are {"items","next_cursor"} paged with ?limit=&cursor=.`,
			"license": map[string]any{"name": "MIT", "identifier": "MIT"}},
		"servers":    []any{map[string]any{"url": "/", "description": "the Parley server that serves this document"}},
		"tags":       tagList(tags),
		"paths":      paths,
		"components": map[string]any{"schemas": c.schemas, "securitySchemes": securitySchemes},
	}
}

func operation(o op, c *components) map[string]any {
	out := map[string]any{"summary": o.summary, "operationId": operationID(o.method, o.path),
		"tags": []string{tagOf(o.path)}, "security": securityOf(o.access)}
	if params := parameters(o); params != nil {
		out["parameters"] = params
	}
	if o.in != nil {
		content := map[string]any{"application/json": map[string]any{"schema": requestSchema(o, c)}}
		if o.form != nil {
			content["multipart/form-data"] = map[string]any{"schema": o.form}
		}
		out["requestBody"] = map[string]any{"required": !o.optionalBody, "content": content}
	}
	out["responses"] = responses(o, c)
	return out
}

func requestSchema(o op, c *components) map[string]any {
	schema := c.schemaOf(o.in)
	if len(o.required) == 0 {
		return schema
	}
	return map[string]any{"allOf": []any{schema}, "required": o.required}
}

func parameters(o op) []any {
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range o.query {
		schema, typed := o.queryTypes[q]
		if !typed {
			schema, typed = queryParams[q]
		}
		if !typed {
			schema = map[string]any{"type": "string"}
		}
		params = append(params, map[string]any{"name": q, "in": "query", "schema": schema})
	}
	if o.idempotent {
		params = append(params, idempotencyHeader)
	}
	return params
}

// queryParams types the query parameters that are not plain strings.
var queryParams = map[string]map[string]any{
	"limit":  {"type": "integer", "minimum": 1, "maximum": store.MaxLimit, "description": "page size (default " + strconv.Itoa(store.DefaultLimit) + ")"},
	"cursor": {"type": "string", "description": "the next_cursor of the previous page"},
	"mine":   {"type": "boolean", "description": "only the caller's own sessions"},
}

func responses(o op, c *components) map[string]any {
	out := map[string]any{}
	ok := []int{cmp(o.status, http.StatusOK)}
	for _, st := range append(ok, o.also...) {
		resp := map[string]any{"description": http.StatusText(st)}
		switch {
		case o.binary:
			resp["content"] = map[string]any{"*/*": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		case o.out != nil:
			resp["content"] = jsonContent(c.schemaOf(o.out))
		}
		if st == http.StatusSwitchingProtocols {
			resp["description"] = "the WebSocket upgrade"
		}
		out[strconv.Itoa(st)] = resp
	}
	for _, st := range statusesOf(o) {
		out[strconv.Itoa(st)] = map[string]any{"description": errorText[st],
			"content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})}
	}
	return out
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// statusesOf lists the error statuses an operation can answer, derived from its shape (see op).
func statusesOf(o op) []int {
	reads := o.in != nil
	writes := o.method != http.MethodGet && o.method != http.MethodHead
	input := reads || len(o.query) > 0 || o.idempotent || strings.Contains(o.path, "{")
	add := map[int]bool{
		http.StatusBadRequest:            reads,
		http.StatusUnauthorized:          true,
		http.StatusForbidden:             o.access != public || writes,
		http.StatusNotFound:              strings.Contains(o.path, "{"),
		http.StatusConflict:              writes && o.access != public || writes && o.idempotent,
		http.StatusRequestEntityTooLarge: reads,
		http.StatusUnprocessableEntity:   input,
		http.StatusInternalServerError:   true,
	}
	var out []int
	for st, yes := range add {
		if yes {
			out = append(out, st)
		}
	}
	out = append(out, o.fails...)
	slices.Sort(out)
	return slices.Compact(out)
}

// errorText says when each error status is answered.
var errorText = map[int]string{
	http.StatusBadRequest:            "the body is not JSON",
	http.StatusUnauthorized:          "no credentials, or credentials that are not valid",
	http.StatusForbidden:             "the caller may not do this, or a cross-origin write with the session cookie",
	http.StatusNotFound:              "no such resource, or one the caller may not see",
	http.StatusConflict:              "the resource's state does not allow this",
	http.StatusRequestEntityTooLarge: "the body is larger than the server's limit",
	http.StatusUnprocessableEntity:   "bad input; the message and details name each field",
	http.StatusInternalServerError:   "an internal error; the message gives the request id",
	http.StatusUpgradeRequired:       "the request is not a WebSocket upgrade",
	http.StatusTooManyRequests:       "rate limited: wait the seconds Retry-After says (details.retry_after)",
	http.StatusServiceUnavailable:    "not ready",
}

var errorSchema = map[string]any{
	"type": "object", "required": []string{"error"}, "additionalProperties": false,
	"properties": map[string]any{"error": map[string]any{
		"type": "object", "required": []string{"code", "message"}, "additionalProperties": false,
		"properties": map[string]any{
			"code": map[string]any{"type": "string", "enum": []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict,
				errs.Unauthorized, errs.Forbidden, errs.TooLarge, errs.RateLimited, errs.Internal}},
			"message": map[string]any{"type": "string"},
			"details": map[string]any{"type": "object"},
		}}}}

// operationID names an operation in camelCase from its method and path:
// "GET /api/v1/livechats/{id}/automation/log" is getLivechatsByIdAutomationLog.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			b.WriteString("By")
			seg = strings.TrimSuffix(name, "}")
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// tagOf groups an operation by the first segment of its path after /api/v1.
func tagOf(path string) string {
	rest := strings.TrimPrefix(path, "/api/v1/")
	if rest == path {
		return "health"
	}
	first, _, _ := strings.Cut(rest, "/")
	if first == "openapi.json" {
		return "contract"
	}
	return first
}

func tagList(tags map[string]bool) []any {
	var names []string
	for t := range tags {
		names = append(names, t)
	}
	slices.Sort(names)
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"name": n, "description": "The " + n + " operations."}
	}
	return out
}
