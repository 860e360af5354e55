package value

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

func TestFileValues(t *testing.T) {
	file, files := Type{Kind: KindFile}, Type{Kind: KindFiles}
	scan := `{"id":"att_1","name":"scan.pdf","content_type":"application/pdf","size":1234}`
	v, err := Parse(file, []byte(scan))
	if err != nil || string(Encode(v)) != scan || v.String() != "scan.pdf" {
		t.Fatalf("Parse(file) = %s, %v", Encode(v), err)
	}
	if back, err := Decode(file, Encode(v)); err != nil || !back.Equal(v) {
		t.Fatalf("Decode(Encode) = %v, %v", back, err)
	}
	// An attachment as the API shows it, with its image flag, is a file.
	if _, err := Parse(file, []byte(`{"id":"att_2","name":"a.png","content_type":"image/png","size":5,"image":true}`)); err != nil {
		t.Fatalf("an attachment is refused: %v", err)
	}
	list, err := Parse(files, []byte("["+scan+"]"))
	if err != nil || len(list.Native().([]File)) != 1 || !strings.Contains(string(Encode(list)), "scan.pdf") {
		t.Fatalf("Parse(files) = %s, %v", Encode(list), err)
	}
	// An expression indexes the list and assigns one file to a file variable.
	first, err := FromNative(file, list.Native().([]File)[0])
	if err != nil || !first.Equal(v) {
		t.Fatalf("FromNative(files[0]) = %v, %v", first, err)
	}
	type attachment struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
		Image       bool   `json:"image"`
	}
	if v, err := FromNative(files, []attachment{{ID: "att_3", Name: "b.gif", ContentType: "image/gif", Size: 1, Image: true}}); err != nil || v.String() != "b.gif" {
		t.Fatalf("FromNative(attachments) = %v, %v", v, err)
	}
	for _, bad := range []string{`"scan.pdf"`, `{"id":"","name":"x","content_type":"a/b","size":1}`, `{"id":"a","name":"x","content_type":"pdf","size":1}`,
		`{"id":"a","name":"x","content_type":"a/b","size":1,"data":"AAAA"}`} {
		if _, err := Parse(file, []byte(bad)); !errs.Is(err, errs.Invalid) {
			t.Errorf("Parse(file, %s) = %v, want invalid", bad, err)
		}
	}
	if _, err := Parse(files, []byte(`[{"id":"a"}]`)); err == nil || !strings.Contains(err.Error(), "item 0") {
		t.Errorf("a bad item of files: %v", err)
	}
}
