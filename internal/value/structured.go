package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// A list is a JSON array and an object a JSON object, of any JSON values: strings, numbers,
// booleans, null, and lists and objects again. They are untyped on purpose: their content
// comes from chat data, HTTP answers and forms whose shape varies, and an element is checked
// where it matters, when it is assigned to a typed variable or field (list[0].amount into a
// money variable is checked as any money is).
//
// Such a value keeps its canonical JSON text in s, which keeps Value comparable and makes
// equal values equal text: object keys sorted, no insignificant whitespace, numbers written
// as encoding/json writes them. Expressions see []any and map[string]any whose numbers are int
// when whole and within int64, else float64, as expr's own literals are.

// The bounds of a list or object: its canonical text is at most maxString bytes, as a string
// is, and it nests at most maxDepth levels, which no sensible data needs and which keeps a
// hostile input from costing deep recursion.
const maxDepth = 32

// Shapes reminded in errors about list and object input.
const (
	listShape   = `write a list as a JSON array, such as ["a", 2, {"b": true}]`
	objectShape = `write an object as a JSON object, such as {"name": "Ann", "age": 31}`
)

// structured reports whether values of k are lists or objects.
func (k Kind) structured() bool { return k == KindList || k == KindObject }

// parseStructured reads a JSON array (list) or object (object) into its canonical form.
func parseStructured(t Type, raw []byte) (Value, error) {
	want, shape := byte('['), listShape
	if t.Kind == KindObject {
		want, shape = '{', objectShape
	}
	if raw[0] != want {
		return Value{}, mismatch(t, describeJSON(raw), shape)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return Value{}, mismatch(t, "invalid JSON", shape)
	}
	x, reason := canonical(x, 0)
	if reason != "" {
		return Value{}, mismatch(t, describeJSON(raw), reason)
	}
	text, err := json.Marshal(x)
	if err != nil {
		return Value{}, internal("encode %s: %v", t, err)
	}
	if len(text) > maxString {
		return Value{}, mismatch(t, describeJSON(raw), "longer than the limit of 1 MiB")
	}
	return Value{t: t, set: true, s: string(text)}, nil
}

// canonical checks a decoded JSON value (with json.Number numbers) and returns it with its
// numbers as int64 or float64, which marshal to their canonical text; or the reason it is
// refused.
func canonical(x any, depth int) (any, string) {
	if depth > maxDepth {
		return nil, fmt.Sprintf("nested deeper than %d levels", maxDepth)
	}
	switch v := x.(type) {
	case json.Number:
		return number(v)
	case []any:
		for i, e := range v {
			c, reason := canonical(e, depth+1)
			if reason != "" {
				return nil, fmt.Sprintf("item %d: %s", i, reason)
			}
			v[i] = c
		}
	case map[string]any:
		for k, e := range v {
			c, reason := canonical(e, depth+1)
			if reason != "" {
				return nil, fmt.Sprintf("%s: %s", quote(k), reason)
			}
			v[k] = c
		}
	}
	return x, ""
}

// number reads a JSON number as an int64 when written as a whole number within its range, and
// as a finite float64 otherwise.
func number(n json.Number) (any, string) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, ""
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && math.IsInf(f, 0) {
		return nil, "the number " + shorten(string(n)) + " is out of the number range"
	}
	if f == math.Trunc(f) && f >= -0x1p63 && f < 0x1p63 {
		return int64(f), "" // 1.0 and 1e3 are the whole numbers 1 and 1000
	}
	return f, ""
}

// structuredNative decodes the canonical text of a list or object into fresh Go values, so
// that an expression changing what it got cannot change the variable.
func (v Value) structuredNative() any {
	x, err := NativeJSON([]byte(v.s))
	if err != nil {
		panic(internal("stored %s does not decode: %v", v.t, err))
	}
	return x
}

// toNative turns the json.Number of decoded JSON into int (whole) or float64.
func toNative(x any) any {
	switch v := x.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil && int64(int(i)) == i {
			return int(i)
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	case []any:
		for i, e := range v {
			v[i] = toNative(e)
		}
	case map[string]any:
		for k, e := range v {
			v[k] = toNative(e)
		}
	}
	return x
}

// structuredFromNative accepts for a list any Go slice or array, and for an object any map
// with string keys or struct (a file, a money amount), whose content JSON can write: what an
// expression such as [item.id, 2] or {name: n} or a JSON body's field gives.
func structuredFromNative(t Type, v any) (Value, error) {
	rv := reflect.ValueOf(v)
	ok := rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array
	shape := listShape
	if t.Kind == KindObject {
		ok = rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String || rv.Kind() == reflect.Struct
		shape = objectShape
	}
	if !ok || rv.Kind() == reflect.Slice && rv.IsNil() {
		return Value{}, mismatch(t, describeNative(v), shape)
	}
	data, err := json.Marshal(v)
	if err != nil {
		var ue *json.UnsupportedValueError
		if errors.As(err, &ue) {
			return Value{}, mismatch(t, describeNative(v), "it holds "+ue.Str+", which is not a JSON value")
		}
		return Value{}, mismatch(t, describeNative(v), "it holds something JSON cannot write: "+err.Error())
	}
	return parseStructured(t, data)
}

// NativeJSON decodes any JSON value into what an expression sees of it inside a list or an
// object (int, float64, string, bool, nil, []any, map[string]any), for the engine's
// token-local variables, which hold one element of a list each.
func NativeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, internal("decode JSON: %v", err)
	}
	return toNative(x), nil
}
