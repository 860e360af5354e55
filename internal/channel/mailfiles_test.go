package channel_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/smtp"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// minimalPDF is enough of a PDF for its type to be sniffed from its content.
var minimalPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// onePixelPNG is a 1×1 PNG.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// b64Lines is base64 in lines of 76 characters, as mail clients write it (LF ends: mailFrom
// makes them CRLF).
func b64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	return b.String() + enc
}

// TestMailFiles sends a PDF by mail and gets it as the message's attachment, with an inline
// picture of an HTML mail; an attachment-only mail stores no stand-in text; and the
// operator's reply with a file reaches the relay as a MIME part the customer can open.
func TestMailFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rl, relayAddr := startRelay(t, 0)
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		svc, _ := f.service(channel.WebhookConfig{SMTPRelay: relayAddr})
		addr := listenSMTP(t, svc, channel.SMTPConfig{})
		withPDF := "--mix\nContent-Type: multipart/related; boundary=rel\n\n" +
			"--rel\nContent-Type: text/html; charset=utf-8\n\n<p>My invoice, and the box: <img src=\"cid:box\"></p>\n" +
			"--rel\nContent-Type: image/png\nContent-ID: <box>\nContent-Transfer-Encoding: base64\n\n" + b64Lines(onePixelPNG) + "\n--rel--\n" +
			"--mix\nContent-Type: application/pdf; name=\"=?utf-8?q?Rechnung_M=C3=A4rz.pdf?=\"\nContent-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\n" +
			"Content-Transfer-Encoding: base64\n\n" + b64Lines(minimalPDF) + "\n--mix--\n"
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{mailbox}, mailFrom("Ann <ann@example.org>", "<f1@example.org>", "Invoice",
			withPDF, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="mix"`)))
		s, msgs := f.emailSession(ch.ID)
		if len(msgs) != 1 || msgs[0].Text != "My invoice, and the box:" || len(msgs[0].Attachments) != 2 {
			t.Fatalf("%d messages, the first %+v", len(msgs), msgs[0])
		}
		png, pdf := msgs[0].Attachments[0], msgs[0].Attachments[1]
		if !png.Image || png.ContentType != "image/png" || pdf.Name != "Rechnung März.pdf" || pdf.ContentType != "application/pdf" || pdf.Image {
			t.Fatalf("attachments %+v", msgs[0].Attachments)
		}
		if _, data, err := f.chat.OpenAttachment(f.ctx, pdf.ID); err != nil || !bytes.Equal(data, minimalPDF) {
			t.Fatalf("the PDF's bytes: %q, %v", data, err)
		}

		// A mail that is only a file stores the file with an empty text.
		onlyFile := "--mix\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=scan.pdf\nContent-Transfer-Encoding: base64\n\n" +
			b64Lines(minimalPDF) + "\n--mix--\n"
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{mailbox}, mailFrom("ann@example.org", "<f2@example.org>", "Scan",
			onlyFile, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="mix"`)))
		if _, msgs = f.emailSession(ch.ID); len(msgs) != 2 || msgs[1].Text != "" || len(msgs[1].Attachments) != 1 || msgs[1].Attachments[0].Name != "scan.pdf" {
			t.Fatalf("an attachment-only mail: %+v", msgs[1])
		}

		// The operator answers with a file.
		m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: s.ID, Text: "Here is the credit note.", By: chat.UserActor(f.operator),
			Files: []chat.NewFile{{Name: "Gutschrift.pdf", ContentType: "application/pdf", Data: minimalPDF}}})
		f.must(err)
		if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Delivered {
			t.Fatalf("delivery %+v", d)
		}
		rl.mu.Lock()
		data := rl.got[len(rl.got)-1].data
		rl.mu.Unlock()
		text, files := readMailParts(t, data)
		if text != "Here is the credit note." || len(files) != 1 || files["Gutschrift.pdf"] == nil || !bytes.Equal(files["Gutschrift.pdf"], minimalPDF) {
			t.Fatalf("the mailed reply: text %q, files %v", text, files)
		}
	})
}

// readMailParts reads a multipart/mixed mail as a mail client would: its text part and its
// attachments by file name.
func readMailParts(t *testing.T, data string) (string, map[string][]byte) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q, %v", msg.Header.Get("Content-Type"), err)
	}
	var text string
	files := map[string][]byte{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable itself
		if err == io.EOF {
			return text, files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if name := p.FileName(); name != "" {
			dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(body), "\r\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = dec
			continue
		}
		text = strings.TrimSpace(string(body))
	}
}
