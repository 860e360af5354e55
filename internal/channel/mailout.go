package channel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// errNoRelay fails the mail deliveries of a node that has no relay to send them through. They
// are recorded as failed rather than held: an administrator sees at once, in the channel's
// deliveries, why the customer got no answer.
var errNoRelay = errors.New("no SMTP relay is configured: start parley serve with --smtp-relay (PARLEY_SMTP_RELAY)")

// mailPayload is a queued email: the envelope and the message, composed when the reply was
// queued so that every attempt sends the same Message-ID. A reply with files has Data end
// inside its multipart/mixed body: the files, named by their attachment ids, are read and
// appended when it is sent, so that the queue does not hold a second copy of every file.
type mailPayload struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Data     string   `json:"data"`
	Boundary string   `json:"boundary,omitempty"`
	Files    []string `json:"files,omitempty"`
}

// mailReply is what an emailed reply is made of.
type mailReply struct {
	from, fromName, to, toName string
	subject, messageID         string
	// inReplyTo and references thread the reply (RFC 5322 3.6.4): see threadOf.
	inReplyTo  string
	references []string
	sent       time.Time
	text       string
	// boundary separates the parts of a reply with files; "" for a text-only reply.
	boundary string
	// automated marks a process's reply, so that well-behaved autoresponders (out-of-office
	// replies) do not answer it: without that, a process that replies to every customer
	// message and an autoresponder would mail each other for ever (RFC 3834).
	automated bool
}

// queueMail writes the email delivery of an operator's or process's reply in an email
// channel's session: from the channel's address to the customer's, in the thread of the
// session's mail, with its own Message-ID, which the delivery row keeps so that the
// customer's answer finds the session again.
func queueMail(ctx context.Context, tx *store.Tx, e chat.Event) error {
	to, err := customerIdentity(ctx, tx, e.SessionID)
	if err != nil {
		return err
	}
	var from string
	if err := tx.QueryRow(ctx, "SELECT address FROM channels WHERE id = ?", e.Snapshot.Session.ChannelID).Scan(&from); err != nil {
		return err
	}
	thread, err := threadOf(ctx, tx, e.SessionID)
	if err != nil {
		return err
	}
	m, snap := e.Snapshot.LastMessage, e.Snapshot
	r := mailReply{from: from, fromName: firstNonEmpty(m.AuthorName, snap.LiveChat.Name), to: to, toName: snap.Customer.Name,
		subject: replySubject(firstNonEmpty(snap.Session.Subject, snap.Session.Name)), messageID: "<" + m.ID + "@" + domainOf(from) + ">",
		inReplyTo: thread.inReplyTo, references: thread.references, sent: m.SentAt, text: m.Text, automated: m.Author == chat.AuthorProcess}
	p := mailPayload{From: from, To: to}
	for _, a := range m.Attachments {
		p.Files = append(p.Files, a.ID)
	}
	if len(p.Files) > 0 {
		// "=_" cannot occur in quoted-printable or base64 text, so no part can contain it.
		r.boundary = "=_parley_" + m.ID
		p.Boundary = r.boundary
	}
	p.Data = composeMail(r)
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return insertDelivery(ctx, tx, store.NewID("dlv"), e, string(body), r.messageID)
}

// replySubject is "Re: " and the subject, without stacking a second "Re:".
func replySubject(subject string) string {
	subject = oneLine(subject)
	if len(subject) >= 3 && strings.EqualFold(subject[:3], "re:") {
		return subject
	}
	return "Re: " + subject
}

func domainOf(addr string) string { return addr[strings.LastIndexByte(addr, '@')+1:] }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// composeMail writes the reply as an RFC 5322 message with CRLF line ends: plain UTF-8 text,
// quoted-printable so that no line is too long for a relay. A reply with files is
// multipart/mixed, and stops after its text part for appendFiles to finish.
func composeMail(r mailReply) string {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", (&mail.Address{Name: oneLine(r.fromName), Address: r.from}).String())
	header("To", (&mail.Address{Name: oneLine(r.toName), Address: r.to}).String())
	header("Subject", mime.QEncoding.Encode("utf-8", r.subject))
	header("Date", r.sent.UTC().Format(time.RFC1123Z))
	header("Message-ID", r.messageID)
	if r.inReplyTo != "" {
		header("In-Reply-To", r.inReplyTo)
		// One id a line keeps each line short whatever the thread's length.
		header("References", strings.Join(r.references, "\r\n "))
	}
	if r.automated {
		header("Auto-Submitted", "auto-generated")
	}
	header("MIME-Version", "1.0")
	if r.boundary != "" {
		header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": r.boundary}))
		b.WriteString("\r\n")
		if r.text == "" {
			return b.String()
		}
		b.WriteString("--" + r.boundary + "\r\n")
	}
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(r.text, "\r\n", "\n")))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.String()
}

// appendFiles finishes a reply with files: each file a base64 part, named for the customer's
// mail client (RFC 2231 when the name is not ASCII), then the closing boundary.
func (s *Service) appendFiles(ctx context.Context, p mailPayload) (string, error) {
	var b strings.Builder
	b.WriteString(p.Data)
	for _, id := range p.Files {
		a, data, err := s.chat.OpenAttachment(ctx, id)
		if err != nil {
			return "", err
		}
		ct, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil {
			ct, params = "application/octet-stream", map[string]string{}
		}
		params["name"] = a.Name
		b.WriteString("--" + p.Boundary + "\r\n")
		b.WriteString("Content-Type: " + mime.FormatMediaType(ct, params) + "\r\n")
		b.WriteString("Content-Disposition: " + mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}) + "\r\n")
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--" + p.Boundary + "--\r\n")
	return b.String(), nil
}

// mail sends one email delivery through the relay. A 5xx answer is permanent; a 4xx answer
// and a broken connection are tried again.
func (s *Service) mail(ctx context.Context, c claimed) (permanent bool, err error) {
	if s.cfg.SMTPRelay == "" {
		return true, errNoRelay
	}
	var p mailPayload
	if err := json.Unmarshal([]byte(c.payload), &p); err != nil {
		return true, err
	}
	if len(p.Files) > 0 {
		if p.Data, err = s.appendFiles(ctx, p); err != nil {
			// A file that is gone will not come back; a database that failed may.
			return errs.Is(err, errs.NotFound), fmt.Errorf("reading the reply's files: %w", err)
		}
	}
	err = s.sendSMTP(ctx, p)
	var e *textproto.Error
	var setup *relaySetupError
	switch {
	case errors.As(err, &e):
		return e.Code >= 500, fmt.Errorf("SMTP %d: %s", e.Code, e.Msg)
	case errors.As(err, &setup):
		return true, err
	}
	return false, err
}
