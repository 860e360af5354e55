package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
)

// mismatch returns the invalid error for input that is not a value of t. got describes the
// input ("string \"12\""); reason, when not empty, says what exactly is wrong with it, because
// "expected phone, got string" alone would not tell a user what to fix.
func mismatch(t Type, got, reason string) *errs.Error {
	msg := "expected " + t.String() + ", got " + got
	if reason != "" {
		msg += ": " + reason
	}
	return &errs.Error{Code: errs.Invalid, Message: msg,
		Details: map[string]any{"expected": t.String()}}
}

// InField prefixes the message of an *errs.Error with the name of the variable or field it is
// about and records the name in Details["field"], so that a form can point at the culprit.
// Other errors, which are internal, and nil are returned unchanged.
func InField(name string, err error) error {
	var e *errs.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	out := e.With("field", name)
	out.Message = name + ": " + e.Message
	return out
}

// maxShown bounds how much of a wrong input an error message repeats, so that a megabyte of
// text sent as a phone number does not come back in the error.
const maxShown = 40

// shorten cuts s to maxShown runes, marking the cut.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	return string([]rune(s)[:maxShown]) + "…"
}

// quote returns s shortened and in Go-style double quotes, which are also JSON's for the
// printable text that users type.
func quote(s string) string { return strconv.Quote(shorten(s)) }

// describeJSON names the JSON type of raw and repeats its scalar content, as in `number 12.5`.
// raw must be valid, trimmed JSON.
func describeJSON(raw []byte) string {
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "string"
		}
		return "string " + quote(s)
	case 't', 'f':
		return "boolean " + string(raw)
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "number " + shorten(string(raw))
}

// describeNative does for Go values what describeJSON does for JSON, naming them with the
// types of this package where one fits, so that an expression's author recognises the result.
func describeNative(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case Value:
		return x.t.String() + " " + shorten(x.String())
	case time.Time:
		return "datetime " + x.Format(time.RFC3339Nano)
	case Money:
		return "money " + shorten(x.String())
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanInt(), rv.CanUint():
		return fmt.Sprintf("integer %v", v)
	case rv.CanFloat():
		return fmt.Sprintf("number %v", v)
	case rv.Kind() == reflect.Bool:
		return fmt.Sprintf("boolean %v", v)
	case rv.Kind() == reflect.String:
		return "string " + quote(rv.String())
	case rv.Kind() == reflect.Map:
		return "map"
	case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// trimJSON removes the whitespace JSON allows around a value, and only that whitespace.
func trimJSON(raw []byte) []byte { return bytes.Trim(raw, " \t\r\n") }

// internal returns an error for a mistake of the calling code rather than of its input, such as
// asking to parse into a type that does not exist; the HTTP layer logs these and hides them.
func internal(format string, args ...any) error {
	return fmt.Errorf("value: "+format, args...)
}
