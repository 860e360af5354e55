package httpapi

import (
	"encoding"
	"github.com/parleychat/parley/internal/auth/policy"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// op describes one route for the OpenAPI document.
type op struct {
	summary string
	// in is a zero value of the request body type, or nil.
	in any
	// out is a zero value of the response body type, or nil for no body.
	out any
	// status is the success status; 200 when zero.
	status int
	// query lists the query parameters the route reads.
	query []string
	// idempotent says the create accepts an Idempotency-Key header (API.md).
	idempotent bool
	// required names the body's fields a request must give; a request without them is
	// refused with 422 naming each (kept true by TestOpenAPIRequiredFields).
	required []string

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
	schemas := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.op.path] = item
		}
		item[strings.ToLower(rt.op.method)] = operation(rt.op, schemas)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Parley API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
	}
}

func operation(o op, schemas map[string]any) map[string]any {
	out := map[string]any{"summary": o.summary, "operationId": o.method + " " + o.path}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range o.query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
	}
	if o.idempotent {
		params = append(params, idempotencyHeader)
	}
	if params != nil {
		out["parameters"] = params
	}
	if o.access != public {
		out["security"] = []any{map[string]any{"bearer": []any{}}}
	}
	if o.in != nil {
		schema := schemaOf(reflect.TypeOf(o.in), schemas)
		if len(o.required) > 0 {
			schema["required"] = o.required
		}
		out["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schema}}}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := map[string]any{"description": http.StatusText(status)}
	if o.out != nil {
		resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(o.out), schemas)}}
	}
	out["responses"] = map[string]any{
		itoa(status): resp,
		"default":    map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": errorSchema}}},
	}
	return out
}

var errorSchema = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{
	"type": "object", "required": []string{"code", "message"},
	"properties": map[string]any{
		"code":    map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "too_large", "rate_limited", "internal"}},
		"message": map[string]any{"type": "string"},
		"details": map[string]any{"type": "object"},
	}}}}

func itoa(n int) string { return strconv.Itoa(n) }

var (
	timeType      = reflect.TypeOf(time.Time{})
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// schemaOf describes a Go type as JSON Schema; named structs become shared components.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(textMarshaler):
		return map[string]any{"type": "string"}
	case t.Implements(reflect.TypeOf((*interface{ MarshalJSON() ([]byte, error) })(nil)).Elem()):
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Struct:
		return structSchema(t, schemas)
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	name := t.Name()
	if name != "" && t.PkgPath() != "" {
		name = strings.ReplaceAll(t.String(), ".", "_")
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, done := schemas[name]; done {
			return ref
		}
		schemas[name] = map[string]any{} // placeholder against recursion
		schemas[name] = fieldsSchema(t, schemas)
		return ref
	}
	return fieldsSchema(t, schemas)
}

func fieldsSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	addFields(t, props, schemas)
	return map[string]any{"type": "object", "properties": props}
}

// addFields adds t's JSON fields to props. The fields of an embedded struct without a JSON
// name stand in the outer object, as encoding/json writes them; an outer field of the same
// name wins, so embedded fields are added after the outer ones.
func addFields(t reflect.Type, props, schemas map[string]any) {
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, schemas)
	}
	for _, et := range embedded {
		inner := map[string]any{}
		addFields(et, inner, schemas)
		for name, schema := range inner {
			if _, taken := props[name]; !taken {
				props[name] = schema
			}
		}
	}
}
