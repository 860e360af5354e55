package httpapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// securitySchemes are the ways into the API (API.md, Conventions).
var securitySchemes = map[string]any{
	"staffToken": map[string]any{"type": "http", "scheme": "bearer",
		"description": "A staff user's login token from POST /api/v1/auth/login."},
	"sessionCookie": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie,
		"description": "The web UI's login cookie; writes must come from the same origin."},
	"visitorToken": map[string]any{"type": "http", "scheme": "bearer",
		"description": "A widget visitor's token, returned when the visitor's session is created."},
	"channelKey": map[string]any{"type": "http", "scheme": "bearer",
		"description": "The API key of an http channel, returned once when the channel is created."},
	"workerKey": map[string]any{"type": "http", "scheme": "bearer",
		"description": "An outside worker's API key, created by an administrator."},
}

// schemesOf names the security schemes each way into a route (server.go's access) takes.
var schemesOf = []struct {
	way     access
	schemes []string
}{
	{staff, []string{"staffToken", "sessionCookie"}},
	{admin, []string{"staffToken", "sessionCookie"}},
	{apiKey, []string{"channelKey"}},
	{visitor, []string{"visitorToken"}},
	{workerKey, []string{"workerKey"}},
}

// securityOf is an operation's security: each scheme alone suffices; a public route needs none.
func securityOf(a access) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, s := range schemesOf {
		if !takes(a, s.way) {
			continue
		}
		for _, name := range s.schemes {
			if !seen[name] {
				seen[name] = true
				out = append(out, map[string]any{name: []any{}})
			}
		}
	}
	return out
}

// takes says a route of access a takes the way in. Access is one way per route today; when
// it becomes a set of ways (bits), this is a&way != 0 and securityOf offers each of them.
func takes(a, way access) bool { return a&way != 0 }

// components collects the named schemas of the document, one per Go type, each under a name
// that code generators accept: the type's own name, "<Elem>List" for store.List[Elem], and
// the package name in front when two packages use one name.
type components struct {
	schemas map[string]any
	names   map[reflect.Type]string
	taken   map[string]reflect.Type
}

func newComponents() *components {
	return &components{schemas: map[string]any{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

var (
	timeType      = reflect.TypeOf(time.Time{})
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// schemaOf describes the JSON encoding of v's type as JSON Schema.
func (c *components) schemaOf(v any) map[string]any {
	return c.schema(reflect.TypeOf(v))
}

func (c *components) schema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(c.schema(t.Elem()))
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler):
		return map[string]any{}
	case t.Implements(textMarshaler):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return nullable(map[string]any{"type": "array", "items": c.schema(t.Elem())})
	case reflect.Map:
		return nullable(map[string]any{"type": "object", "additionalProperties": c.schema(t.Elem())})
	case reflect.Struct:
		return c.structSchema(t)
	}
	return map[string]any{}
}

// nullable lets a schema also be null, as Go writes a nil pointer, slice or map.
func nullable(s map[string]any) map[string]any {
	switch typ := s["type"].(type) {
	case string:
		s["type"] = []string{typ, "null"}
		return s
	case nil:
		if _, ref := s["$ref"]; !ref {
			return s // any value, null included
		}
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func (c *components) structSchema(t reflect.Type) map[string]any {
	if t.Name() == "" {
		return c.fieldsSchema(t)
	}
	name, done := c.names[t]
	ref := func() map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	if done {
		return ref()
	}
	name = c.nameOf(t)
	c.names[t], c.taken[name] = name, t
	c.schemas[name] = map[string]any{} // a placeholder against recursion
	c.schemas[name] = c.fieldsSchema(t)
	return ref()
}

// nameOf is a component name for t not yet taken by another type.
func (c *components) nameOf(t reflect.Type) string {
	name := typeName(t)
	if other, taken := c.taken[name]; taken && other != t {
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		name = upperFirst(pkg) + name
	}
	return name
}

// typeName is t's name without its package, a generic's type arguments in front:
// store.List[*auth.Group] is GroupList.
func typeName(t reflect.Type) string {
	base, args, generic := strings.Cut(t.Name(), "[")
	if !generic {
		return upperFirst(base)
	}
	var prefix strings.Builder
	for _, arg := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
		arg = arg[strings.LastIndexAny(arg, "./*]")+1:]
		prefix.WriteString(upperFirst(arg))
	}
	return prefix.String() + upperFirst(base)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// fieldsSchema describes a struct as a closed object: the server writes no other field, and
// refuses any other field in a request body.
func (c *components) fieldsSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	c.addFields(t, props)
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

// addFields adds t's JSON fields to props. The fields of an embedded struct without a JSON
// name stand in the outer object, as encoding/json writes them; an outer field of the same
// name wins, so embedded fields are added after the outer ones.
func (c *components) addFields(t reflect.Type, props map[string]any) {
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
		props[name] = c.schema(f.Type)
	}
	for _, et := range embedded {
		inner := map[string]any{}
		c.addFields(et, inner)
		for name, schema := range inner {
			if _, taken := props[name]; !taken {
				props[name] = schema
			}
		}
	}
}
