package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/parleychat/parley/internal/errs"
)

// File is what expressions and Native see of a file value: a file Parley stores (a message's
// attachment), by its id, with the name, type and size it was stored with. A file value links
// to the bytes; it never holds them, so variables and items stay small.
type File struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// fileShape is the reminder added to errors about the shape of file input.
const fileShape = `write a file as {"id":"att_…","name":"scan.pdf","content_type":"application/pdf","size":1234}`

// The bounds of a file value's texts.
const (
	maxFileID   = 64
	maxFileText = 255
)

// check says what is wrong with f as a file value, or "".
func (f File) check() string {
	switch {
	case f.ID == "" || len(f.ID) > maxFileID || strings.ContainsAny(f.ID, " \t\r\n"):
		return fmt.Sprintf("the id must be a file id of at most %d bytes", maxFileID)
	case f.Name == "" || len(f.Name) > maxFileText:
		return fmt.Sprintf("the name must be 1 to %d bytes", maxFileText)
	case len(f.ContentType) > maxFileText || !strings.Contains(f.ContentType, "/"):
		return "the content_type must be a media type such as application/pdf"
	case f.Size < 0:
		return "the size must not be negative"
	}
	return ""
}

func newFile(t Type, f File) (Value, string) {
	if reason := f.check(); reason != "" {
		return Value{}, reason
	}
	return Value{t: t, set: true, s: f.ID, i: f.Size, name: f.Name, ctype: f.ContentType}, ""
}

// file returns what Native shows of a file value.
func (v Value) file() File {
	return File{ID: v.s, Name: v.name, ContentType: v.ctype, Size: v.i}
}

// parseFile reads a file object. The "image" flag an attachment carries is accepted and
// dropped: it follows from the type.
func parseFile(t Type, raw []byte) (Value, error) {
	if raw[0] != '{' {
		return Value{}, mismatch(t, describeJSON(raw), fileShape)
	}
	var in struct {
		File
		Image *bool `json:"image"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Value{}, mismatch(t, "object", "only id, name, content_type and size are allowed; "+fileShape)
	}
	v, reason := newFile(t, in.File)
	if reason != "" {
		return Value{}, mismatch(t, "object", reason)
	}
	return v, nil
}

// fileFromNative accepts File, as Native gives it, a struct with the same fields (a message's
// attachment), or the map an expression literal or decoded JSON makes.
func fileFromNative(t Type, v any) (Value, error) {
	f, ok := v.(File)
	if !ok {
		data, err := json.Marshal(v)
		rv := reflect.Indirect(reflect.ValueOf(v))
		if err != nil || rv.Kind() != reflect.Struct && rv.Kind() != reflect.Map {
			return Value{}, mismatch(t, describeNative(v), fileShape)
		}
		return parseFile(t, data)
	}
	val, reason := newFile(t, f)
	if reason != "" {
		return Value{}, mismatch(t, describeNative(v), reason)
	}
	return val, nil
}

func encodeFile(v Value) []byte {
	b, _ := json.Marshal(v.file()) // strings and an integer always marshal
	return b
}

// A files value is a list of files, such as a message's attachments; expressions index it
// (attachments[0]) to get one file for a file variable or field.

// fileList returns what Native shows of a files value.
func (v Value) fileList() []File {
	if v.files == nil {
		return []File{}
	}
	return append([]File{}, (*v.files)...)
}

func newFiles(t Type, list []File) (Value, string) {
	for i, f := range list {
		if reason := f.check(); reason != "" {
			return Value{}, fmt.Sprintf("file %d: %s", i, reason)
		}
	}
	list = append([]File{}, list...)
	return Value{t: t, set: true, files: &list}, ""
}

// parseFiles reads a JSON array of file objects.
func parseFiles(t Type, raw []byte) (Value, error) {
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return Value{}, mismatch(t, describeJSON(raw), "write files as an array of "+fileShape[len("write a file as "):])
	}
	list := make([]File, 0, len(items))
	for i, item := range items {
		f, err := parseFile(Type{Kind: KindFile}, trimJSON(item))
		if err != nil {
			return Value{}, mismatch(t, "array", fmt.Sprintf("item %d: %s", i, errMessage(err)))
		}
		list = append(list, f.file())
	}
	v, _ := newFiles(t, list)
	return v, nil
}

// filesFromNative accepts []File, as Native gives it, or any slice of what a file accepts.
func filesFromNative(t Type, v any) (Value, error) {
	if list, ok := v.([]File); ok {
		val, reason := newFiles(t, list)
		if reason != "" {
			return Value{}, mismatch(t, "array", reason)
		}
		return val, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return Value{}, mismatch(t, describeNative(v), "a list of files")
	}
	list := make([]File, 0, rv.Len())
	for i := range rv.Len() {
		f, err := fileFromNative(Type{Kind: KindFile}, rv.Index(i).Interface())
		if err != nil {
			return Value{}, mismatch(t, "array", fmt.Sprintf("item %d: %s", i, errMessage(err)))
		}
		list = append(list, f.file())
	}
	val, _ := newFiles(t, list)
	return val, nil
}

func encodeFiles(v Value) []byte {
	b, _ := json.Marshal(v.fileList())
	return b
}

func filesEqual(a, b []File) bool {
	return reflect.DeepEqual(a, b)
}

func fileNames(list []File) string {
	names := make([]string, len(list))
	for i, f := range list {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// errMessage is the message of an error made by this package.
func errMessage(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Message
	}
	return err.Error()
}
