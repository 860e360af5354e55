package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// telegramPayload is a queued reply to a Telegram chat. Files are read when sent, by their
// attachment ids, rather than copied into the queue.
type telegramPayload struct {
	ChatID int64             `json:"chat_id"`
	Text   string            `json:"text"`
	Files  []chat.Attachment `json:"files,omitempty"`
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
	m := e.Snapshot.LastMessage
	body, err := json.Marshal(telegramPayload{ChatID: chatID, Text: m.Text, Files: m.Attachments})
	if err != nil {
		return err
	}
	return insertDelivery(ctx, tx, store.NewID("dlv"), e, string(body), "")
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

// telegram sends one telegram delivery: the text, cut into messages Telegram takes, then each
// file, a picture with sendPhoto and anything else with sendDocument; a lone file takes a
// short text as its caption. A 429 answer is tried again after its retry_after; other
// refusals (the customer blocked the bot, the chat is gone, the token was revoked) fail the
// delivery at once, and an unreachable API or a 5xx answer is tried again with backoff. A
// retry sends the whole reply again: Telegram has no idempotency key, so a customer may see
// part of a reply twice, never none of it.
func (s *Service) telegram(ctx context.Context, c claimed) (permanent bool, err error) {
	if c.token == "" {
		return true, errors.New("the telegram channel was deleted")
	}
	var p telegramPayload
	if err := json.Unmarshal([]byte(c.payload), &p); err != nil {
		return true, err
	}
	api := s.bot(c.token)
	caption := ""
	if len(p.Files) == 1 && utf16Len(p.Text) <= maxTelegramCaption {
		caption, p.Text = p.Text, ""
	}
	for _, part := range splitText(p.Text, maxTelegramText) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		err := api.sendMessage(cctx, p.ChatID, part)
		cancel()
		if err != nil {
			return botPermanent(err), err
		}
	}
	for _, f := range p.Files {
		if err := s.sendTelegramFile(ctx, api, p.ChatID, f, caption); err != nil {
			return botPermanent(err) || errs.Is(err, errs.NotFound), err
		}
	}
	return false, nil
}

// sendTelegramFile uploads one attachment. A picture Telegram will not take as a photo (too
// large, odd proportions) goes again as a document.
func (s *Service) sendTelegramFile(ctx context.Context, api *botAPI, chatID int64, f chat.Attachment, caption string) error {
	a, data, err := s.chat.OpenAttachment(ctx, f.ID)
	if err != nil {
		return err
	}
	// An upload of several megabytes takes longer than a text message.
	ctx, cancel := context.WithTimeout(ctx, 3*s.cfg.Timeout)
	defer cancel()
	if a.Image {
		err = api.sendFile(ctx, "sendPhoto", "photo", chatID, a.Name, a.ContentType, data, caption)
		var be *botError
		if !errors.As(err, &be) || be.Code != 400 {
			return err
		}
	}
	return api.sendFile(ctx, "sendDocument", "document", chatID, a.Name, a.ContentType, data, caption)
}

// botPermanent tells whether trying a call again cannot help: a refusal other than 429 and
// server errors.
func botPermanent(err error) bool {
	var be *botError
	return errors.As(err, &be) && be.Code >= 400 && be.Code < 500 && be.Code != 429
}

// maxTelegramText is the longest text of one Telegram message, maxTelegramCaption of a file's
// caption, in UTF-16 code units.
const (
	maxTelegramText    = 4096
	maxTelegramCaption = 1024
)

func utf16Len(s string) (n int) {
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

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
