package channel

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/parleychat/parley/internal/errs"
)

// smtpSession is one SMTP conversation: whether the client logged in, and the message being
// sent. go-smtp makes a new one after STARTTLS, so nothing said in clear carries over.
type smtpSession struct {
	srv      *SMTPServer
	conn     *smtp.Conn
	authed   bool
	from     string
	channels []string // the email channels named by RCPT TO
}

var _ smtp.AuthSession = (*smtpSession)(nil)

// errAuthRequired answers MAIL FROM on a submission listener before AUTH (RFC 4954).
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

// errTryLater answers when our database failed: the sender keeps the message and tries again.
var errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}

func (c *smtpSession) Reset()        { c.from, c.channels = "", nil }
func (c *smtpSession) Logout() error { return nil }

// AuthMechanisms offers AUTH PLAIN when the listener has credentials; go-smtp offers it only
// over TLS.
func (c *smtpSession) AuthMechanisms() []string {
	if c.srv.cfg.AuthUser == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (c *smtpSession) Auth(mech string) (sasl.Server, error) {
	if c.srv.cfg.AuthUser == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return c.plainAuth(), nil
}

// Mail starts a message. go-smtp has refused a SIZE over the bound already, with 552.
func (c *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if c.srv.cfg.AuthUser != "" && !c.authed {
		return errAuthRequired
	}
	c.from, c.channels = from, nil
	return nil
}

// Rcpt adds a recipient, which must be an email channel's address: the listener relays
// nothing, so mail for anyone else gets 550.
func (c *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "" {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "syntax: RCPT TO:<address>"}
	}
	ctx, cancel := c.srv.deliverContext()
	defer cancel()
	id, err := c.srv.svc.MailboxChannel(ctx, to)
	switch {
	case errs.Is(err, errs.NotFound):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox: " + oneLine(to)}
	case err != nil:
		c.srv.log.Error("smtp: looking up a recipient failed", "rcpt", to, "err", err)
		return errTryLater
	}
	if !slices.Contains(c.channels, id) {
		c.channels = append(c.channels, id)
	}
	return nil
}

// Data reads the message and stores it in each recipient channel. go-smtp's reader stops at
// MaxSize with 552 and reads the rest itself, so the connection stays in step.
func (c *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !c.srv.beginStore() {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "shutting down, try again later"}
	}
	defer c.srv.storing.Done()
	return c.deliver(raw)
}

// deliver hands the message to every recipient channel. A message that can never be stored
// is refused for good (554); a failure of ours asks the sender to try again (451), which the
// Message-ID makes safe for the channels that took it already.
func (c *smtpSession) deliver(raw []byte) error {
	ctx, cancel := c.srv.deliverContext()
	defer cancel()
	for _, id := range c.channels {
		_, err := c.srv.svc.ReceiveMail(ctx, id, c.from, raw)
		var e *errs.Error
		switch {
		case errors.As(err, &e) && permanentCode(e.Code):
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(e.Message)}
		case err != nil:
			c.srv.log.Error("smtp: storing a message failed", "channel", id, "from", c.from, "err", err)
			return errTryLater
		}
	}
	return nil
}

// permanentCode says whether an error of chat's is about the message itself, so that sending
// it again cannot help.
func permanentCode(c errs.Code) bool {
	return c == errs.Invalid || c == errs.NotFound || c == errs.TooLarge || c == errs.Forbidden
}

// oneLine keeps a reason to one reply line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
