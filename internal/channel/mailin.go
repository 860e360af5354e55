package channel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// mailKeyPrefix marks the dedup key of a customer email that carries its Message-ID, so that
// a repeated delivery stores once and a reply can name the message it answers.
const mailKeyPrefix = "email:"

// maxMailParts bounds how many MIME parts of one message are looked at, so that a message
// built to nest parts without end cannot keep a connection busy.
const maxMailParts = 100

// noText stands in for the text of a mail that has neither text nor a file Parley keeps: the
// message is stored all the same, because messages are never lost.
const noText = "(no text)"

// MailboxChannel returns the id of the email channel whose address is addr, compared without
// regard to case, as mail systems treat addresses in practice. The oldest channel wins when
// two share an address.
func (s *Service) MailboxChannel(ctx context.Context, addr string) (id string, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM channels WHERE type = ? AND deleted_at IS NULL AND LOWER(address) = ?
			ORDER BY created_at, id LIMIT 1`, string(chat.ChannelEmail), strings.ToLower(addr)).Scan(&id)
	})
	if errs.Is(err, errs.NotFound) {
		return "", errs.New(errs.NotFound, "no email channel has the address %q", addr)
	}
	return id, err
}

// ReceiveMail stores a customer's email to an email channel. envelopeFrom is the SMTP MAIL
// FROM address, used when the message has no usable From header. A mail answering
// (In-Reply-To, References) one of the channel's mails goes to that mail's session, whoever
// sends it; any other goes by the sender's address, the customer's identity, so every mail
// from one address goes to one session. Either way a closed session reopens. A repeated
// Message-ID stores once.
func (s *Service) ReceiveMail(ctx context.Context, channelID, envelopeFrom string, raw []byte) (*InboundResult, error) {
	in, err := parseMail(raw, envelopeFrom)
	if err != nil {
		return nil, err
	}
	in.ChannelID = channelID
	in.Text, in.Files = keepFiles(s.chat.FileLimits(), in.Text, in.Files)
	thread, err := s.threadSession(ctx, channelID, in.refs)
	if err != nil {
		return nil, err
	}
	var r *chat.Receipt
	if thread != "" {
		r, err = s.chat.ReceiveInSessionWith(ctx, chat.SessionInbound{SessionID: thread, Text: in.Text, DedupKey: in.DedupKey, Files: in.Files})
	} else {
		r, err = s.chat.Receive(ctx, in.Inbound)
	}
	if err != nil {
		return nil, err
	}
	s.received.add(chat.ChannelEmail, r)
	return &InboundResult{SessionID: r.Session.ID, MessageID: r.Message.ID, Duplicate: r.Duplicate}, nil
}

// parsedMail is a customer's mail as a chat message, with the Message-IDs it answers.
type parsedMail struct {
	chat.Inbound
	refs []string
}

// parseMail turns an RFC 5322 message into a chat inbound message without a channel.
func parseMail(raw []byte, envelopeFrom string) (parsedMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return parsedMail{}, errs.New(errs.Invalid, "the message cannot be parsed: %v", err)
	}
	from := sender(msg.Header, envelopeFrom)
	if from.Address == "" {
		return parsedMail{}, errs.New(errs.Invalid, "the message names no sender")
	}
	addr := strings.ToLower(from.Address)
	text, files, err := mailText(msg.Header, msg.Body)
	if err != nil {
		return parsedMail{}, errs.New(errs.Invalid, "the message body cannot be read: %v", err)
	}
	return parsedMail{Inbound: chat.Inbound{Identity: addr, Customer: chat.CustomerInfo{Name: from.Name, Email: addr},
		Subject: decodeHeader(msg.Header.Get("Subject")), Text: text, Files: files, DedupKey: mailKey(msg.Header.Get("Message-Id"))},
		refs: mailRefs(msg.Header)}, nil
}

// sender is the From header's first address, or the envelope sender when From is missing or
// broken.
func sender(h mail.Header, envelopeFrom string) *mail.Address {
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		return list[0]
	}
	if a, err := mail.ParseAddress(envelopeFrom); err == nil {
		return a
	}
	return &mail.Address{}
}

// decodeHeader decodes RFC 2047 words; a header in a charset Go cannot decode is kept as it
// came rather than dropped.
func decodeHeader(v string) string {
	dec := &mime.WordDecoder{CharsetReader: charsetReader}
	if d, err := dec.DecodeHeader(v); err == nil {
		v = d
	}
	return truncateRunes(strings.ToValidUTF8(strings.Join(strings.Fields(v), " "), "\uFFFD"), 500)
}

// mailKey is the dedup key of a Message-ID. An id too long for the key is hashed: the repeat
// is still caught, though a reply can then not name it.
func mailKey(messageID string) string {
	id := strings.Trim(strings.TrimSpace(messageID), "<>")
	switch {
	case id == "":
		return ""
	case len(id) > 400:
		sum := sha256.Sum256([]byte(id))
		return "email-sha256:" + hex.EncodeToString(sum[:])
	}
	return mailKeyPrefix + id
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// keepFiles keeps the files of a mail that the server accepts and, for each it cannot keep
// (a type not allowed, too large, one too many), adds a line to the text saying so: refusing
// the whole mail for one attachment would lose the customer's words, and dropping the file
// silently would hide that the customer sent it.
func keepFiles(l chat.FileLimits, text string, files []chat.NewFile) (string, []chat.NewFile) {
	var kept []chat.NewFile
	var notes []string
	var total int64
	for _, f := range files {
		size := int64(len(f.Data))
		mt, _, _ := mime.ParseMediaType(chat.SniffType(f.Name, f.ContentType, f.Data))
		var why string
		switch {
		case size == 0:
			continue
		case !l.Allows(mt):
			why = "this server does not accept files of type " + mt
		case l.MaxFileSize > 0 && size > l.MaxFileSize, l.MaxMessageSize > 0 && total+size > l.MaxMessageSize:
			why = "it is larger than this server accepts"
		case l.MaxFiles > 0 && len(kept) >= l.MaxFiles:
			why = "the mail has more files than a message may carry"
		}
		if why != "" {
			notes = append(notes, fmt.Sprintf("[The attachment %q was not kept: %s.]", chat.CleanFileName(f.Name), why))
			continue
		}
		total += size
		kept = append(kept, f)
	}
	if len(notes) > 0 {
		text = strings.TrimSpace(text + "\n\n" + strings.Join(notes, "\n"))
		if len(text) > chat.MaxText {
			text = strings.ToValidUTF8(text[:chat.MaxText], "")
		}
	}
	if text == "" && len(kept) == 0 {
		text = noText
	}
	return text, kept
}
