// Package channel connects customers to live chats: the website widget (visitor tokens), the
// HTTP channel for outside messengers (inbound messages with the channel's API key), email
// channels (an SMTP listener in, a relay out), Telegram bots, and the durable delivery queue
// that takes operator and process replies to an http channel's webhook URL, to an email
// customer's mailbox or to a Telegram chat.
//
// The delivery queue is an outbox consumer (see package chat): in one transaction it claims
// its cursor, turns each message_sent event of an http channel's session (and each operator
// or process message of an email channel's session) into a delivery row and advances the
// cursor, so no reply is queued twice or lost. A sender then claims due deliveries under a
// lease (FOR UPDATE SKIP LOCKED on PostgreSQL, so two nodes never send the same delivery at
// once), posts or mails them outside any transaction, and records the outcome: delivered, or
// retried with exponential backoff, or failed for good after MaxAttempts with the last error
// kept. Receivers get each reply at least once: webhook receivers can drop repeats by the
// Idempotency-Key header, which carries the message id, and mail readers by the Message-ID,
// which is fixed when the reply is queued.
//
// Mail in: SMTPServer (parley serve --smtp-addr) speaks SMTP through github.com/emersion/go-smtp:
// STARTTLS with a configured certificate, SIZE (552 beyond SMTPConfig.MaxSize), SMTPUTF8,
// 8BITMIME and CHUNKING; with listener credentials it is a submission port that requires AUTH
// PLAIN, offered only over TLS, before MAIL FROM. It takes mail whose RCPT TO is an email
// channel's address (compared without case; other recipients get 550) and stores its
// text/plain part, or its HTML stripped to text, converted from its charset (ISO-8859-x,
// windows-125x, KOI8-R, Shift_JIS, ISO-2022-JP… through golang.org/x/text) in the body and
// the headers alike, as the customer's message. Attachments and inline pictures become the
// message's files; a file the server does not accept is named in the text instead, so the mail
// is not lost for it, and a mail of files only has an empty text. A mail that answers one of
// the channel's mails (In-Reply-To or References naming our reply's Message-ID or a customer's
// mail) goes to that mail's session; any other goes by the sender's address, lower-cased, the
// customer's identity, so every mail from one address continues, or reopens, one session,
// named after the first mail's subject. The Message-ID is the dedup key: a mail delivered twice
// is stored once. Text longer than a chat message is cut with a note.
//
// Mail out: replies are mailed from the channel's address to the customer's, as "Re:
// <subject>", each with its own Message-ID (kept on the delivery row), answering
// (In-Reply-To) the customer's last mail and listing the thread's ids (References), so that
// the customer's mail client shows one conversation. A reply's files go as MIME parts, read
// when the mail is sent. The relay (parley serve --smtp-relay) is reached with STARTTLS when
// it offers it, or as --smtp-relay-tls requires (starttls, tls, none), and AUTH PLAIN with
// --smtp-relay-user. A 5xx answer, or a relay that cannot be used as configured, fails the
// delivery at once; a 4xx answer or a broken connection is retried. A node without a relay
// records email deliveries as failed, with the reason, rather than hold them unseen: set the
// relay on every node.
//
// Delivery outcomes: every attempt's end notifies DeliveryOutcomesChannel, which the staff
// WebSocket passes on as "deliveries_changed", and an operator may retry a failed delivery
// (RetryDelivery): it is pending again with fresh attempts and the same Message-ID or
// Idempotency-Key.
// Telegram: a telegram channel is a bot. Adding one checks its token with getMe and keeps the
// bot in telegram_bots in the channel's transaction (CreateChannel). Each node runs a bot
// supervisor (runTelegram): with TelegramConfig.PublicURL (parley serve --public-url) it
// registers each bot's webhook with setWebhook and a random secret_token, which the webhook
// route checks on every update (ReceiveTelegram); without one it runs a poller per bot, and
// the poller that holds the bot's lease row, one across all nodes, long-polls getUpdates and
// keeps the offset in the database, so a node that takes over goes on where the last stopped.
// Either way an update's dedup key is "tg:" and its update_id, so one delivered twice is stored
// once. Private chats only: the chat id is the customer's identity. Files come through getFile
// and the file download path as attachments, under the attachments' limits; a file that
// cannot be taken becomes a note in the text. Replies go out through the delivery queue with
// sendMessage (cut at 4096 characters), sendPhoto and sendDocument; a 429 is retried after
// its retry_after, other refusals fail the delivery with Telegram's reason. A deleted
// channel's bot loses its webhook and its token. The token never appears in an error or a log
// line (tgapi.go).
package channel

import (
	"embed"
	"log/slog"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// Service runs the widget, HTTP and email channels and the delivery queue.
type Service struct {
	db   *store.DB
	chat *chat.Service
	log  *slog.Logger
	cfg  WebhookConfig
	// received counts stored customer messages for the metrics (stats.go).
	received receivedCounts
	// visitors caches visitor tokens, which never change their session and are never revoked
	// (see AuthenticateVisitor); the bound only limits memory.
	visitors *auth.SecretCache
}

// New returns the service. Zero fields of cfg take their defaults.
func New(db *store.DB, c *chat.Service, cfg WebhookConfig, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, chat: c, log: log, cfg: cfg.withDefaults(), visitors: auth.NewSecretCache(10*time.Minute, 100_000)}
}
