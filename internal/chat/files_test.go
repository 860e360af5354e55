package chat_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
)

// pngBytes is a small real PNG picture.
func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdfBytes = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

func TestAttachmentsTravelWithMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		photo := pngBytes(t)
		seq := f.latest()
		r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "visitor-files",
			Files: []chat.NewFile{{Name: "../../etc/photo.png", ContentType: "text/html", Data: photo}}})
		f.must(err)
		if got := r.Message.Attachments; len(got) != 1 || got[0].Name != "photo.png" || got[0].ContentType != "image/png" ||
			!got[0].Image || got[0].Size != int64(len(photo)) {
			t.Fatalf("stored attachments %+v, want photo.png as a PNG image", got)
		}
		evs := f.events(seq)
		last := evs[len(evs)-1]
		if last.Type != chat.EventMessageReceived || len(last.Snapshot.LastMessage.Attachments) != 1 {
			t.Fatalf("event %s carries %+v, want message_received with the photo", last.Type, last.Snapshot.LastMessage)
		}
		if v, _ := last.Snapshot.Property("lastMessage.attachments"); len(v.([]value.File)) != 1 {
			t.Fatalf("lastMessage.attachments = %v", v)
		}

		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.Session.ID, Text: "Your invoice", By: chat.UserActor(f.operator),
			Files: []chat.NewFile{{Name: "invoice.pdf", Data: []byte(pdfBytes)}}})
		f.must(err)
		list, err := f.chat.Messages(f.ctx, f.operator, r.Session.ID, store.Page{})
		f.must(err)
		if len(list.Items) != 2 || len(list.Items[1].Attachments) != 1 || list.Items[1].Attachments[0].ContentType != "application/pdf" ||
			list.Items[1].Attachments[0].Image {
			t.Fatalf("messages %+v, want the photo then the PDF", list.Items)
		}
		a, data, err := f.chat.OpenAttachment(f.ctx, r.Message.Attachments[0].ID)
		f.must(err)
		if a.Name != "photo.png" || !bytes.Equal(data, photo) {
			t.Fatalf("opened %+v with %d bytes, want the photo back", a, len(data))
		}
		_, _, err = f.chat.OpenAttachment(f.ctx, "att_missing")
		wantCode(t, err, errs.NotFound)
	})
}

func TestAttachmentLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.customer("hi")
		id := r.Session.ID
		l := chat.DefaultFileLimits()
		l.MaxFileSize, l.MaxMessageSize = 1000, 1500
		f.chat.SetFiles(nil, l)
		seq, count := f.latest(), f.session(id).MessageCount
		cases := []struct {
			files []chat.NewFile
			code  errs.Code
			field string
		}{
			{[]chat.NewFile{{Name: "big.txt", Data: bytes.Repeat([]byte("a"), 1001)}}, errs.TooLarge, "files[0]"},
			{[]chat.NewFile{{Name: "a.txt", Data: bytes.Repeat([]byte("a"), 800)}, {Name: "b.txt", Data: bytes.Repeat([]byte("b"), 800)}}, errs.TooLarge, "files"},
			{[]chat.NewFile{{Name: "ok.txt", Data: []byte("fine")}, {Name: "page.pdf", Data: []byte("<html><script>alert(1)</script></html>")}}, errs.Invalid, "files[1]"},
			{[]chat.NewFile{{Name: "empty.txt"}}, errs.Invalid, "files[0]"},
		}
		for _, c := range cases {
			_, err := f.chat.ReceiveInSessionWith(f.ctx, chat.SessionInbound{SessionID: id, Files: c.files})
			wantCode(t, err, c.code)
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("error %q does not name %s", err, c.field)
			}
		}
		_, err := f.chat.ReceiveInSessionWith(f.ctx, chat.SessionInbound{SessionID: id})
		wantCode(t, err, errs.Invalid)
		if n := len(f.events(seq)); n != 0 || f.session(id).MessageCount != count {
			t.Fatalf("refused messages wrote %d events and changed the count", n)
		}
	})
}

func TestSniffType(t *testing.T) {
	docx := zipWith(t, "word/document.xml")
	cases := []struct {
		name, claimed string
		data          []byte
		want          string
	}{
		{"photo.jpg", "image/jpeg", []byte(pdfBytes), "application/pdf"},
		{"x.png", "image/png", []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), "image/svg+xml"},
		{"x.svg", "", []byte("<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/svg+xml"},
		{"letter.docx", "", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"a.zip", "", zipWith(t, "readme.txt"), "application/zip"},
		{"old.xls", "", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 64)...), "application/vnd.ms-excel"},
		{"list.csv", "", []byte("a,b\n1,2\n"), "text/csv; charset=utf-8"},
		{"notes.pdf", "application/pdf", []byte("just text"), "text/plain; charset=utf-8"},
	}
	for _, c := range cases {
		if got := chat.SniffType(c.name, c.claimed, c.data); got != c.want {
			t.Errorf("SniffType(%q, %q) = %q, want %q", c.name, c.claimed, got, c.want)
		}
	}
}

func zipWith(t *testing.T, name string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte("<x/>"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"C:\\Users\\me\\scan.pdf":         "scan.pdf",
		"../../etc/passwd":                "passwd",
		"  \x00\x07 ":                     "file",
		"a\"b.txt":                        "ab.txt",
		strings.Repeat("я", 200) + ".pdf": strings.Repeat("я", 125) + ".pdf",
	} {
		if got := chat.CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
