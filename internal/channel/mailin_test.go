package channel

import (
	"encoding/base64"
	"net/mail"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/parleychat/parley/internal/chat"
)

func TestParseMail(t *testing.T) {
	crlf := func(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }
	tests := map[string]struct {
		raw                           []byte
		envelope                      string
		identity, name, subject, text string
		key                           string
	}{
		"plain, no From header": {raw: crlf("Subject: hi", "", "just text"), envelope: "Zed@Example.org",
			identity: "zed@example.org", subject: "hi", text: "just text"},
		"html only, base64": {raw: crlf(`From: =?iso-8859-1?q?J=F6rg?= <j@example.org>`, "Message-ID: <a@b>",
			"Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "",
			"PGh0bWw+PGhlYWQ+PHN0eWxlPnB7fTwvc3R5bGU+PC9oZWFkPjxib2R5PjxwPkhpICZhbXA7", "IGJ5ZTwvcD48cD5Kw7ZyZzwvcD48L2JvZHk+PC9odG1sPg=="),
			identity: "j@example.org", name: "Jörg", text: "Hi & bye\nJörg", key: "email:a@b"},
		"mixed with an attachment, latin-1": {raw: crlf("From: a@example.org", `Content-Type: multipart/mixed; boundary=x`, "",
			"--x", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "", "Gr=FC=DFe", "--x",
			"Content-Type: text/plain", "Content-Disposition: attachment; filename=a.txt", "", "not me", "--x--"),
			identity: "a@example.org", text: "Grüße"},
		"no text at all": {raw: crlf("From: a@example.org", "", ""), identity: "a@example.org", text: ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in, err := parseMail(tt.raw, tt.envelope)
			if err != nil {
				t.Fatal(err)
			}
			if in.Identity != tt.identity || in.Customer.Email != tt.identity || in.Customer.Name != tt.name ||
				in.Subject != tt.subject || in.Text != tt.text || in.DedupKey != tt.key {
				t.Fatalf("got %+v", in)
			}
		})
	}
}

func TestLongMailIsCut(t *testing.T) {
	in, err := parseMail([]byte("From: a@example.org\r\n\r\n"+strings.Repeat("ü", 20000)), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Text) > 16<<10 || !strings.HasSuffix(in.Text, truncatedNote) {
		t.Fatalf("text of %d bytes ending %q", len(in.Text), in.Text[len(in.Text)-40:])
	}
}

// TestMailCharsets reads bodies and RFC 2047 headers in the charsets mail clients still send,
// encoded here with golang.org/x/text so that the bytes are what those clients write.
func TestMailCharsets(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
	}{
		{"KOI8-R", charmap.KOI8R, "Здравствуйте, где мой заказ?"},
		{"windows-1251", charmap.Windows1251, "Добрый день, счёт № 42"},
		{"Shift_JIS", japanese.ShiftJIS, "注文はまだ届いていません"},
		{"ISO-2022-JP", japanese.ISO2022JP, "お世話になっております"},
		{"ISO-8859-15", charmap.ISO8859_15, "Prix : 10 €, merci"},
		{"windows-1252", charmap.Windows1252, "Grüße – „Anna“"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			body, err := tt.enc.NewEncoder().String(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			subject := "=?" + tt.charset + "?b?" + base64.StdEncoding.EncodeToString([]byte(body)) + "?="
			raw := "From: a@example.org\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: text/plain; charset=\"" + tt.charset + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				base64.StdEncoding.EncodeToString([]byte(body)) + "\r\n"
			in, err := parseMail([]byte(raw), "")
			if err != nil {
				t.Fatal(err)
			}
			if in.Text != tt.text || in.Subject != tt.text {
				t.Fatalf("text %q, subject %q; want %q", in.Text, in.Subject, tt.text)
			}
		})
	}
	// A charset nobody knows keeps the ASCII words and marks the rest.
	in, err := parseMail([]byte("From: a@example.org\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nhello \xff"), "")
	if err != nil || in.Text != "hello \uFFFD" {
		t.Fatalf("an unknown charset: %q, %v", in.Text, err)
	}
}

func TestKeepFiles(t *testing.T) {
	l := chat.DefaultFileLimits()
	if text, files := keepFiles(l, "", nil); text != noText || files != nil {
		t.Fatalf("neither text nor files: %q, %v", text, files)
	}
	pdf := chat.NewFile{Name: "invoice.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n%%EOF\n")}
	exe := chat.NewFile{Name: "run.exe", ContentType: "application/pdf", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")}
	text, files := keepFiles(l, "", []chat.NewFile{pdf, exe})
	if len(files) != 1 || files[0].Name != "invoice.pdf" || !strings.Contains(text, `"run.exe" was not kept`) {
		t.Fatalf("text %q, files %v", text, files)
	}
	if text, files := keepFiles(l, "", []chat.NewFile{pdf}); text != "" || len(files) != 1 {
		t.Fatalf("a file alone keeps an empty text: %q, %d files", text, len(files))
	}
}

func TestMailRefs(t *testing.T) {
	h := mail.Header{"In-Reply-To": {"<r2@parley> (our reply)"}, "References": {"<m1@a>\r\n <r1@parley> <m2@a>  <r2@parley>"}}
	got := strings.Join(mailRefs(h), " ")
	if want := "r2@parley m2@a r1@parley m1@a"; got != want {
		t.Fatalf("refs %q, want %q (newest first, once each)", got, want)
	}
	if refs := mailRefs(mail.Header{"References": {"no brackets here"}}); len(refs) != 0 {
		t.Fatalf("refs %q from a header without ids", refs)
	}
}
