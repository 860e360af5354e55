package channel_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/channel/telegramtest"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

const botToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

var ann = telegramtest.User{ID: 5550001, FirstName: "Ann", LastName: "Lee", Username: "annlee"}

// telegramConfig points the service at the fake Bot API, with short polls.
func telegramConfig(bot *telegramtest.Server, publicURL string) channel.WebhookConfig {
	return channel.WebhookConfig{Telegram: channel.TelegramConfig{APIURL: bot.URL, PublicURL: publicURL,
		PollTimeout: time.Second, Every: 50 * time.Millisecond}}
}

// telegramChannel adds a telegram channel for the fake's bot.
func (f *fixture) telegramChannel(svc *channel.Service, bot *telegramtest.Server) *chat.Channel {
	f.t.Helper()
	ch, err := svc.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelTelegram, Name: "Telegram", BotToken: bot.Token})
	f.must(err)
	return ch
}

// waitMessages waits until the channel's one session has n messages and returns them.
func (f *fixture) waitMessages(channelID string, n int) (*chat.Session, []*chat.Message) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if f.countSessionsOf(channelID) == 1 {
			if s, ms := f.emailSession(channelID); len(ms) >= n {
				return s, ms
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("the telegram session did not get %d messages", n)
	return nil, nil
}

func (f *fixture) countSessionsOf(channelID string) (n int) {
	f.must(f.db.Read(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, "SELECT COUNT(*) FROM sessions WHERE channel_id = ?", channelID).Scan(&n)
	}))
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTelegramChannelChecksTheToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		svc := channel.New(db, f.chat, telegramConfig(bot, ""), nil)
		before := len(f.channels())
		for _, tc := range []struct{ token, want string }{
			{"", "bot_token: is required"},
			{"not a token/../x", "bot_token: is not a bot token"},
			{"987654321:AAWrongWrongWrongWrongWrong", "bot_token: was refused by Telegram (401 Unauthorized)"},
		} {
			_, err := svc.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelTelegram, Name: "Telegram", BotToken: tc.token})
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("token %q: %v, want %q", tc.token, err, tc.want)
			}
		}
		if _, err := svc.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelHTTP, Name: "Bridge 2", BotToken: botToken}); !errs.Is(err, errs.Invalid) {
			t.Errorf("an http channel with a bot token: %v", err)
		}
		if n := len(f.channels()); n != before {
			t.Fatalf("refused channels were stored: %d channels", n)
		}
		ch := f.telegramChannel(svc, bot)
		if ch.Bot == nil || ch.Bot.Username != "parley_test_bot" || ch.Bot.Token != "123456789:…Dsaw" {
			t.Fatalf("bot %+v", ch.Bot)
		}
		list := f.channels()
		f.must(svc.DescribeChannels(f.ctx, list...))
		for _, c := range list {
			if c.Type == chat.ChannelTelegram && (c.Bot == nil || strings.Contains(c.Bot.Token, "AAHdqTcv")) {
				t.Errorf("listed bot %+v shows the token", c.Bot)
			}
		}
	})
}

// describe returns the channel's bot as administrators see it.
func (f *fixture) describe(svc *channel.Service, channelID string) *chat.Bot {
	f.t.Helper()
	list := f.channels()
	f.must(svc.DescribeChannels(f.ctx, list...))
	for _, c := range list {
		if c.ID == channelID {
			return c.Bot
		}
	}
	return nil
}

func (f *fixture) channels() []*chat.Channel {
	list, err := f.chat.Channels(f.ctx, f.lc.ID)
	f.must(err)
	return list.Items
}

// TestTelegramPolling has a customer write to the bot while Parley long-polls: private chats
// become one session named after the customer, a repeated update_id is stored once, a group
// is ignored, and a shared contact sets the customer's phone.
func TestTelegramPolling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		svc, _ := f.service(telegramConfig(bot, ""))
		ch := f.telegramChannel(svc, bot)
		hello := telegramtest.Message(ann, map[string]any{"text": "Hello, where is my order?"})
		id, _ := bot.AddUpdate(hello)
		bot.AddUpdate(telegramtest.GroupMessage(ann, "not for the shop"))
		bot.Repeat(id, hello)
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"contact": map[string]any{"phone_number": "79161234567", "first_name": "Ann", "user_id": ann.ID}}))
		f.waitMessages(ch.ID, 2)
		waitFor(t, "every update is confirmed", func() bool { return bot.Pending() == 0 })
		sess, msgs := f.emailSession(ch.ID)
		if len(msgs) != 2 || msgs[0].Text != "Hello, where is my order?" || !strings.HasPrefix(msgs[1].Text, "Shared a contact: Ann") {
			t.Fatalf("messages %+v", texts(msgs))
		}
		if sess.Customer.Name != "Ann Lee (@annlee)" || sess.Customer.Phone != "+79161234567" {
			t.Fatalf("customer %+v", sess.Customer)
		}
		if bot := f.describe(svc, ch.ID); bot == nil || bot.Mode != "polling" || bot.Error != "" {
			t.Fatalf("bot %+v", bot)
		}
	})
}

