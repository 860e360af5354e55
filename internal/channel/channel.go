// Package channel connects customers to live chats: the website widget (visitor tokens), the
// HTTP channel for outside messengers (inbound messages with the channel's API key), and the
// durable webhook queue that delivers operator and process replies to an http channel's
// webhook URL. Email channels can be configured in chat, but sending and receiving mail is not
// built yet.
//
// The webhook queue is an outbox consumer (see package chat): in one transaction it claims its
// cursor, turns each message_sent event of an http channel's session into a delivery row and
// advances the cursor, so no reply is queued twice or lost. A sender then claims due
// deliveries under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL, so two nodes never send the
// same delivery at once), posts them outside any transaction, and records the outcome:
// delivered, or retried with exponential backoff, or failed for good after MaxAttempts with
// the last error kept. Receivers get each reply at least once and can drop repeats by the
// Idempotency-Key header, which carries the message id.
package channel

import (
	"embed"
	"log/slog"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// Service runs the widget and HTTP channels and the webhook queue.
type Service struct {
	db   *store.DB
	chat *chat.Service
	log  *slog.Logger
	cfg  WebhookConfig
}

// New returns the service. Zero fields of cfg take their defaults.
func New(db *store.DB, c *chat.Service, cfg WebhookConfig, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, chat: c, log: log, cfg: cfg.withDefaults()}
}
