package channel_test

import (
	"bufio"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// relay is a fake SMTP relay: it answers the end of the first fails messages with 451, then
// accepts and records them.
type relay struct {
	mu       sync.Mutex
	fails    int
	attempts int
	got      []relayed
}

type relayed struct{ from, to, data string }

// startRelay listens on a free port of 127.0.0.1 until the test ends.
func startRelay(t *testing.T, fails int) (*relay, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &relay{fails: fails}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(conn)
		}
	}()
	return r, ln.Addr().String()
}

func (r *relay) serve(conn net.Conn) {
	defer conn.Close()
	tc := textproto.NewConn(conn)
	_ = tc.PrintfLine("220 relay ready")
	var env relayed
	for {
		line, err := tc.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "MAIL":
			env.from = strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")
		case "RCPT":
			env.to = strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
		case "DATA":
			_ = tc.PrintfLine("354 go on")
			data, err := tc.ReadDotBytes()
			if err != nil {
				return
			}
			env.data = string(data)
			_ = tc.PrintfLine("%s", r.take(env))
			continue
		case "QUIT":
			_ = tc.PrintfLine("221 bye")
			return
		}
		_ = tc.PrintfLine("250 ok")
	}
}

// take records a message and returns the answer to its end of data.
func (r *relay) take(m relayed) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.fails > 0 {
		r.fails--
		return "451 4.3.0 try again later"
	}
	r.got = append(r.got, m)
	return "250 2.0.0 queued"
}

func TestMailReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rl, relayAddr := startRelay(t, 1)
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		svc, _ := f.service(channel.WebhookConfig{SMTPRelay: relayAddr})
		addr := listenSMTP(t, svc, channel.SMTPConfig{})
		f.must(smtp.SendMail(addr, nil, "ann@example.org", []string{mailbox},
			mailFrom(`"Ann Smith" <ann@example.org>`, "<m1@example.org>", "Order 42", "Where is it?")))
		s, _ := f.emailSession(ch.ID)
		text := "We are on it, Ann.\n" + strings.Repeat("A line long enough to be wrapped by quoted-printable. ", 3) + "Grüße, Olga"
		m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: s.ID, Text: text, By: chat.UserActor(f.operator)})
		f.must(err)
		d := f.waitDeliveryOn(svc, ch.ID, m.ID)
		if d.State != channel.Delivered || d.Attempts != 2 {
			t.Fatalf("delivery %+v, want delivered on the second attempt", d)
		}
		rl.mu.Lock()
		got := rl.got
		rl.mu.Unlock()
		if len(got) != 1 || got[0].from != ch.Address || got[0].to != "ann@example.org" {
			t.Fatalf("relay got %+v", got)
		}
		checkReply(t, got[0].data, ch.Address, m.ID, text)
		if strings.Contains(got[0].data, "Auto-Submitted") {
			t.Fatal("an operator's reply is marked as automated")
		}

		// A process's reply says it is automated, so that autoresponders leave it alone.
		var pm *chat.Message
		f.must(db.Tx(f.ctx, func(tx *store.Tx) (err error) {
			pm, err = f.chat.PostProcessMessage(f.ctx, tx, s.ID, "Thank you, we will call you back.")
			return err
		}))
		if d := f.waitDeliveryOn(svc, ch.ID, pm.ID); d.State != channel.Delivered {
			t.Fatalf("the process's reply: delivery %+v", d)
		}
		rl.mu.Lock()
		got = rl.got
		rl.mu.Unlock()
		msg, err := mail.ReadMessage(strings.NewReader(got[len(got)-1].data))
		f.must(err)
		if h := msg.Header.Get("Auto-Submitted"); h != "auto-generated" {
			t.Fatalf("the process's reply has Auto-Submitted %q, want auto-generated", h)
		}
	})
}

// checkReply parses a mailed reply and checks its headers and text.
func checkReply(t *testing.T, data, from, messageID, text string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	fromAddr, err1 := mail.ParseAddress(h.Get("From"))
	toAddr, err2 := mail.ParseAddress(h.Get("To"))
	if err1 != nil || err2 != nil || fromAddr.Address != from || fromAddr.Name != "Olga" || toAddr.Address != "ann@example.org" || toAddr.Name != "Ann Smith" {
		t.Fatalf("From %q, To %q", h.Get("From"), h.Get("To"))
	}
	if h.Get("Subject") != "Re: Order 42" || h.Get("In-Reply-To") != "<m1@example.org>" || h.Get("References") != "<m1@example.org>" ||
		!strings.Contains(h.Get("Message-Id"), messageID) {
		t.Fatalf("headers %v", h)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	// The message ends with a line break, as mail does.
	if got := strings.TrimSuffix(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n"); got != text {
		t.Fatalf("body %q, want %q", got, text)
	}
	for sc := bufio.NewScanner(strings.NewReader(data)); sc.Scan(); {
		if len(sc.Text()) > 78 {
			t.Fatalf("a line of %d characters", len(sc.Text()))
		}
	}
}

// TestMailWithoutRelay records an email reply as failed, with the reason, on a node that has
// no relay.
func TestMailWithoutRelay(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), "")
	ch := f.emailChannel()
	svc, _ := f.service(channel.WebhookConfig{})
	r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: ch.ID, Identity: "bob@example.org", Text: "hi"})
	f.must(err)
	m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.Session.ID, Text: "hello", By: chat.UserActor(f.operator)})
	f.must(err)
	d := f.waitDeliveryOn(svc, ch.ID, m.ID)
	if d.State != channel.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "--smtp-relay") {
		t.Fatalf("delivery %+v", d)
	}
	// The console reads the same outcome with the session's messages; the customer's own
	// message has none.
	f.must(svc.MessageDeliveries(f.ctx, []*chat.Message{r.Message, m}))
	if r.Message.Delivery != nil || m.Delivery == nil || m.Delivery.State != "failed" || m.Delivery.Error != d.LastError {
		t.Fatalf("message deliveries: customer %+v, reply %+v", r.Message.Delivery, m.Delivery)
	}
}
