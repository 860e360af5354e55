package channel

import (
	"strings"
	"testing"
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
		"no text at all": {raw: crlf("From: a@example.org", "", ""), identity: "a@example.org", text: noText},
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
