package channel

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// tgUpdate is the part of a Bot API Update that Parley reads; the rest is ignored.
type tgUpdate struct {
	UpdateID int64      `json:"update_id"`
	Message  *tgMessage `json:"message,omitempty"`
}

type tgMessage struct {
	MessageID int64         `json:"message_id"`
	From      *tgUser       `json:"from,omitempty"`
	Chat      tgChat        `json:"chat"`
	Text      string        `json:"text,omitempty"`
	Caption   string        `json:"caption,omitempty"`
	Photo     []tgPhotoSize `json:"photo,omitempty"`
	Document  *tgMedia      `json:"document,omitempty"`
	Voice     *tgMedia      `json:"voice,omitempty"`
	Sticker   *tgSticker    `json:"sticker,omitempty"`
	Contact   *tgContact    `json:"contact,omitempty"`
}

type tgChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type tgPhotoSize struct {
	FileID   string `json:"file_id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FileSize int64  `json:"file_size,omitempty"`
}

// tgMedia is a document or a voice message.
type tgMedia struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
}

type tgSticker struct {
	FileID     string `json:"file_id"`
	Emoji      string `json:"emoji,omitempty"`
	IsAnimated bool   `json:"is_animated,omitempty"`
	IsVideo    bool   `json:"is_video,omitempty"`
}

type tgContact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
}

// tgUpdateKey is the dedup key of an update: a repeated update_id of the channel's bot is
// stored once, whether it came twice by webhook or was polled again after a takeover.
func tgUpdateKey(updateID int64) string { return "tg:" + strconv.FormatInt(updateID, 10) }

// ReceiveTelegram stores an update Telegram posted to a telegram channel's webhook. secret is
// the X-Telegram-Bot-Api-Secret-Token header: it must be the one Parley registered for the
// channel, or nothing is read. An update that is not a private chat's message is answered
// and dropped.
func (s *Service) ReceiveTelegram(ctx context.Context, channelID, secret string, body []byte) error {
	var token, want string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT b.token, b.secret FROM telegram_bots b JOIN channels c ON c.id = b.channel_id
			WHERE b.channel_id = ? AND c.deleted_at IS NULL AND b.token <> ''`, channelID).Scan(&token, &want)
	})
	if errs.Is(err, errs.NotFound) || (err == nil && subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1) {
		return errs.New(errs.Unauthorized, "the X-Telegram-Bot-Api-Secret-Token header is not this channel's secret")
	}
	if err != nil {
		return err
	}
	var u tgUpdate
	if err := json.Unmarshal(body, &u); err != nil {
		return errs.New(errs.Invalid, "the update is not a Bot API Update: %v", err)
	}
	_, err = s.receiveUpdate(ctx, channelID, token, u)
	if err != nil && errs.CodeOf(err) != errs.Internal {
		// Telegram sends an update again until it is answered 2xx: one Parley refuses would
		// come back for a day. It is dropped with a warning, as a polled one is.
		s.log.Warn("telegram: an update was refused and is dropped", "channel", channelID, "update_id", u.UpdateID, "err", err)
		return nil
	}
	return err
}

// receiveUpdate stores the update's message when it is one from a private chat; stored is
// false for anything else.
func (s *Service) receiveUpdate(ctx context.Context, channelID, token string, u tgUpdate) (stored bool, err error) {
	m := u.Message
	if m == nil {
		s.log.Debug("telegram: an update without a message is ignored", "channel", channelID, "update_id", u.UpdateID)
		return false, nil
	}
	if m.Chat.Type != "private" {
		// Groups and channels would mix many customers into one session: only private chats
		// are conversations with a customer.
		s.log.Debug("telegram: a message outside a private chat is ignored", "channel", channelID, "chat_type", m.Chat.Type)
		return false, nil
	}
	in := chat.Inbound{ChannelID: channelID, Identity: strconv.FormatInt(m.Chat.ID, 10), Customer: tgCustomer(m),
		Text: tgText(m), DedupKey: tgUpdateKey(u.UpdateID)}
	s.attachTelegramFiles(ctx, s.bot(token), m, &in)
	r, err := s.chat.Receive(ctx, in)
	if err != nil {
		return false, err
	}
	s.received.add(chat.ChannelTelegram, r)
	return true, nil
}

// tgCustomer is who wrote: "First Last (@username)", and their phone number when they shared
// their own contact. A contact of someone else is only the message's text.
func tgCustomer(m *tgMessage) chat.CustomerInfo {
	var c chat.CustomerInfo
	if f := m.From; f != nil {
		c.Name = strings.TrimSpace(f.FirstName + " " + f.LastName)
		switch {
		case f.Username != "" && c.Name != "":
			c.Name += " (@" + f.Username + ")"
		case f.Username != "":
			c.Name = "@" + f.Username
		}
		c.Name = truncateRunes(c.Name, 200)
	}
	if ct := m.Contact; ct != nil && m.From != nil && ct.UserID == m.From.ID {
		c.Phone = tgPhone(ct.PhoneNumber)
	}
	return c
}

// tgPhone is a shared phone number in international form, or "" when it is not one: Telegram
// sends the digits with or without the leading plus.
func tgPhone(p string) string {
	p = strings.TrimSpace(p)
	if p != "" && !strings.HasPrefix(p, "+") {
		p = "+" + p
	}
	if _, err := value.FromNative(value.Type{Kind: value.KindPhone}, p); err != nil {
		return ""
	}
	return p
}

// tgText is the message's text: its text or caption, the emoji of a sticker, a shared contact
// spelled out, or a note for a kind of message Parley does not show, so no message is lost.
func tgText(m *tgMessage) string {
	switch {
	case m.Text != "":
		return m.Text
	case m.Caption != "":
		return m.Caption
	case m.Contact != nil:
		name := strings.TrimSpace(m.Contact.FirstName + " " + m.Contact.LastName)
		return fmt.Sprintf("Shared a contact: %s, %s", name, m.Contact.PhoneNumber)
	case m.Sticker != nil && m.Sticker.Emoji != "":
		return m.Sticker.Emoji
	case len(m.Photo) > 0, m.Document != nil, m.Voice != nil, m.Sticker != nil:
		return "" // the file is the message
	}
	return "(a kind of Telegram message Parley does not show)"
}
