package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

// refusingRelay is an SMTP relay that refuses every message for good (550) until accept is
// set, and then takes them.
type refusingRelay struct {
	accept atomic.Bool
	mu     sync.Mutex
	got    []string
}

type refusingSession struct{ r *refusingRelay }

func (s refusingSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s refusingSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s refusingSession) Reset()                                 {}
func (s refusingSession) Logout() error                          { return nil }
func (s refusingSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !s.r.accept.Load() {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.r.mu.Lock()
	s.r.got = append(s.r.got, string(data))
	s.r.mu.Unlock()
	return nil
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

func startRefusingRelay(t *testing.T) (*refusingRelay, string) {
	t.Helper()
	r := &refusingRelay{}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return refusingSession{r}, nil }))
	srv.Domain, srv.ErrorLog = "relay.test", quietLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return r, ln.Addr().String()
}

// TestFailedDeliveryRetriedFromTheConsole answers an email session whose relay refuses the
// reply: the console says Not delivered with the relay's answer and offers Retry; once the
// relay takes mail again, Retry sends it and the line turns to Sent without a reload: the
// staff socket's deliveries_changed brings the outcome, as the page does not poll.
func TestFailedDeliveryRetriedFromTheConsole(t *testing.T) {
	relay, addr := startRefusingRelay(t)
	opts := servertest.Options{Configure: func(c *server.Config) { c.SMTPRelay = addr }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		relay.accept.Store(false)
		withDemo(t, env)
		ctx := context.Background()
		ch, err := env.Server.Chat.CreateChannel(ctx, demoLiveChatID(t, env), chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: "support@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := env.Server.Chat.Receive(ctx, chat.Inbound{ChannelID: ch.ID, Identity: "carl@example.org", Subject: "Invoice",
			Text: "Where is my invoice?", Customer: chat.CustomerInfo{Name: "Carl Mailer", Email: "carl@example.org"}, DedupKey: "email:c1@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		op := onlineOperator(startBrowser(t, env.URL), "olga")
		op.Open("/console/sessions/" + r.Session.ID)
		op.WaitText("[data-messages]", "invoice")
		op.Fill("#reply-text", "It is on its way.")
		op.Click("[data-reply] [type=submit]")
		got := op.WaitText(`[data-messages] .msg-operator [data-delivery="failed"]`, "Not delivered")
		if !strings.Contains(got, "550") || !strings.Contains(got, "mailbox unavailable") {
			t.Fatalf("the failed reply says %q, want the relay's answer", got)
		}
		op.Shot("reply-failed-with-retry")
		op.Audit("reply-failed-with-retry")

		relay.accept.Store(true)
		op.Click(`[data-messages] .msg-operator [data-action="retry-delivery"]`)
		op.WaitText(`[data-messages] .msg-operator [data-delivery="delivered"]`, "Sent")
		if op.Has(`[data-action="retry-delivery"]`) {
			t.Fatal("Retry is still offered after the reply was sent")
		}
		op.Shot("reply-sent-after-retry")
		relay.mu.Lock()
		defer relay.mu.Unlock()
		if n := len(relay.got); n != 1 || !strings.Contains(relay.got[n-1], "It is on its way.") {
			t.Fatalf("the relay took %d messages", n)
		}
		relay.got = nil
	})
}

// TestPDFByMailInTheConsole mails a PDF to the server's own SMTP listener: the operator sees
// it in the console, answers with a file of their own, and the reply reaches the relay with
// that file as a MIME part, marked Sent.
func TestPDFByMailInTheConsole(t *testing.T) {
	relay, relayAddr := startRefusingRelay(t)
	relay.accept.Store(true)
	opts := servertest.Options{Configure: func(c *server.Config) { c.SMTPRelay, c.SMTPAddr = relayAddr, "127.0.0.1:0" }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		withDemo(t, env)
		ctx := context.Background()
		if _, err := env.Server.Chat.CreateChannel(ctx, demoLiveChatID(t, env), chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: "support@example.com"}); err != nil {
			t.Fatal(err)
		}
		pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"))
		msg := "From: Dana Mail <dana@example.org>\r\nTo: support@example.com\r\nSubject: My invoice\r\nMessage-ID: <d1@example.org>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"The invoice is attached.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=invoice.pdf\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + pdf + "\r\n--b--\r\n"
		if err := smtp.SendMail(env.Server.SMTP.Addr().String(), nil, "dana@example.org", []string{"support@example.com"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		op := onlineOperator(startBrowser(t, env.URL), "olga")
		op.Open(sessionPathOf(t, env, "Dana Mail"))
		op.WaitText("[data-messages] .msg-customer .attachment-link", "invoice.pdf")
		op.Shot("pdf-by-mail")
		op.Upload("#reply-file", writeFile(t, "credit-note.pdf", []byte("%PDF-1.4\n2 0 obj << >> endobj\n%%EOF\n")))
		op.WaitText("[data-files]", "credit-note.pdf")
		op.Fill("#reply-text", "Here is the credit note.")
		op.Click("[data-reply] [type=submit]")
		op.WaitText(`[data-messages] .msg-operator [data-delivery="delivered"]`, "Sent")
		op.Shot("file-reply-mailed")
		relay.mu.Lock()
		defer relay.mu.Unlock()
		if n := len(relay.got); n != 1 || !strings.Contains(relay.got[0], "filename=credit-note.pdf") || !strings.Contains(relay.got[0], "In-Reply-To: <d1@example.org>") {
			t.Fatalf("the relay took %d messages: %q", n, relay.got)
		}
		relay.got = nil
	})
}
