package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

func TestLiveChatCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ops, sups := f.lc.OperatorGroups, f.lc.SupervisorGroups
		if len(f.lc.Channels) != 1 || f.lc.Channels[0].Type != chat.ChannelWidget {
			t.Fatalf("a new live chat's channels: %+v, want one widget", f.lc.Channels)
		}
		bad := []struct {
			in    chat.NewLiveChat
			field string
			code  errs.Code
		}{
			{chat.NewLiveChat{OperatorGroups: ops, SupervisorGroups: sups}, "name", errs.Invalid},
			{chat.NewLiveChat{Name: "X", SupervisorGroups: sups}, "operator_groups", errs.Invalid},
			{chat.NewLiveChat{Name: "X", OperatorGroups: ops}, "supervisor_groups", errs.Invalid},
			{chat.NewLiveChat{Name: "X", OperatorGroups: []string{"grp_nope"}, SupervisorGroups: sups}, "operator_groups", errs.Invalid},
			{chat.NewLiveChat{Name: "Support", OperatorGroups: ops, SupervisorGroups: sups}, "name", errs.Conflict},
		}
		for _, b := range bad {
			_, err := f.chat.CreateLiveChat(f.ctx, b.in)
			wantCode(t, err, b.code)
			if !strings.Contains(err.Error(), b.field) {
				t.Errorf("error %q does not name %s", err, b.field)
			}
		}
		name, desc := "Support desk", "First line"
		lc, err := f.chat.UpdateLiveChat(f.ctx, f.lc.ID, chat.LiveChatPatch{Name: &name, Description: &desc})
		f.must(err)
		if lc.Name != name || lc.Description != desc || len(lc.OperatorGroups) != 1 {
			t.Fatalf("updated %+v", lc)
		}
		taken := "Sales"
		_, err = f.chat.UpdateLiveChat(f.ctx, f.lc.ID, chat.LiveChatPatch{Name: &taken})
		wantCode(t, err, errs.Conflict)
		// A live chat with sessions is kept; an unused one goes.
		f.customer("hi")
		wantCode(t, f.chat.DeleteLiveChat(f.ctx, f.lc.ID), errs.Conflict)
		other, err := f.chat.CreateLiveChat(f.ctx, chat.NewLiveChat{Name: "Empty", OperatorGroups: ops, SupervisorGroups: sups})
		f.must(err)
		f.must(f.chat.DeleteLiveChat(f.ctx, other.ID))
		_, err = f.chat.LiveChat(f.ctx, f.admin, other.ID)
		wantCode(t, err, errs.NotFound)
	})
}

func TestLiveChatVisibilityAndIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		list, err := f.chat.LiveChats(f.ctx, f.operator, store.Page{})
		f.must(err)
		if len(list.Items) != 1 || list.Items[0].ID != f.lc.ID {
			t.Fatalf("an operator's live chats: %+v", list.Items)
		}
		all, err := f.chat.LiveChats(f.ctx, f.admin, store.Page{})
		f.must(err)
		if len(all.Items) != 2 {
			t.Fatalf("the administrator's live chats: %d, want 2", len(all.Items))
		}
		_, err = f.chat.LiveChat(f.ctx, f.stranger, f.lc.ID)
		wantCode(t, err, errs.Forbidden)
		in := chat.NewLiveChat{Name: "Once", OperatorGroups: f.lc.OperatorGroups, SupervisorGroups: f.lc.SupervisorGroups,
			By: f.admin.ID, Idempotency: store.NewIdempotency("k1", f.admin.ID, "Once")}
		first, err := f.chat.CreateLiveChat(f.ctx, in)
		f.must(err)
		again, err := f.chat.CreateLiveChat(f.ctx, in)
		f.must(err)
		if again.ID != first.ID {
			t.Fatalf("a repeat with the same key made %s, want %s", again.ID, first.ID)
		}
		in.Name, in.Idempotency = "Twice", store.NewIdempotency("k1", f.admin.ID, "Twice")
		_, err = f.chat.CreateLiveChat(f.ctx, in)
		wantCode(t, err, errs.Invalid)
	})
}

func TestChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		h, err := f.chat.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelHTTP, Name: "Telegram bridge", WebhookURL: "https://example.com/hook"})
		f.must(err)
		if !strings.HasPrefix(h.APIKey, "pk_") {
			t.Fatalf("an http channel's creation must show its API key once: %+v", h)
		}
		p, err := f.auth.Authenticate(f.ctx, h.APIKey)
		f.must(err)
		if p.APIKeyOwner != chat.ChannelKeyOwner(h.ID) {
			t.Fatalf("key owner %q", p.APIKeyOwner)
		}
		e, err := f.chat.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: "Help@Example.COM"})
		f.must(err)
		if e.Address != "Help@example.com" {
			t.Fatalf("address %q, want the domain lower-cased", e.Address)
		}
		bad := map[string]chat.NewChannel{
			"type":        {Type: "fax", Name: "x"},
			"address":     {Type: chat.ChannelEmail, Name: "x"},
			"webhook_url": {Type: chat.ChannelHTTP, Name: "x", WebhookURL: "ftp://x"},
			"name":        {Type: chat.ChannelWidget},
		}
		for field, in := range bad {
			_, err := f.chat.CreateChannel(f.ctx, f.lc.ID, in)
			wantCode(t, err, errs.Invalid)
			if !strings.Contains(err.Error(), field) {
				t.Errorf("error %q does not name %s", err, field)
			}
		}
		url := "https://example.com/other"
		h2, err := f.chat.UpdateChannel(f.ctx, f.lc.ID, h.ID, chat.ChannelPatch{WebhookURL: &url})
		f.must(err)
		if h2.WebhookURL != url || h2.APIKey != "" {
			t.Fatalf("updated %+v", h2)
		}
		r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: h.ID, Identity: "before", Text: "hi"})
		f.must(err)
		f.must(f.chat.DeleteChannel(f.ctx, f.lc.ID, h.ID))
		if _, err := f.auth.Authenticate(f.ctx, h.APIKey); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a deleted channel's key still works: %v", err)
		}
		_, err = f.chat.Receive(f.ctx, chat.Inbound{ChannelID: h.ID, Identity: "x", Text: "hi"})
		wantCode(t, err, errs.NotFound)
		_, err = f.chat.ReceiveInSession(f.ctx, r.Session.ID, "still there?", "")
		wantCode(t, err, errs.NotFound)
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.Session.ID, Text: "hello", By: chat.UserActor(f.operator)})
		wantCode(t, err, errs.Conflict)
		if s := f.session(r.Session.ID); s.MessageCount != 1 {
			t.Fatalf("a retired channel's session is readable with its history: %+v", s)
		}
		list, err := f.chat.Channels(f.ctx, f.lc.ID)
		f.must(err)
		if len(list.Items) != 2 {
			t.Fatalf("channels after deleting one: %+v", list.Items)
		}
	})
}

// TestSnapshotProperties reads every Live Chats property of DOMAIN.md from a snapshot.
func TestSnapshotProperties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.send("v", "call me back")
		_, err := f.chat.Assign(f.ctx, r.Session.ID, f.operator.ID, chat.UserActor(f.admin))
		f.must(err)
		var snap chat.Snapshot
		f.must(db.Read(f.ctx, func(tx *store.Tx) (err error) {
			snap, err = f.chat.SnapshotTx(f.ctx, tx, r.Session.ID)
			return err
		}))
		want := map[string]any{
			"liveChat.id": f.lc.ID, "liveChat.name": "Support", "session": r.Session.ID, "session.id": r.Session.ID,
			"session.name": "Ann v — Support", "session.subject": "", "session.channel": "widget", "session.priority": "medium",
			"session.createdAt": r.Session.CreatedAt, "session.closedAt": nil, "session.operator": f.operator.ID,
			"session.messageCount": int64(1), "customer.name": "Ann v", "customer.phone": "+79991234567",
			"customer.email": "ann@example.com", "lastMessage.text": "call me back", "lastMessage.sentAt": r.Message.SentAt,
			"liveChat.workingNow": true,
		}
		for path, w := range want {
			got, ok := snap.Property(path)
			if tm, isTime := w.(time.Time); isTime {
				if gt, _ := got.(time.Time); !ok || !gt.Equal(tm) {
					t.Errorf("%s = %v, want %v", path, got, w)
				}
				continue
			}
			if !ok || got != w {
				t.Errorf("%s = %#v, want %#v", path, got, w)
			}
		}
		if _, ok := snap.Property("session.nothing"); ok {
			t.Error("an unknown property was found")
		}
	})
}
