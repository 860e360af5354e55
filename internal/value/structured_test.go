package value

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestStructuredValues(t *testing.T) {
	list, object := Type{Kind: KindList}, Type{Kind: KindObject}
	tests := []struct {
		t        Type
		in, want string
	}{
		{list, `[]`, `[]`},
		{list, ` [ "a", 2, 2.5, 1.0, 1e3, true, null, {"b": [1]} ] `, `["a",2,2.5,1,1000,true,null,{"b":[1]}]`},
		{list, `[-0, 12345678901234567890]`, `[0,12345678901234567000]`},
		{object, `{"z": 1, "a": {"y": "x", "b": []}}`, `{"a":{"b":[],"y":"x"},"z":1}`},
		{object, `{}`, `{}`},
	}
	for _, tt := range tests {
		v, err := Parse(tt.t, []byte(tt.in))
		if err != nil || string(Encode(v)) != tt.want {
			t.Errorf("Parse(%s, %s) = %s, %v; want %s", tt.t, tt.in, Encode(v), err, tt.want)
			continue
		}
		back, err := Decode(tt.t, Encode(v))
		if err != nil || !back.Equal(v) || back.String() != tt.want {
			t.Errorf("Decode(%s) = %v, %v", Encode(v), back, err)
		}
	}
}

func TestStructuredRefuses(t *testing.T) {
	list, object := Type{Kind: KindList}, Type{Kind: KindObject}
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	tests := []struct {
		t       Type
		in, msg string
	}{
		{list, `{"a":1}`, `items: expected list, got object: write a list as a JSON array`},
		{list, `"[1,2]"`, `items: expected list, got string "[1,2]": write a list as a JSON array`},
		{list, `[1, 2`, `items: expected list, got invalid JSON`},
		{list, `null`, `items: expected list, got null`},
		{list, deep, `items: expected list, got array: item 0: item 0:`},
		{list, `[1e999]`, `items: expected list, got array: item 0: the number 1e999 is out of the number range`},
		{object, `[1]`, `items: expected object, got array: write an object as a JSON object`},
		{object, `12`, `items: expected object, got number 12: write an object as a JSON object`},
	}
	for _, tt := range tests {
		_, err := ParseField("items", tt.t, []byte(tt.in))
		if err == nil || !strings.HasPrefix(errMessage(err), tt.msg) {
			t.Errorf("ParseField(%s, %.20s) error = %v;\nwant prefix %s", tt.t, tt.in, err, tt.msg)
		}
	}
}

func TestStructuredNative(t *testing.T) {
	list, object := Type{Kind: KindList}, Type{Kind: KindObject}
	v, err := Parse(list, []byte(`["a", 2, 2.5, {"n": 3}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"a", 2, 2.5, map[string]any{"n": 3}}
	got := v.Native()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Native = %#v; want %#v", got, want)
	}
	got.([]any)[0] = "changed" // what an expression gets is its own copy
	if v.Native().([]any)[0] != "a" {
		t.Error("changing a native list changed the value")
	}
	if !reflect.DeepEqual(list.Zero(), []any{}) || !reflect.DeepEqual(object.Zero(), map[string]any{}) {
		t.Errorf("Zero = %#v, %#v", list.Zero(), object.Zero())
	}

	// From what expressions and chat data give.
	f := File{ID: "att_1", Name: "a.pdf", ContentType: "application/pdf", Size: 3}
	m, _ := Parse(Type{Kind: KindMoney}, []byte(`{"amount":"12.50","currency":"EUR"}`))
	for _, c := range []struct {
		t    Type
		in   any
		want string
	}{
		{list, []any{1, "b", map[string]any{"c": true}}, `[1,"b",{"c":true}]`},
		{list, []File{f}, `[{"content_type":"application/pdf","id":"att_1","name":"a.pdf","size":3}]`},
		{list, []int{3, 1}, `[3,1]`},
		{list, []Value{m}, `[{"amount":"12.50","currency":"EUR"}]`},
		{object, map[string]any{"b": 1.5, "a": nil}, `{"a":null,"b":1.5}`},
		{object, f, `{"content_type":"application/pdf","id":"att_1","name":"a.pdf","size":3}`},
	} {
		v, err := FromNative(c.t, c.in)
		if err != nil || string(Encode(v)) != c.want {
			t.Errorf("FromNative(%s, %#v) = %s, %v; want %s", c.t, c.in, Encode(v), err, c.want)
		}
	}
	for _, c := range []struct {
		t   Type
		in  any
		msg string
	}{
		{list, "a", `expected list, got string "a"`},
		{list, map[string]any{}, `expected list, got map`},
		{object, []any{}, `expected object, got array`},
		{object, map[int]any{}, `expected object, got map`},
		{list, []any{1, json.Number("x")}, `expected list, got array`},
	} {
		if _, err := FromNative(c.t, c.in); err == nil || !strings.HasPrefix(errMessage(err), c.msg) {
			t.Errorf("FromNative(%s, %#v) error = %v; want %s", c.t, c.in, err, c.msg)
		}
	}
}
