package web_test

import (
	"bytes"
	"encoding/base64"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/channel/telegramtest"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store/storetest"
)

const everyChannelBotToken = "700500600:AAE-every-channel-token"

// TestFilesInEveryChannel walks what "files in every channel" promises a company, on one
// server and in one console: a customer sends a photo from the widget, another a PDF by mail
// to the server's own SMTP listener, a third a document to the Telegram bot (the local Bot
// API server); the operator sees each file on its session's page, answers every session with
// a file through the console's reply form, and each answer arrives in its channel: in the
// widget, at the relay as a MIME part, and at Telegram by sendPhoto. The process side (a
// message_received process storing the file on an app item) is
// TestMessageReceivedStoresTheFileOnALead in internal/automation, and the SVG that must not
// run script is TestPhotoFromWidgetToConsoleAndBack.
func TestFilesInEveryChannel(t *testing.T) {
	dialects := []string{"sqlite"}
	if storetest.PostgresURL(t) != "" {
		dialects = append(dialects, "postgres")
	}
	for _, dialect := range dialects {
		// The bot and the relay are the outside world of one server: each run has its own.
		t.Run(dialect, func(t *testing.T) { filesInEveryChannel(t, dialect) })
	}
}

func filesInEveryChannel(t *testing.T, dialect string) {
	bot := telegramtest.New(t, everyChannelBotToken)
	relay, relayAddr := startRefusingRelay(t)
	relay.accept.Store(true)
	env := withDemo(t, servertest.Start(t, dialect, servertest.Options{Configure: func(c *server.Config) {
		c.SMTPRelay, c.SMTPAddr, c.TelegramAPIURL = relayAddr, "127.0.0.1:0", bot.URL
		c.Webhooks = channel.WebhookConfig{Poll: 50 * time.Millisecond, Telegram: channel.TelegramConfig{PollTimeout: time.Second, Every: 50 * time.Millisecond}}
	}}))
	liveChat := demoLiveChatID(t, env)
	channels := "/api/v1/livechats/" + liveChat + "/channels"
	env.MustDo("POST", channels, env.Admin, map[string]any{"type": "email", "name": "Mail", "address": "support@example.com"}, 201, nil)
	env.MustDo("POST", channels, env.Admin, map[string]any{"type": "telegram", "name": "Shop bot", "bot_token": everyChannelBotToken}, 201, nil)
	b := startBrowser(t, env.URL)

	// The widget: a photo chosen with the file input.
	cust := b.Tab("customer")
	sendWidgetPhoto(t, cust, liveChat, "The lamp arrived broken")

	// Mail: a PDF as a MIME part, through the listener as a mail server would hand it over.
	pdf := "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
	mail := "From: Dana Mail <dana@example.org>\r\nTo: support@example.com\r\nSubject: My invoice\r\nMessage-ID: <every-1@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"The invoice is attached.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=invoice.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(pdf)) + "\r\n--b--\r\n"
	if err := smtp.SendMail(env.Server.SMTP.Addr().String(), nil, "dana@example.org", []string{"support@example.com"}, []byte(mail)); err != nil {
		t.Fatal(err)
	}

	// Telegram: a document, fetched by the server through getFile.
	ann := telegramtest.User{ID: 880011, FirstName: "Ann", LastName: "Lee", Username: "annlee"}
	bot.AddFile("doc-every", "documents/file_7.pdf", []byte(pdf))
	bot.AddUpdate(telegramtest.Message(ann, map[string]any{"caption": "The warranty card",
		"document": map[string]any{"file_id": "doc-every", "file_name": "warranty.pdf", "mime_type": "application/pdf"}}))

	op := onlineOperator(b, "olga")
	for _, who := range []string{"Fay Photo", "Dana Mail", "Ann Lee (@annlee)"} {
		op.WaitText("[data-sessions] tbody", who)
	}

	// Each session's page shows its file; the answer goes back with a file of the operator's.
	op.ClickText("[data-sessions] a", "Fay Photo")
	op.WaitTrue(`(() => { const i = document.querySelector('[data-messages] .msg-customer img.attachment-thumb[alt="broken-lamp.png"]'); return !!i && i.complete && i.naturalWidth > 0; })()`)
	replyWithFile(t, op, "return-label.pdf", []byte(pdf), "Here is a return label.")
	op.Shot("every-channel-widget")

	op.Open("/console")
	op.ClickText("[data-sessions] a", "Dana Mail")
	op.WaitText("[data-messages] .msg-customer .attachment-link", "invoice.pdf")
	replyWithFile(t, op, "credit-note.pdf", []byte(pdf), "Here is the credit note.")
	op.WaitText(`[data-messages] .msg-operator [data-delivery="delivered"]`, "Sent")
	op.Shot("every-channel-mail")

	op.Open("/console")
	op.ClickText("[data-sessions] a", "Ann Lee (@annlee)")
	op.WaitText("[data-messages] .msg-customer", "The warranty card")
	op.WaitText("[data-messages] .msg-customer .attachment-link", "warranty.pdf")
	photo := photoPNG(t)
	replyWithFile(t, op, "how-to-pack.png", photo, "Pack it like this.")
	op.WaitTrue(`(() => { const i = document.querySelector('[data-messages] .msg-operator img.attachment-thumb[alt="how-to-pack.png"]'); return !!i && i.complete && i.naturalWidth > 0; })()`)
	op.WaitText(`[data-messages] .msg-operator [data-delivery="delivered"]`, "Sent")
	op.Shot("every-channel-telegram")

	// Each answer arrived where its customer is.
	cust.WaitText("[data-messages] .wg-theirs .attachment-link", "return-label.pdf")
	cust.WaitText("[data-messages] .wg-theirs", "Here is a return label.")

	relay.mu.Lock()
	got := append([]string(nil), relay.got...)
	relay.mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "Here is the credit note.") || !strings.Contains(got[0], "filename=credit-note.pdf") ||
		!strings.Contains(got[0], "In-Reply-To: <every-1@example.org>") {
		t.Fatalf("the relay took %q, want one reply with credit-note.pdf as a MIME part", got)
	}

	// Sent is shown once the Bot API answered, so the call is already recorded.
	var sent []telegramtest.Sent
	for _, s := range bot.Sent() {
		if s.ChatID == ann.ID && s.Method == "sendPhoto" && s.Name == "how-to-pack.png" && bytes.Equal(s.Data, photo) {
			sent = append(sent, s)
		}
	}
	if len(sent) != 1 || sent[0].Text != "Pack it like this." {
		t.Fatalf("the bot was sent %+v, want the photo with its caption once", bot.Sent())
	}
}

// replyWithFile answers the open session from the console with a file and a text, and waits
// until the answer stands in the conversation.
func replyWithFile(t *testing.T, op *Tab, name string, data []byte, text string) {
	t.Helper()
	op.Upload("#reply-file", writeFile(t, name, data))
	op.WaitText("[data-files]", name)
	op.Fill("#reply-text", text)
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator", text)
	op.WaitText("[data-messages] .msg-operator .attachment", name)
}
