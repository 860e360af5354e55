package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/channel/telegramtest"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

const webBotToken = "700300400:AAE-browser-test-token"

// TestAdministratorAddsTelegramBot adds a Telegram bot on the live chat's Channels tab (a
// wrong token is refused next to its field), then a customer writes to the bot and the
// operator reads and answers them in the console; the answer reaches the customer's chat.
func TestAdministratorAddsTelegramBot(t *testing.T) {
	bot := telegramtest.New(t, webBotToken)
	env := servertest.Start(t, "sqlite", servertest.Options{Configure: func(c *server.Config) {
		c.TelegramAPIURL = bot.URL
		c.Webhooks = channel.WebhookConfig{Poll: 50 * time.Millisecond, Telegram: channel.TelegramConfig{PollTimeout: time.Second, Every: 50 * time.Millisecond}}
	}})
	group := env.Group("Support operators")
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Shop", "operator_groups": []string{group}, "supervisor_groups": []string{group}}, 201, &lc)
	env.User("olga", group)
	b := startBrowser(t, env.URL)

	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/livechats/" + lc.ID + "#channels")
	admin.WaitText("[data-channels] tbody", "Website widget")
	admin.ClickText("button", "+ Channel")
	admin.Choose("dialog select[name=type]", "Telegram bot")
	admin.Fill("dialog [name=name]", "Shop bot")
	admin.Fill("dialog [name=bot_token]", "700300400:AAwrong")
	admin.ClickText("dialog button", "Create channel")
	admin.WaitText("dialog", "efused by Telegram (401 Unauthorized)")
	admin.Shot("telegram-token-refused")
	admin.Fill("dialog [name=bot_token]", webBotToken)
	admin.ClickText("dialog button", "Create channel")
	admin.WaitGone("dialog")
	row := admin.WaitText(`[data-channels] tr[data-channel="Shop bot"]`, "@parley_test_bot")
	if !strings.Contains(row, "Telegram bot") || !strings.Contains(row, "700300400:…oken") || strings.Contains(row, "AAE-browser") {
		t.Fatalf("the channel's row reads %q", row)
	}
	admin.Shot("telegram-channel")

	op := b.Tab("operator")
	op.Login("olga", "olga-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	ann := telegramtest.User{ID: 777001, FirstName: "Ann", LastName: "Lee", Username: "annlee"}
	bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "Is the brass lamp in stock?"}))
	op.WaitText("[data-sessions] tbody", "Ann Lee (@annlee)")
	op.ClickText("[data-sessions] a", "Ann Lee (@annlee)")
	op.WaitText("[data-messages]", "Is the brass lamp in stock?")
	op.Click(`[data-action="take"]`)
	op.WaitText(sessionState, "Assigned")
	op.Fill("#reply-text", "Yes, two are left.")
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator", "Yes, two are left.")
	op.WaitText(`[data-messages] [data-delivery="delivered"]`, "Sent")
	op.Shot("telegram-conversation")
	for deadline := time.Now().Add(15 * time.Second); len(bot.Sent()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the operator's reply did not reach the Telegram chat")
		}
	}
	if s := bot.Sent()[0]; s.ChatID != ann.ID || s.Text != "Yes, two are left." {
		t.Fatalf("sent %+v", s)
	}
}