func texts(ms []*chat.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

// TestTelegramReplies sends operator replies through the delivery queue: a 429 is tried
// again after its retry_after, a 400 fails the delivery with Telegram's reason, and a long
// reply arrives as several messages.
func TestTelegramReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		svc, _ := f.service(telegramConfig(bot, ""))
		ch := f.telegramChannel(svc, bot)
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "Hi"}))
		sess, _ := f.waitMessages(ch.ID, 1)
		reply := func(text string) *chat.Message {
			m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sess.ID, Text: text, By: chat.UserActor(f.operator)})
			f.must(err)
			return m
		}

		bot.Fail("sendMessage", telegramtest.Failure{Code: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1})
		m := reply("Your order ships today.")
		d := f.waitDeliveryOn(svc, ch.ID, m.ID)
		sent := bot.Sent()
		if d.State != channel.Delivered || d.Attempts != 2 || len(sent) != 1 || sent[0].ChatID != ann.ID || sent[0].Text != "Your order ships today." {
			t.Fatalf("delivery %+v, sent %+v", d, sent)
		}

		bot.Fail("sendMessage", telegramtest.Failure{Code: 400, Description: "Bad Request: chat not found"})
		m = reply("Are you there?")
		d = f.waitDeliveryOn(svc, ch.ID, m.ID)
		if d.State != channel.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "400 Bad Request: chat not found") {
			t.Fatalf("delivery %+v", d)
		}
		msgs := []*chat.Message{m}
		f.must(svc.MessageDeliveries(f.ctx, msgs))
		if msgs[0].Delivery == nil || msgs[0].Delivery.State != "failed" || !strings.Contains(msgs[0].Delivery.Error, "chat not found") {
			t.Fatalf("the failure is not on the message: %+v", msgs[0].Delivery)
		}

		long := strings.Repeat("All good here.\n", 400) // 6000 characters
		m = reply(long)
		if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Delivered {
			t.Fatalf("delivery %+v", d)
		}
		sent = bot.Sent()[1:]
		if len(sent) != 2 || sent[0].Text+sent[1].Text != long || len(sent[0].Text) > 4096 {
			t.Fatalf("the long reply arrived as %d messages", len(sent))
		}
	})
}

// pngBytes is a small PNG picture.
func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// TestTelegramFiles has a customer send a photo (its largest size is taken), a document, a
// voice message and a file Parley does not accept, and the operator answer with a picture
// and with a document: files arrive as attachments and leave with sendPhoto and
// sendDocument.
func TestTelegramFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		svc, _ := f.service(telegramConfig(bot, ""))
		ch := f.telegramChannel(svc, bot)
		pic := pngBytes(t)
		bot.AddFile("small", "photos/file_1.jpg", []byte("too small to matter"))
		bot.AddFile("large", "photos/file_2.jpg", pic)
		bot.AddFile("doc", "documents/file_3.pdf", pdfBytes)
		bot.AddFile("voice", "voice/file_4.oga", append([]byte("OggS\x00\x02"), make([]byte, 40)...))
		bot.AddFile("exe", "documents/file_5.exe", append([]byte("MZ\x90\x00"), make([]byte, 60)...))
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"caption": "The parcel arrived like this",
			"photo": []map[string]any{{"file_id": "small", "width": 90, "height": 60}, {"file_id": "large", "width": 800, "height": 600}}}))
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"document": map[string]any{"file_id": "doc", "file_name": "invoice.pdf", "mime_type": "application/pdf"}}))
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"voice": map[string]any{"file_id": "voice", "mime_type": "audio/ogg", "duration": 2}}))
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"document": map[string]any{"file_id": "exe", "file_name": "setup.exe"}}))
		sess, msgs := f.waitMessages(ch.ID, 4)
		want := []struct{ text, name, ctype string }{
			{"The parcel arrived like this", "photo.jpg", "image/png"},
			{"", "invoice.pdf", "application/pdf"},
			{"", "voice.ogg", "audio/ogg"},
		}
		for i, w := range want {
			m := msgs[i]
			if m.Text != w.text || len(m.Attachments) != 1 || m.Attachments[0].Name != w.name || m.Attachments[0].ContentType != w.ctype {
				t.Fatalf("message %d: %q %+v, want %+v", i, m.Text, m.Attachments, w)
			}
		}
		if _, data, err := f.chat.OpenAttachment(f.ctx, msgs[0].Attachments[0].ID); err != nil || !bytes.Equal(data, pic) {
			t.Fatalf("the photo's bytes are not the largest size's: %v", err)
		}
		if m := msgs[3]; len(m.Attachments) != 0 || !strings.Contains(m.Text, "could not be taken from Telegram: files of type application/octet-stream are not accepted") {
			t.Fatalf("refused file: %q %+v", m.Text, m.Attachments)
		}

		photo, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sess.ID, Text: "Sorry! Is this the one?", By: chat.UserActor(f.operator),
			Files: []chat.NewFile{{Name: "replacement.png", Data: pic}}})
		f.must(err)
		doc, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sess.ID, By: chat.UserActor(f.operator),
			Files: []chat.NewFile{{Name: "refund.pdf", Data: pdfBytes}, {Name: "label.pdf", Data: pdfBytes}}})
		f.must(err)
		for _, m := range []*chat.Message{photo, doc} {
			if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Delivered {
				t.Fatalf("delivery %+v", d)
			}
		}
		// The two replies are sent side by side: their order is not fixed, only each one's.
		byName := map[string]telegramtest.Sent{}
		var docs []string
		for _, s := range bot.Sent() {
			byName[s.Name] = s
			if s.Method == "sendDocument" {
				docs = append(docs, s.Name)
			}
		}
		if s := byName["replacement.png"]; s.Method != "sendPhoto" || s.Text != "Sorry! Is this the one?" || !bytes.Equal(s.Data, pic) {
			t.Fatalf("photo %+v", s)
		}
		if s := byName["label.pdf"]; len(byName) != 3 || s.Type != "application/pdf" || !bytes.Equal(s.Data, pdfBytes) || strings.Join(docs, " ") != "refund.pdf label.pdf" {
			t.Fatalf("documents %v, %+v", docs, s)
		}
	})
}

