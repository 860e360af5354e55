package channel_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestRetryDelivery fails an email reply on a node without a relay, then retries it once the
// relay is there: it is sent with fresh attempts and the same Message-ID. Only a failed
// delivery may be retried.
func TestRetryDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		svc, stop := f.service(channel.WebhookConfig{})
		r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: ch.ID, Identity: "bob@example.org", Text: "hi"})
		f.must(err)
		m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.Session.ID, Text: "hello", By: chat.UserActor(f.operator)})
		f.must(err)
		if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Failed {
			t.Fatalf("without a relay: %+v", d)
		}
		stop()

		rl, relayAddr := startRelay(t, 0)
		svc, _ = f.service(channel.WebhookConfig{SMTPRelay: relayAddr})
		d, err := svc.RetryDelivery(f.ctx, f.operator, r.Session.ID, m.ID)
		if err != nil || d.State != "pending" {
			t.Fatalf("retry: %+v, %v", d, err)
		}
		if got := f.waitDeliveryOn(svc, ch.ID, m.ID); got.State != channel.Delivered || got.Attempts != 1 || got.LastError != "" {
			t.Fatalf("after the retry: %+v", got)
		}
		rl.mu.Lock()
		if len(rl.got) != 1 || !strings.Contains(rl.got[0].data, m.ID) {
			t.Fatalf("the relay got %+v", rl.got)
		}
		rl.mu.Unlock()

		for _, c := range []struct {
			session, message string
			code             errs.Code
		}{
			{r.Session.ID, m.ID, errs.Conflict},          // delivered already
			{r.Session.ID, r.Message.ID, errs.Conflict},  // the customer's own message
			{r.Session.ID, "msg_unknown", errs.NotFound}, // no such message
			{"ses_unknown", m.ID, errs.NotFound},         // no such session
		} {
			if _, err := svc.RetryDelivery(f.ctx, f.operator, c.session, c.message); !errs.Is(err, c.code) {
				t.Fatalf("retrying %s in %s: %v, want %s", c.message, c.session, err, c.code)
			}
		}
	})
}
