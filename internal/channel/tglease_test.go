package channel

import (
	"context"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/channel/telegramtest"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestTelegramPollLease has two nodes want to poll one bot: only one holds the lease, it
// keeps it by renewing, and the other takes over once it is let go. A deleted channel is
// polled by no one.
func TestTelegramPollLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bot := telegramtest.New(t, "42:AAlease-test-token-xyz")
		c := chat.New(db, nil)
		cfg := WebhookConfig{Telegram: TelegramConfig{APIURL: bot.URL}}
		one, two := New(db, c, cfg, nil), New(db, c, cfg, nil)
		lc, err := c.CreateLiveChat(ctx, chat.NewLiveChat{Name: "L", OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := one.CreateChannel(ctx, lc.ID, chat.NewChannel{Type: chat.ChannelTelegram, Name: "T", BotToken: bot.Token})
		if err != nil {
			t.Fatal(err)
		}
		lease := func(s *Service, owner string) bool {
			t.Helper()
			b, ok, err := s.leaseBot(ctx, ch.ID, owner)
			if err != nil || (ok && b.token != bot.Token) {
				t.Fatalf("lease: %+v %v", b, err)
			}
			return ok
		}
		if !lease(one, "node-1") || lease(two, "node-2") || !lease(one, "node-1") || lease(two, "node-2") {
			t.Fatal("the lease is not held by exactly the first node")
		}
		one.updateBot(ctx, "UPDATE telegram_bots SET poll_until = 0 WHERE channel_id = ? AND poll_owner = ?", ch.ID, "node-1")
		if !lease(two, "node-2") || lease(one, "node-1") {
			t.Fatal("the second node did not take over a lease let go")
		}
		one.updateBot(ctx, "UPDATE telegram_bots SET poll_until = 0 WHERE channel_id = ?", ch.ID)
		if err := c.DeleteChannel(ctx, lc.ID, ch.ID); err != nil {
			t.Fatal(err)
		}
		if lease(one, "node-1") || lease(two, "node-2") {
			t.Fatal("a deleted channel's bot was leased")
		}
	})
}