// TestTelegramWebhookMode gives the installation a public URL: the bot's webhook is set there
// with a secret token, an update is read only with that token, and deleting the channel
// removes the webhook and forgets the token.
func TestTelegramWebhookMode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		svc, _ := f.service(telegramConfig(bot, "https://chat.example.com/"))
		ch := f.telegramChannel(svc, bot)
		var url, secret string
		waitFor(t, "the webhook is set", func() bool { url, secret = bot.Webhook(); return url != "" })
		if url != "https://chat.example.com/api/v1/channels/"+ch.ID+"/telegram" || len(secret) < 32 {
			t.Fatalf("webhook %q with secret %q", url, secret)
		}
		waitFor(t, "the channel shows webhook mode", func() bool { b := f.describe(svc, ch.ID); return b != nil && b.Mode == "webhook" })
		update := []byte(`{"update_id": 7, "message": {"message_id": 1, "date": 1, "from": {"id": 5550001, "is_bot": false, "first_name": "Ann"},
			"chat": {"id": 5550001, "type": "private"}, "text": "Hello by webhook", "entities": [], "link_preview_options": {"is_disabled": true}}}`)
		for _, wrong := range []string{"", "guess", secret[:len(secret)-1]} {
			if err := svc.ReceiveTelegram(f.ctx, ch.ID, wrong, update); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("secret %q: %v", wrong, err)
			}
		}
		if err := svc.ReceiveTelegram(f.ctx, f.http.ID, secret, update); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("another channel with the secret: %v", err)
		}
		if f.countSessionsOf(ch.ID) != 0 {
			t.Fatal("an update without the secret was stored")
		}
		for range 2 {
			f.must(svc.ReceiveTelegram(f.ctx, ch.ID, secret, update))
		}
		if _, msgs := f.waitMessages(ch.ID, 1); len(msgs) != 1 || msgs[0].Text != "Hello by webhook" {
			t.Fatalf("messages %q", texts(msgs))
		}
		if bot.Calls("getUpdates") != 0 {
			t.Fatal("a bot with a webhook was polled")
		}

		f.must(f.chat.DeleteChannel(f.ctx, f.lc.ID, ch.ID))
		waitFor(t, "the webhook is removed", func() bool { url, _ := bot.Webhook(); return url == "" })
		waitFor(t, "the token is forgotten", func() bool {
			var token string
			f.must(db.Read(f.ctx, func(tx *store.Tx) error {
				return tx.QueryRow(f.ctx, "SELECT token FROM telegram_bots WHERE channel_id = ?", ch.ID).Scan(&token)
			}))
			return token == ""
		})
		if err := svc.ReceiveTelegram(f.ctx, ch.ID, secret, update); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("an update to a deleted channel: %v", err)
		}
	})
}

