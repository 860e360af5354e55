package chat

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Channel is one way customers reach a live chat.
type Channel struct {
	ID         string      `json:"id"`
	LiveChatID string      `json:"live_chat_id"`
	Type       ChannelType `json:"type"`
	Name       string      `json:"name"`
	// Address is an email channel's address.
	Address string `json:"address,omitempty"`
	// WebhookURL is where an http channel's operator replies are delivered.
	WebhookURL string `json:"webhook_url,omitempty"`
	// APIKey is an http channel's key. It is shown once, in the answer to the creation, and
	// stored only as a hash.
	APIKey string `json:"api_key,omitempty"`
	// WebhookSecret signs an http channel's webhook deliveries (Parley-Signature). It is shown
	// once, in the answer to the creation or to a rotation.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// Bot is a telegram channel's bot, filled in by package channel, which keeps it.
	Bot       *Bot      `json:"bot,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Bot is a telegram channel's bot as administrators see it: never its whole token.
type Bot struct {
	// Username is the bot's @username, as getMe answered when the channel was added.
	Username string `json:"username"`
	// Token is the bot token masked: the bot id and the last four characters.
	Token string `json:"token"`
	// Mode is "webhook" when Telegram posts updates to Parley, "polling" when Parley asks
	// for them; "" until a node has set the bot up.
	Mode string `json:"mode"`
	// Error is the last failure talking to the Bot API about updates, "" when none.
	Error string `json:"error,omitempty"`
}

// NewChannel is the input for creating a channel.
type NewChannel struct {
	Type       ChannelType `json:"type"`
	Name       string      `json:"name"`
	Address    string      `json:"address,omitempty"`
	WebhookURL string      `json:"webhook_url,omitempty"`
	// BotToken is a telegram channel's bot token, from @BotFather. It is a secret: no answer
	// shows it whole.
	BotToken string `json:"bot_token,omitempty"`
	// Setup, set by package channel for a telegram channel, writes what the channel type
	// keeps of its own in the transaction that creates the channel.
	Setup func(ctx context.Context, tx *store.Tx, ch *Channel) error `json:"-"`
	// By is the id of the administrator adding the channel; Idempotency makes a repeat of the
	// same create by them return the first channel instead of a second one. An http
	// channel's API key is shown once, in the first answer: only its hash is kept, so a
	// repeat answers with the channel without it.
	By          string            `json:"-"`
	Idempotency store.Idempotency `json:"-"`
}

// ChannelPatch changes some of a channel's fields; nil means unchanged. The type never
// changes, because sessions were opened through the channel as it was.
type ChannelPatch struct {
	Name       *string `json:"name,omitempty"`
	Address    *string `json:"address,omitempty"`
	WebhookURL *string `json:"webhook_url,omitempty"`
}

// ChannelKeyOwner is the owner recorded on an http channel's API key.
func ChannelKeyOwner(channelID string) string { return "channel:" + channelID }

func checkChannelName(list *errs.List, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		list.Add("name", "is required")
	case utf8.RuneCountInString(name) > 100:
		list.Add("name", "must be at most 100 characters")
	}
}

// checkChannelFields checks the fields that belong to one channel type: an address only for
// email (and required there), a webhook URL only for http.
func checkChannelFields(list *errs.List, t ChannelType, address, webhook string) {
	switch {
	case t == ChannelEmail && address == "":
		list.Add("address", "is required for an email channel")
	case t != ChannelEmail && address != "":
		list.Add("address", "only email channels have an address")
	case t == ChannelEmail:
		if _, reason := normalize(value.KindEmail, address); reason != "" {
			list.Add("address", "%s", reason)
		}
	}
	switch {
	case t != ChannelHTTP && webhook != "":
		list.Add("webhook_url", "only http channels have a webhook URL")
	case webhook != "":
		checkWebhookURL(list, webhook)
	}
}

func checkWebhookURL(list *errs.List, raw string) {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2000:
		list.Add("webhook_url", "must be at most 2000 bytes")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		list.Add("webhook_url", "must be an absolute http:// or https:// URL, not %q", raw)
	}
}

// check checks the input; isNew adds the bot token, which only a new channel takes: required
// for telegram, refused for the others. A bot's token cannot be changed later: a new bot is a
// new channel.
func (n NewChannel) check(isNew bool) error {
	var list errs.List
	switch n.Type {
	case ChannelWidget, ChannelEmail, ChannelHTTP, ChannelTelegram:
		checkChannelFields(&list, n.Type, n.Address, n.WebhookURL)
	case "":
		list.Add("type", "is required: widget, email, http or telegram")
	default:
		list.Add("type", "must be widget, email, http or telegram, not %q", n.Type)
	}
	switch {
	case !isNew:
	case n.Type == ChannelTelegram && strings.TrimSpace(n.BotToken) == "":
		list.Add("bot_token", "is required for a telegram channel: the token @BotFather gave the bot")
	case n.Type != ChannelTelegram && n.BotToken != "":
		list.Add("bot_token", "only telegram channels have a bot token")
	}
	checkChannelName(&list, n.Name)
	return list.Err()
}

// CreateChannel adds a channel to a live chat. An http channel's answer carries its API key,
// shown this once.
func (s *Service) CreateChannel(ctx context.Context, liveChatID string, in NewChannel) (*Channel, error) {
	if err := in.check(true); err != nil {
		return nil, err
	}
	if in.Type == ChannelTelegram && in.Setup == nil {
		// The bot must be checked and kept by package channel (channel.Service.CreateChannel).
		return nil, errs.New(errs.Internal, "a telegram channel was created without its bot")
	}
	return store.CreateOnce(ctx, s.db, in.Idempotency, store.Target{Table: "channels", IDColumn: "id"},
		func(tx *store.Tx, id string) (*Channel, error) { return ChannelTx(ctx, tx, id) },
		func(tx *store.Tx) (*Channel, error) {
			if _, err := getLiveChat(ctx, tx, liveChatID); err != nil {
				return nil, err
			}
			return createChannel(ctx, tx, liveChatID, in)
		})
}

func createChannel(ctx context.Context, tx *store.Tx, liveChatID string, in NewChannel) (*Channel, error) {
	if in.Type == ChannelEmail {
		in.Address, _ = normalize(value.KindEmail, in.Address)
	}
	id, now := store.NewID("chn"), store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO channels (id, live_chat_id, type, name, address, webhook_url, created_by,
		idempotency_key, idempotency_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, liveChatID, string(in.Type), strings.TrimSpace(in.Name), in.Address, in.WebhookURL, nullable(in.By),
		in.Idempotency.KeyArg(), in.Idempotency.HashArg(), now, now)
	if err != nil {
		return nil, err
	}
	ch, err := ChannelTx(ctx, tx, id)
	if err == nil && in.Type == ChannelHTTP {
		ch.APIKey, err = auth.CreateAPIKey(ctx, tx, ChannelKeyOwner(id))
	}
	if err == nil && in.Type == ChannelHTTP {
		ch.WebhookSecret, err = auth.NewWebhookSecret(ctx, tx, ChannelKeyOwner(id))
	}
	if err == nil && in.Setup != nil {
		err = in.Setup(ctx, tx, ch)
	}
	if err == nil {
		err = auth.Audit(ctx, tx, "channel.create", "channel", id, map[string]string{"live_chat_id": liveChatID, "type": string(in.Type), "name": in.Name})
	}
	return ch, err
}

// RotateWebhookSecret replaces an http channel's webhook signing secret and returns the new
// one, shown this once; deliveries sent from then on are signed with it.
func (s *Service) RotateWebhookSecret(ctx context.Context, liveChatID, id string) (secret string, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		ch, err := liveChatChannel(ctx, tx, liveChatID, id)
		if err != nil {
			return err
		}
		if ch.Type != ChannelHTTP {
			return errs.New(errs.Conflict, "channel %q is a %s channel: only http channels have webhooks", id, ch.Type)
		}
		if secret, err = auth.NewWebhookSecret(ctx, tx, ChannelKeyOwner(id)); err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "channel.rotate_webhook_secret", "channel", id, nil)
	})
	return secret, err
}

const channelColumns = "id, live_chat_id, type, name, address, webhook_url, created_at, updated_at"

func scanChannel(row interface{ Scan(...any) error }) (*Channel, error) {
	var ch Channel
	var created, updated store.Timestamp
	if err := row.Scan(&ch.ID, &ch.LiveChatID, &ch.Type, &ch.Name, &ch.Address, &ch.WebhookURL, &created, &updated); err != nil {
		return nil, err
	}
	ch.CreatedAt, ch.UpdatedAt = created.Time, updated.Time
	return &ch, nil
}

// ChannelTx returns a channel that has not been deleted, inside the caller's transaction.
func ChannelTx(ctx context.Context, tx *store.Tx, id string) (*Channel, error) {
	ch, err := scanChannel(tx.QueryRow(ctx, "SELECT "+channelColumns+" FROM channels WHERE id = ? AND deleted_at IS NULL", id))
	if err != nil {
		return nil, store.NotFound(err, "channel %q not found", id)
	}
	return ch, nil
}

// liveChatChannel returns a channel of the live chat; one of another live chat is not found.
func liveChatChannel(ctx context.Context, tx *store.Tx, liveChatID, id string) (*Channel, error) {
	ch, err := ChannelTx(ctx, tx, id)
	if err == nil && ch.LiveChatID != liveChatID {
		return nil, errs.New(errs.NotFound, "channel %q not found in live chat %q", id, liveChatID)
	}
	return ch, err
}

func liveChatChannels(ctx context.Context, tx *store.Tx, liveChatID string) ([]*Channel, error) {
	rows, err := tx.Query(ctx, "SELECT "+channelColumns+" FROM channels WHERE live_chat_id = ? AND deleted_at IS NULL ORDER BY created_at, id", liveChatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Channel{}
	for rows.Next() {
		ch, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// Channels returns the live chat's channels, oldest first. They are few, so the list is one
// page.
func (s *Service) Channels(ctx context.Context, liveChatID string) (list store.List[*Channel], err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := getLiveChat(ctx, tx, liveChatID); err != nil {
			return err
		}
		list.Items, err = liveChatChannels(ctx, tx, liveChatID)
		return err
	})
	return list, err
}

// UpdateChannel changes a channel's name, address (email) or webhook URL (http).
func (s *Service) UpdateChannel(ctx context.Context, liveChatID, id string, p ChannelPatch) (ch *Channel, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		old, err := liveChatChannel(ctx, tx, liveChatID, id)
		if err != nil {
			return err
		}
		in := NewChannel{Type: old.Type, Name: deref(p.Name, old.Name), Address: deref(p.Address, old.Address), WebhookURL: deref(p.WebhookURL, old.WebhookURL)}
		if err := in.check(false); err != nil {
			return err
		}
		if in.Type == ChannelEmail {
			in.Address, _ = normalize(value.KindEmail, in.Address)
		}
		forgetSessions(tx) // cached sessions hold what this changes
		_, err = tx.Exec(ctx, "UPDATE channels SET name = ?, address = ?, webhook_url = ?, updated_at = ? WHERE id = ?",
			strings.TrimSpace(in.Name), in.Address, in.WebhookURL, store.TS(tx.Now()), id)
		if err != nil {
			return err
		}
		if err := auth.Audit(ctx, tx, "channel.update", "channel", id, p); err != nil {
			return err
		}
		ch, err = ChannelTx(ctx, tx, id)
		return err
	})
	return ch, err
}

func deref(p *string, old string) string {
	if p == nil {
		return old
	}
	return *p
}

// DeleteChannel retires a channel: it stops taking messages and its API key stops working,
// while its sessions and their messages stay readable.
func (s *Service) DeleteChannel(ctx context.Context, liveChatID, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := liveChatChannel(ctx, tx, liveChatID, id); err != nil {
			return err
		}
		forgetSessions(tx) // cached sessions hold what this changes
		if _, err := tx.Exec(ctx, "UPDATE channels SET deleted_at = ?, updated_at = ? WHERE id = ?", store.TS(tx.Now()), store.TS(tx.Now()), id); err != nil {
			return err
		}
		if err := auth.RevokeAPIKeys(ctx, tx, ChannelKeyOwner(id)); err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "channel.delete", "channel", id, map[string]string{"live_chat_id": liveChatID})
	})
}

// revokeChannelKeys revokes the API keys of every channel of a live chat being deleted.
func revokeChannelKeys(ctx context.Context, tx *store.Tx, liveChatID string) error {
	ids, err := store.Column[string](ctx, tx, "SELECT id FROM channels WHERE live_chat_id = ?", liveChatID)
	for _, id := range ids {
		if err == nil {
			err = auth.RevokeAPIKeys(ctx, tx, ChannelKeyOwner(id))
		}
	}
	return err
}
