package channel_test

import (
	"net/mail"
	"net/smtp"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestMailThreading follows one conversation as mail clients see it: each reply has its own
// Message-ID and names the thread, and an answer to one of our replies — from another address,
// after the session was closed — continues and reopens the session instead of starting one.
func TestMailThreading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rl, relayAddr := startRelay(t, 0)
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		svc, _ := f.service(channel.WebhookConfig{SMTPRelay: relayAddr})
		addr := listenSMTP(t, svc, channel.SMTPConfig{})
		send := func(from, raw string) {
			t.Helper()
			f.must(smtp.SendMail(addr, nil, from, []string{mailbox}, []byte(raw)))
		}
		reply := func(sessionID, text string) mail.Header {
			t.Helper()
			m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sessionID, Text: text, By: chat.UserActor(f.operator)})
			f.must(err)
			if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Delivered {
				t.Fatalf("delivery %+v", d)
			}
			rl.mu.Lock()
			defer rl.mu.Unlock()
			msg, err := mail.ReadMessage(strings.NewReader(rl.got[len(rl.got)-1].data))
			f.must(err)
			return msg.Header
		}
		refs := func(h mail.Header) string { return strings.Join(strings.Fields(h.Get("References")), " ") }

		send("ann@example.org", string(mailFrom("Ann <ann@example.org>", "<m1@example.org>", "Order 42", "Where is it?")))
		s, _ := f.emailSession(ch.ID)
		r1 := reply(s.ID, "On its way.")
		id1 := r1.Get("Message-Id")
		if id1 == "" || r1.Get("In-Reply-To") != "<m1@example.org>" || refs(r1) != "<m1@example.org>" {
			t.Fatalf("first reply: %v", r1)
		}
		send("ann@example.org", string(mailFrom("Ann <ann@example.org>", "<m2@example.org>", "Re: Order 42", "Thanks!",
			"In-Reply-To: "+id1, "References: <m1@example.org> "+id1)))
		r2 := reply(s.ID, "You are welcome.")
		id2 := r2.Get("Message-Id")
		if id2 == "" || id2 == id1 || r2.Get("In-Reply-To") != "<m2@example.org>" || refs(r2) != "<m1@example.org> "+id1+" <m2@example.org>" {
			t.Fatalf("second reply: %v", r2)
		}

		// Ann's colleague answers our last reply after the session was closed.
		_, err := f.chat.Close(f.ctx, s.ID, chat.UserActor(f.operator))
		f.must(err)
		send("bob@example.org", string(mailFrom("Bob <bob@example.org>", "<b1@example.org>", "Re: Order 42", "It arrived broken.",
			"In-Reply-To: "+id2, "References: <m1@example.org>\r\n "+id1+"\r\n <m2@example.org> "+id2)))
		s2, msgs := f.emailSession(ch.ID)
		if n := f.countSessions(); n != 1 || s2.ID != s.ID || s2.State != chat.Waiting || msgs[len(msgs)-1].Text != "It arrived broken." {
			t.Fatalf("%d sessions; session %+v, last message %+v", n, s2, msgs[len(msgs)-1])
		}
		// A mail of Bob's that answers nothing of ours starts his own session.
		send("bob@example.org", string(mailFrom("Bob <bob@example.org>", "<b2@example.org>", "Another question", "Hello?",
			"References: <unknown@example.net>")))
		if n := f.countSessions(); n != 2 {
			t.Fatalf("%d sessions, want Bob's own beside Ann's", n)
		}
	})
}