// TestTelegramTokenNotLogged makes every call about a bot fail, the token check, polling and
// a reply, and reads the log: the token appears nowhere, though each failure is logged.
func TestTelegramTokenNotLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		var logged syncBuffer
		log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg := telegramConfig(bot, "")
		cfg.BaseBackoff, cfg.Poll, cfg.MaxAttempts = 20*time.Millisecond, 50*time.Millisecond, 2
		svc := channel.New(db, f.chat, cfg, log)
		ch := f.telegramChannel(svc, bot)
		down := channel.New(db, f.chat, channel.WebhookConfig{Telegram: channel.TelegramConfig{APIURL: "http://127.0.0.1:1"}}, log)
		if _, err := down.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelTelegram, Name: "T2", BotToken: botToken}); err == nil ||
			strings.Contains(err.Error(), "AAHdqTcv") {
			t.Fatalf("an unreachable API: %v", err)
		}
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "Hi"}))
		bot.Fail("getUpdates", telegramtest.Failure{Code: 502, Description: "Bad Gateway"})
		bot.Fail("sendMessage", telegramtest.Failure{Code: 500, Description: "Internal Server Error"}, telegramtest.Failure{Code: 500, Description: "Internal Server Error"})
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan struct{})
		go func() { svc.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		sess, _ := f.waitMessages(ch.ID, 1)
		m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sess.ID, Text: "Hello", By: chat.UserActor(f.operator)})
		f.must(err)
		if d := f.waitDeliveryOn(svc, ch.ID, m.ID); d.State != channel.Failed || strings.Contains(d.LastError, "AAHdqTcv") {
			t.Fatalf("delivery %+v", d)
		}
		waitFor(t, "the bot's error clears once polling works", func() bool { b := f.describe(svc, ch.ID); return b != nil && b.Error == "" })
		text := logged.String()
		if !strings.Contains(text, "502 Bad Gateway") || !strings.Contains(text, "500 Internal Server Error") {
			t.Fatalf("the failures were not logged:\n%s", text)
		}
		if strings.Contains(text, "AAHdqTcv") {
			t.Fatalf("the token is in the log:\n%s", text)
		}
	})
}

// syncBuffer is a log sink several goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTelegramTwoNodesPoll runs two nodes on one database: only one polls the bot at a time,
// every update is stored once, and when that node stops the other takes over.
func TestTelegramTwoNodesPoll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		one, stopOne := f.service(telegramConfig(bot, ""))
		f.service(telegramConfig(bot, ""))
		ch := f.telegramChannel(one, bot)
		for i := range 5 {
			bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": fmt.Sprintf("message %d", i)}))
		}
		f.waitMessages(ch.ID, 5)
		stopOne()
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "after the first node stopped"}))
		f.waitMessages(ch.ID, 6)
		waitFor(t, "every update is confirmed", func() bool { return bot.Pending() == 0 })
		if _, msgs := f.emailSession(ch.ID); len(msgs) != 6 || msgs[5].Text != "after the first node stopped" {
			t.Fatalf("messages %q", texts(msgs))
		}
		if n := bot.MaxPolling(); n != 1 {
			t.Fatalf("%d getUpdates calls were in flight at once", n)
		}
	})
}

// TestTelegramPollingRemovesForeignWebhook starts polling a bot that another program gave a
// webhook: getUpdates answers 409, so Parley removes the webhook and polls.
func TestTelegramPollingRemovesForeignWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		resp, err := http.Post(bot.URL+"/bot"+botToken+"/setWebhook", "application/json", strings.NewReader(`{"url": "https://elsewhere.example/hook"}`))
		f.must(err)
		resp.Body.Close()
		svc, _ := f.service(telegramConfig(bot, ""))
		ch := f.telegramChannel(svc, bot)
		waitFor(t, "the foreign webhook is removed", func() bool { url, _ := bot.Webhook(); return url == "" })
		bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "Anyone there?"}))
		if _, msgs := f.waitMessages(ch.ID, 1); msgs[0].Text != "Anyone there?" {
			t.Fatalf("messages %q", texts(msgs))
		}
	})
}

// TestTelegramWebhookRefused shows an administrator why a bot gets no updates: Telegram's
// refusal of the webhook is the channel's error.
func TestTelegramWebhookRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		bot := telegramtest.New(t, botToken)
		bot.Fail("setWebhook", telegramtest.Failure{Code: 400, Description: "Bad Request: bad webhook: HTTPS url must be provided for webhook"})
		svc, _ := f.service(telegramConfig(bot, "http://chat.example.com"))
		ch := f.telegramChannel(svc, bot)
		waitFor(t, "the refusal shows on the channel", func() bool {
			b := f.describe(svc, ch.ID)
			return b != nil && strings.Contains(b.Error, "setting the webhook: Telegram setWebhook: 400 Bad Request: bad webhook: HTTPS url must be provided")
		})
		if b := f.describe(svc, ch.ID); b.Mode != "" {
			t.Fatalf("bot %+v", b)
		}
	})
}
