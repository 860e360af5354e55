package channel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// TelegramConfig tunes the telegram channels. Zero fields take the defaults in brackets.
type TelegramConfig struct {
	// APIURL is the Bot API's base URL [https://api.telegram.org].
	APIURL string
	// PublicURL is the address Telegram reaches Parley at, such as https://chat.example.com.
	// When set, bots get a webhook there; when empty, Parley long-polls getUpdates, which
	// works behind NAT. Set it on every node or on none.
	PublicURL string
	// PollTimeout is how long one getUpdates call waits for an update [25s].
	PollTimeout time.Duration
	// Lease is how long the node polling a bot keeps it before another node may take over
	// [PollTimeout + 35s]; it is renewed after every call.
	Lease time.Duration
	// Every is how often a node looks for bots to set up, to poll or to clean up after a
	// deletion, besides being woken when a channel is added [5s].
	Every time.Duration
	// MaxFile bounds a file downloaded from Telegram [20 MiB, the Bot API's own limit].
	MaxFile int64
	// Client calls the Bot API [a client with a timeout of PollTimeout + 30s].
	Client *http.Client
}

func (c TelegramConfig) withDefaults() TelegramConfig {
	if c.APIURL == "" {
		c.APIURL = "https://api.telegram.org"
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.PollTimeout <= 0 {
		c.PollTimeout = 25 * time.Second
	}
	if c.Lease <= c.PollTimeout {
		c.Lease = c.PollTimeout + 35*time.Second
	}
	if c.Every <= 0 {
		c.Every = 5 * time.Second
	}
	if c.MaxFile <= 0 {
		c.MaxFile = 20 << 20
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.PollTimeout + 30*time.Second}
	}
	return c
}

// botsChannel wakes the nodes' bot supervisors when a telegram channel is added.
const botsChannel = "telegram_bots"

// bot returns the Bot API client of a token.
func (s *Service) bot(token string) *botAPI {
	return &botAPI{base: s.cfg.Telegram.APIURL, token: token, client: s.cfg.Telegram.Client}
}

// tokenShape is a bot token as @BotFather issues it: the bot's id, a colon, a secret. It is
// checked before use because the token becomes part of a URL path.
var tokenShape = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)

// CreateChannel adds a channel to a live chat as chat.Service.CreateChannel does; a
// telegram channel's bot token is checked with getMe first, and the bot is kept in the
// transaction that creates the channel.
func (s *Service) CreateChannel(ctx context.Context, liveChatID string, in chat.NewChannel) (*chat.Channel, error) {
	if in.Type != chat.ChannelTelegram {
		return s.chat.CreateChannel(ctx, liveChatID, in)
	}
	token := strings.TrimSpace(in.BotToken)
	if token != "" && !tokenShape.MatchString(token) {
		return nil, errs.Field("bot_token", "is not a bot token: @BotFather gives one like 123456789:AA…, digits, a colon and letters")
	}
	var me tgUser
	if token != "" {
		var err error
		if me, err = s.checkToken(ctx, token); err != nil {
			return nil, err
		}
	}
	in.BotToken = token
	in.Setup = func(ctx context.Context, tx *store.Tx, ch *chat.Channel) error {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		_, err := tx.Exec(ctx, "INSERT INTO telegram_bots (channel_id, token, bot_id, username, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			ch.ID, token, me.ID, me.Username, hex.EncodeToString(secret), store.TS(tx.Now()))
		if err != nil {
			return err
		}
		ch.Bot = &chat.Bot{Username: me.Username, Token: maskToken(token)}
		return tx.Notify(ctx, botsChannel)
	}
	return s.chat.CreateChannel(ctx, liveChatID, in)
}

// checkToken asks Telegram who the token's bot is; a refusal is the bot_token field's error.
func (s *Service) checkToken(ctx context.Context, token string) (tgUser, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	me, err := s.bot(token).getMe(ctx)
	var be *botError
	switch {
	case errors.As(err, &be):
		return me, errs.Field("bot_token", "was refused by Telegram (%d %s): check the token @BotFather gave", be.Code, be.Description)
	case err != nil:
		return me, errs.Field("bot_token", "could not be checked, Telegram did not answer (%v): try again", err)
	case !me.IsBot:
		return me, errs.Field("bot_token", "does not belong to a bot")
	}
	return me, nil
}

// maskToken shows a token's bot id and its last four characters, enough to tell two bots
// apart and useless to call the API with.
func maskToken(token string) string {
	id, rest, _ := strings.Cut(token, ":")
	if len(rest) < 12 {
		return id + ":…"
	}
	return id + ":…" + rest[len(rest)-4:]
}

// DescribeChannels fills in the Bot of each telegram channel in list.
func (s *Service) DescribeChannels(ctx context.Context, list ...*chat.Channel) error {
	return s.db.Read(ctx, func(tx *store.Tx) error {
		for _, ch := range list {
			if ch == nil || ch.Type != chat.ChannelTelegram {
				continue
			}
			var token, username, webhook, lastError string
			var owner string
			err := tx.QueryRow(ctx, "SELECT token, username, webhook_url, poll_owner, last_error FROM telegram_bots WHERE channel_id = ?", ch.ID).
				Scan(&token, &username, &webhook, &owner, &lastError)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ch.Bot = &chat.Bot{Username: username, Token: maskToken(token), Error: lastError}
			switch {
			case webhook != "":
				ch.Bot.Mode = "webhook"
			case owner != "":
				ch.Bot.Mode = "polling"
			}
		}
		return nil
	})
}
