package chat_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

func TestFirstMessageCreatesSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seq := f.latest()
		r := f.send("v1", "Hello, I need help")
		s := r.Session
		if !r.Created || s.State != chat.Waiting || s.Priority != chat.Medium || s.MessageCount != 1 || s.OperatorID != "" {
			t.Fatalf("receipt %+v, session %+v", r, s)
		}
		if s.Name != "Ann v1 — Support" || s.Channel != chat.ChannelWidget || s.Customer.Phone != "+79991234567" {
			t.Fatalf("session %+v", s)
		}
		evs := f.events(seq)
		if got := types(evs); !slices.Equal(got, []string{chat.EventSessionCreated, chat.EventMessageReceived}) {
			t.Fatalf("events %v", got)
		}
		if evs[0].SessionSeq != 1 || evs[1].SessionSeq != 2 || evs[1].Seq != evs[0].Seq+1 {
			t.Fatalf("seqs %+v", evs)
		}
		if lm := evs[1].Snapshot.LastMessage; lm == nil || lm.Text != "Hello, I need help" || lm.Author != chat.AuthorCustomer {
			t.Fatalf("lastMessage %+v", lm)
		}
		// A second message continues the session and fires message_received only.
		seq = f.latest()
		r2 := f.send("v1", "Are you there?")
		if r2.Created || r2.Session.ID != s.ID || r2.Session.MessageCount != 2 {
			t.Fatalf("second receipt %+v", r2)
		}
		if got := types(f.events(seq)); !slices.Equal(got, []string{chat.EventMessageReceived}) {
			t.Fatalf("events %v", got)
		}
	})
}

func TestSessionNameFromSubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "x", Subject: "  Order 42 is late ", Text: "hi"})
		f.must(err)
		if r.Session.Name != "Order 42 is late" || r.Session.Subject != "Order 42 is late" {
			t.Fatalf("session %+v", r.Session)
		}
		r, err = f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "y", Text: "hi"})
		f.must(err)
		if !strings.HasPrefix(r.Session.Name, "Customer ") || !strings.HasSuffix(r.Session.Name, " — Support") {
			t.Fatalf("name of a nameless customer's session: %q", r.Session.Name)
		}
	})
}

func TestReopenOnReturn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first := f.send("v1", "hello")
		admin := chat.UserActor(f.admin)
		_, err := f.chat.Assign(f.ctx, first.Session.ID, f.operator.ID, admin)
		f.must(err)
		_, err = f.chat.Close(f.ctx, first.Session.ID, admin)
		f.must(err)
		seq := f.latest()
		r := f.send("v1", "me again")
		s := r.Session
		if r.Created || !r.Reopened || s.ID != first.Session.ID {
			t.Fatalf("receipt %+v: want the same session reopened", r)
		}
		if s.State != chat.Waiting || s.OperatorID != "" || s.ClosedAt != nil || s.MessageCount != 2 {
			t.Fatalf("reopened session %+v", s)
		}
		if got := types(f.events(seq)); !slices.Equal(got, []string{chat.EventSessionReopened, chat.EventMessageReceived}) {
			t.Fatalf("events %v: a reopen is not a new session", got)
		}
		msgs, err := f.chat.Messages(f.ctx, f.admin, s.ID, store.Page{})
		f.must(err)
		if len(msgs.Items) != 2 || msgs.Items[0].Text != "hello" || msgs.Items[1].Text != "me again" {
			t.Fatalf("history %+v", msgs.Items)
		}
	})
}

func TestSpamRestore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.customer("buy cheap pills").Session.ID
		sup := chat.UserActor(f.supervisor)
		_, err := f.chat.Assign(f.ctx, id, f.operator2.ID, sup)
		f.must(err)
		_, err = f.chat.SetPriority(f.ctx, id, chat.High, sup)
		f.must(err)
		s, err := f.chat.MarkSpam(f.ctx, id, chat.UserActor(f.operator))
		f.must(err)
		if s.State != chat.Spam || s.OperatorID != "" || s.Priority != chat.Low {
			t.Fatalf("spam session %+v", s)
		}
		// A customer message to a spam session is stored; the session stays spam and the event
		// is written, so that automation can log why nothing started.
		seq := f.latest()
		r := f.send(f.session(id).Customer.Identity, "more pills")
		if r.Session.State != chat.Spam || r.Session.MessageCount != 2 {
			t.Fatalf("after a message to spam: %+v", r.Session)
		}
		evs := f.events(seq)
		if got := types(evs); !slices.Equal(got, []string{chat.EventMessageReceived}) || evs[0].Snapshot.Session.State != chat.Spam {
			t.Fatalf("events %v", got)
		}
		s, err = f.chat.RemoveSpam(f.ctx, id, sup)
		f.must(err)
		if s.State != chat.Assigned || s.OperatorID != f.operator2.ID || s.Priority != chat.High {
			t.Fatalf("restored session %+v, want assigned to op2 with high priority", s)
		}
	})
}

func TestMessageLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.customer("hi")
		id := r.Session.ID
		exact := strings.Repeat("я", chat.MaxText/2)
		f.send(r.Session.Customer.Identity, exact)
		seq, count := f.latest(), f.session(id).MessageCount
		tooBig := exact + "x"
		_, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: r.Session.Customer.Identity, Text: tooBig})
		wantCode(t, err, errs.TooLarge)
		if !strings.HasPrefix(err.Error(), "text:") {
			t.Fatalf("message %q does not name the field", err)
		}
		_, err = f.chat.ReceiveInSession(f.ctx, id, tooBig, "")
		wantCode(t, err, errs.TooLarge)
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: tooBig, By: chat.UserActor(f.operator)})
		wantCode(t, err, errs.TooLarge)
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "  ", By: chat.UserActor(f.operator)})
		wantCode(t, err, errs.Invalid)
		// A too large first message stores nothing: no customer, no session.
		_, err = f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "new-one", Text: tooBig})
		wantCode(t, err, errs.TooLarge)
		if n := len(f.events(seq)); n != 0 || f.session(id).MessageCount != count {
			t.Fatalf("refused messages left %d events or changed the count", n)
		}
	})
}

func TestMessagesOrderedAndPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.send("v", "m1").Session.ID
		for _, text := range []string{"m2", "m3", "m4", "m5"} {
			if text == "m3" {
				_, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: text, By: chat.UserActor(f.operator)})
				f.must(err)
				continue
			}
			f.send("v", text)
		}
		var got []string
		p := store.Page{Limit: 2}
		for {
			list, err := f.chat.Messages(f.ctx, f.admin, id, p)
			f.must(err)
			for _, m := range list.Items {
				got = append(got, m.Text)
			}
			if list.NextCursor == "" {
				break
			}
			p.Cursor = list.NextCursor
		}
		if !slices.Equal(got, []string{"m1", "m2", "m3", "m4", "m5"}) {
			t.Fatalf("messages %v", got)
		}
	})
}

func TestIdempotentInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := chat.Inbound{ChannelID: f.widget.ID, Identity: "chat-1", Text: "hello", DedupKey: "ext:m1"}
		seq := f.latest()
		first, err := f.chat.Receive(f.ctx, in)
		f.must(err)
		again, err := f.chat.Receive(f.ctx, in)
		f.must(err)
		if !again.Duplicate || again.Message.ID != first.Message.ID || again.Session.MessageCount != 1 {
			t.Fatalf("repeat %+v", again)
		}
		if n := len(f.events(seq)); n != 2 {
			t.Fatalf("%d events, want the first delivery's 2", n)
		}
		// Concurrent repeats of one delivery store it once.
		in.DedupKey = "ext:m2"
		if ids := receiveConcurrently(t, f, in, 8); !allSame(ids, func(r *chat.Receipt) string { return r.Message.ID }) {
			t.Fatal("concurrent repeats stored different messages")
		}
		if n := f.session(first.Session.ID).MessageCount; n != 2 {
			t.Fatalf("message count %d, want 2", n)
		}
	})
}

func TestConcurrentFirstMessagesShareSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rs := receiveConcurrently(t, f, chat.Inbound{ChannelID: f.widget.ID, Identity: "same", Text: "hi"}, 8)
		if !allSame(rs, func(r *chat.Receipt) string { return r.Session.ID }) {
			t.Fatal("one customer got several sessions")
		}
		evs := f.events(0)
		created := 0
		for _, e := range evs {
			if e.Type == chat.EventSessionCreated {
				created++
			}
		}
		if created != 1 || f.session(rs[0].Session.ID).MessageCount != 8 {
			t.Fatalf("%d session_created events, want 1", created)
		}
	})
}

func TestBadCustomerInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := map[string]chat.Inbound{
			"customer.phone": {Customer: chat.CustomerInfo{Phone: "call me"}},
			"customer.email": {Customer: chat.CustomerInfo{Email: "not-an-email"}},
			"subject":        {Subject: strings.Repeat("s", 501)},
			"identity":       {Identity: ""},
		}
		for field, in := range cases {
			in.ChannelID, in.Text = f.widget.ID, "hi"
			if in.Identity == "" && field != "identity" {
				in.Identity = "v"
			}
			_, err := f.chat.Receive(f.ctx, in)
			wantCode(t, err, errs.Invalid)
			if !strings.Contains(err.Error(), field) {
				t.Errorf("%s: error %q does not name the field", field, err)
			}
		}
		_, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: "chn_nope", Identity: "v", Text: "hi"})
		wantCode(t, err, errs.NotFound)
	})
}

// receiveConcurrently sends the same inbound message from n goroutines at once.
func receiveConcurrently(t *testing.T, f *fixture, in chat.Inbound, n int) []*chat.Receipt {
	t.Helper()
	var wg sync.WaitGroup
	out := make([]*chat.Receipt, n)
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.chat.Receive(f.ctx, in)
			if err != nil {
				t.Error(err)
				return
			}
			out[i] = r
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// allSame reports whether key gives one value for every receipt.
func allSame(rs []*chat.Receipt, key func(*chat.Receipt) string) bool {
	for _, r := range rs {
		if key(r) != key(rs[0]) {
			return false
		}
	}
	return true
}
