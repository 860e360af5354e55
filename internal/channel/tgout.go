package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// telegramPayload is a queued reply to a Telegram chat.
type telegramPayload struct {
	ChatID int64  `json:"chat_id"`
	Text   string `json:"text"`
}

// queueTelegram writes the delivery of an operator's or process's reply in a telegram
// channel's session to the customer's chat, whose id is the customer's identity.
func queueTelegram(ctx context.Context, tx *store.Tx, e chat.Event) error {
	identity, err := customerIdentity(ctx, tx, e.SessionID)
	if err != nil {
		return err
	}
	chatID, err := strconv.ParseInt(identity, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram session %s: the customer's identity %q is not a chat id", e.SessionID, identity)
	}
	body, err := json.Marshal(telegramPayload{ChatID: chatID, Text: e.Snapshot.LastMessage.Text})
	if err != nil {
		return err
	}
	return insertDelivery(ctx, tx, store.NewID("dlv"), e, string(body))
}

// botToken reads the token a telegram delivery is sent with; "" once the channel was deleted.
func botToken(ctx context.Context, tx *store.Tx, channelID string) (token string, err error) {
	err = tx.QueryRow(ctx, `SELECT b.token FROM telegram_bots b JOIN channels c ON c.id = b.channel_id
		WHERE b.channel_id = ? AND c.deleted_at IS NULL`, channelID).Scan(&token)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return token, err
}

// telegram sends one telegram delivery: the text, cut into messages Telegram takes. A 429
// answer is tried again after its retry_after; other refusals (the customer blocked the bot,
// the chat is gone, the token was revoked) fail the delivery at once, and an unreachable API
// or a 5xx answer is tried again with backoff.
func (s *Service) telegram(ctx context.Context, c claimed) (permanent bool, err error) {
	if c.token == "" {
		return true, errors.New("the telegram channel was deleted")
	}
	var p telegramPayload
	if err := json.Unmarshal([]byte(c.payload), &p); err != nil {
		return true, err
	}
	api := s.bot(c.token)
	for _, part := range splitText(p.Text, maxTelegramText) {
		if err := api.sendMessage(ctx, p.ChatID, part); err != nil {
			return botPermanent(err), err
		}
	}
	return false, nil
}

// botPermanent tells whether trying a call again cannot help: a refusal other than 429 and
// server errors.
func botPermanent(err error) bool {
	var be *botError
	return errors.As(err, &be) && be.Code >= 400 && be.Code < 500 && be.Code != 429
}

// maxTelegramText is the longest text of one Telegram message, in UTF-16 code units.
const maxTelegramText = 4096

// splitText cuts text into pieces of at most limit UTF-16 code units, at line ends where it
// can, so that a long reply arrives as several messages rather than not at all.
func splitText(text string, limit int) []string {
	var out []string
	for len(text) > 0 {
		cut, units, lastBreak := len(text), 0, -1
		for i, r := range text {
			units += utf16.RuneLen(r)
			if units > limit {
				cut = i
				break
			}
			if r == '\n' {
				lastBreak = i + 1
			}
		}
		if cut < len(text) && lastBreak > 0 {
			cut = lastBreak
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return out
}
