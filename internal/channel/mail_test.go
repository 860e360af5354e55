package channel_test

import (
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// mailbox is the address of the fixture's email channel, written as an administrator might.
const mailbox = "Support@Example.COM"

// emailChannel adds an email channel to the fixture's live chat.
func (f *fixture) emailChannel() *chat.Channel {
	f.t.Helper()
	ch, err := f.chat.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: mailbox})
	f.must(err)
	return ch
}

// listenSMTP starts the SMTP listener on a free port of 127.0.0.1 and returns its address.
func listenSMTP(t *testing.T, svc *channel.Service, cfg channel.SMTPConfig) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := svc.NewSMTPServer(cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// mailFrom builds a message the way mail clients do: CRLF lines, headers, then the body.
func mailFrom(from, messageID, subject, body string, headers ...string) []byte {
	h := []string{"From: " + from, "To: support@example.com", "Subject: " + subject, "Message-ID: " + messageID, "Date: Mon, 2 Jun 2025 10:00:00 +0000"}
	return []byte(strings.Join(append(h, headers...), "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// smtpCode is the reply code of an SMTP error, or 0.
func smtpCode(err error) int {
	var e *textproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// emailSession returns the one session of the channel, with its messages.
func (f *fixture) emailSession(channelID string) (*chat.Session, []*chat.Message) {
	f.t.Helper()
	var s *chat.Session
	f.must(f.db.Read(f.ctx, func(tx *store.Tx) error {
		var id string
		if err := tx.QueryRow(f.ctx, "SELECT id FROM sessions WHERE channel_id = ?", channelID).Scan(&id); err != nil {
			return err
		}
		var err error
		s, err = f.chat.SessionTx(f.ctx, tx, id)
		return err
	}))
	list, err := f.chat.VisitorMessages(f.ctx, s.ID, store.Page{})
	f.must(err)
	return s, list.Items
}

const alternative = `--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello, my order 42 has not arrived. Gr=C3=BC=C3=9Fe, Ann
--b1
Content-Type: text/html; charset=utf-8

<p>Hello, my order <b>42</b> has not arrived.</p>
--b1--
`

func TestMailInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		addr := listenSMTP(t, svc, channel.SMTPConfig{})
		first := mailFrom(`"Ann Smith" <Ann@Example.org>`, "<m1@example.org>", "=?utf-8?q?Order_42_is_l=C3=A4te?=", alternative,
			"MIME-Version: 1.0", `Content-Type: multipart/alternative; boundary="b1"`)
		f.must(smtp.SendMail(addr, nil, "Ann@Example.org", []string{"support@example.com"}, first))
		s, msgs := f.emailSession(ch.ID)
		if s.LiveChatID != f.lc.ID || s.Name != "Order 42 is läte" || s.Subject != s.Name || s.Customer.Email != "ann@example.org" ||
			s.Customer.Name != "Ann Smith" || s.Customer.Identity != "ann@example.org" || s.State != chat.Waiting {
			t.Fatalf("session %+v", s)
		}
		if len(msgs) != 1 || msgs[0].Text != "Hello, my order 42 has not arrived. Grüße, Ann" {
			t.Fatalf("messages %+v", msgs)
		}
		// The same address, written otherwise, goes to the same session; so does a repeat of
		// a Message-ID, which is stored once.
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{"SUPPORT@example.com"},
			mailFrom("ann@EXAMPLE.org", "<m2@example.org>", "Re: Order 42", "Any news?")))
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{mailbox}, first))
		if s2, msgs := f.emailSession(ch.ID); s2.ID != s.ID || len(msgs) != 2 || msgs[1].Text != "Any news?" {
			t.Fatalf("session %+v with %d messages, want %s with 2", s2, len(msgs), s.ID)
		}
		// After closing, a new mail reopens the session.
		_, err := f.chat.Close(f.ctx, s.ID, chat.UserActor(f.operator))
		f.must(err)
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{mailbox},
			mailFrom("Ann <ann@example.org>", "<m3@example.org>", "Order 42", "Still nothing.")))
		if s3, msgs := f.emailSession(ch.ID); s3.ID != s.ID || s3.State != chat.Waiting || len(msgs) != 3 {
			t.Fatalf("after closing: session %+v with %d messages", s3, len(msgs))
		}
	})
}

func TestMailRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		f.emailChannel()
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		addr := listenSMTP(t, svc, channel.SMTPConfig{MaxSize: 4096})
		msg := mailFrom("bob@example.org", "<x1@example.org>", "Hi", "hello")
		err := smtp.SendMail(addr, nil, "bob@example.org", []string{"sales@example.com"}, msg)
		if smtpCode(err) != 550 {
			t.Fatalf("an unknown recipient: %v, want 550", err)
		}
		big := mailFrom("bob@example.org", "<x2@example.org>", "Hi", strings.Repeat("long line of text\n", 400))
		err = smtp.SendMail(addr, nil, "bob@example.org", []string{mailbox}, big)
		if smtpCode(err) != 552 {
			t.Fatalf("an oversize message: %v, want 552", err)
		}
		// A message under the bound still goes through on the same listener.
		f.must(smtp.SendMail(addr, nil, "bob@example.org", []string{mailbox}, msg))
		if n := f.countSessions(); n != 1 {
			t.Fatalf("%d sessions, want 1", n)
		}
	})
}

// TestMailSizeDeclared refuses a message whose MAIL FROM declares a size over the bound,
// before it is sent.
func TestMailSizeDeclared(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), "")
	svc := channel.New(f.db, f.chat, channel.WebhookConfig{}, nil)
	conn, err := textproto.Dial("tcp", listenSMTP(t, svc, channel.SMTPConfig{MaxSize: 4096}))
	f.must(err)
	defer conn.Close()
	steps := []struct {
		cmd  string
		code int
	}{{"", 220}, {"EHLO test", 250}, {"MAIL FROM:<bob@example.org> SIZE=5000", 552}, {"MAIL FROM:<bob@example.org> SIZE=100", 250}, {"QUIT", 221}}
	for _, s := range steps {
		if s.cmd != "" {
			f.must(conn.PrintfLine("%s", s.cmd))
		}
		if _, _, err := conn.ReadResponse(s.code); err != nil {
			t.Fatalf("%q: %v", s.cmd, err)
		}
	}
}

func (f *fixture) countSessions() int {
	f.t.Helper()
	var n int
	f.must(f.db.Read(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, "SELECT COUNT(*) FROM sessions").Scan(&n)
	}))
	return n
}

// TestMailTooManyConnections turns a connection beyond MaxConns away with 421, and serves
// again once one closes.
func TestMailTooManyConnections(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), "")
	svc := channel.New(f.db, f.chat, channel.WebhookConfig{}, nil)
	addr := listenSMTP(t, svc, channel.SMTPConfig{MaxConns: 1})
	first, err := textproto.Dial("tcp", addr)
	f.must(err)
	if _, _, err := first.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	second, err := textproto.Dial("tcp", addr)
	f.must(err)
	defer second.Close()
	if _, _, err := second.ReadResponse(220); smtpCode(err) != 421 {
		t.Fatalf("a connection beyond the bound: %v, want 421", err)
	}
	f.must(first.PrintfLine("QUIT"))
	if _, _, err := first.ReadResponse(221); err != nil {
		t.Fatal(err)
	}
	first.Close()
	// The place is given back when the first connection ends; the next is served.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := textproto.Dial("tcp", addr)
		f.must(err)
		_, _, err = c.ReadResponse(220)
		c.Close()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection is served after the first closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
