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

func TestWidget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		start := channel.WidgetStart{Customer: chat.CustomerInfo{Name: "Ann"}, Subject: "Delivery", Text: "Where is my parcel?"}
		ws, err := svc.StartWidget(f.ctx, f.lc.ID, channel.Visitor{}, start)
		f.must(err)
		if !strings.HasPrefix(ws.VisitorToken, "pv_") {
			t.Fatalf("token %q", ws.VisitorToken)
		}
		p, err := svc.AuthenticateVisitor(f.ctx, ws.VisitorToken)
		f.must(err)
		if p.Visitor != ws.SessionID {
			t.Fatalf("principal %+v, want the session %s", p, ws.SessionID)
		}
		_, err = svc.WidgetSend(f.ctx, p, ws.SessionID, "Hello?", "")
		f.must(err)
		// A customer sees only their own session.
		other, err := svc.StartWidget(f.ctx, f.lc.ID, channel.Visitor{}, channel.WidgetStart{Text: "I am someone else"})
		f.must(err)
		if other.SessionID == ws.SessionID {
			t.Fatal("a new visitor joined another's session")
		}
		_, err = svc.WidgetMessages(f.ctx, p, other.SessionID, store.Page{})
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("reading another session: %v, want forbidden", err)
		}
		list, err := svc.WidgetMessages(f.ctx, p, ws.SessionID, store.Page{})
		f.must(err)
		if len(list.Items) != 2 || list.Items[1].Text != "Hello?" {
			t.Fatalf("messages %+v", list.Items)
		}
		// A returning visitor continues their session and keeps their token.
		_, err = f.chat.Close(f.ctx, ws.SessionID, chat.UserActor(f.operator))
		f.must(err)
		back, err := svc.StartWidget(f.ctx, f.lc.ID, channel.Visitor{Token: ws.VisitorToken, SessionID: ws.SessionID}, channel.WidgetStart{Text: "Me again"})
		f.must(err)
		if back.SessionID != ws.SessionID || back.VisitorToken != ws.VisitorToken {
			t.Fatalf("returning visitor got %+v", back)
		}
		_, err = svc.AuthenticateVisitor(f.ctx, "pv_nonsense")
		if !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a bad token: %v", err)
		}
		_, err = svc.StartWidget(f.ctx, "lch_nope", channel.Visitor{}, start)
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown live chat: %v", err)
		}
	})
}

func TestWidgetIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		v := channel.Visitor{IdempotencyKey: "k-1"}
		first, err := svc.StartWidget(f.ctx, f.lc.ID, v, channel.WidgetStart{Text: "hi"})
		f.must(err)
		again, err := svc.StartWidget(f.ctx, f.lc.ID, v, channel.WidgetStart{Text: "hi"})
		f.must(err)
		if again.SessionID != first.SessionID || again.MessageID != first.MessageID {
			t.Fatalf("repeat %+v, first %+v", again, first)
		}
		p, err := svc.AuthenticateVisitor(f.ctx, again.VisitorToken)
		f.must(err)
		if p.Visitor != first.SessionID {
			t.Fatalf("the repeat's token grants %s", p.Visitor)
		}
	})
}
