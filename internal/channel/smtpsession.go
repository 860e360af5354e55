package channel

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// errLineTooLong ends a connection whose command line does not fit the read buffer.
var errLineTooLong = errors.New("command line too long")

// smtpSession is one SMTP connection: the greeting it got and the message being sent.
type smtpSession struct {
	srv  *SMTPServer
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer

	greeted  bool
	hasFrom  bool
	from     string
	channels []string // the email channels named by RCPT TO
}

// serve answers commands until QUIT, an error or the server's Close.
func (c *smtpSession) serve() {
	c.reply(220, c.srv.cfg.Hostname+" Parley ESMTP ready")
	for {
		_ = c.conn.SetDeadline(time.Now().Add(c.srv.cfg.Timeout))
		line, err := c.readLine()
		if errors.Is(err, errLineTooLong) {
			c.reply(500, "5.5.2 line too long")
			return
		}
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !c.handle(strings.ToUpper(verb), strings.TrimSpace(arg)) {
			return
		}
	}
}

func (c *smtpSession) readLine() (string, error) {
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errLineTooLong
	}
	return strings.TrimRight(string(line), "\r\n"), err
}

// reply writes a (possibly multi-line) answer and flushes it.
func (c *smtpSession) reply(code int, lines ...string) {
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(c.w, "%d%s%s\r\n", code, sep, l)
	}
	_ = c.w.Flush()
}

// handle answers one command; it reports false when the connection is to end.
func (c *smtpSession) handle(verb, arg string) bool {
	switch verb {
	case "HELO", "EHLO":
		c.greet(verb)
	case "MAIL":
		c.mail(arg)
	case "RCPT":
		c.rcpt(arg)
	case "DATA":
		return c.data()
	case "RSET":
		c.reset()
		c.reply(250, "2.0.0 OK")
	case "NOOP":
		c.reply(250, "2.0.0 OK")
	case "VRFY":
		c.reply(252, "2.1.5 send some mail and see")
	case "QUIT":
		c.reply(221, "2.0.0 bye")
		return false
	default:
		c.reply(502, "5.5.1 command not implemented")
	}
	return true
}

func (c *smtpSession) reset() { c.hasFrom, c.from, c.channels = false, "", nil }

func (c *smtpSession) greet(verb string) {
	c.reset()
	c.greeted = true
	if verb == "HELO" {
		c.reply(250, c.srv.cfg.Hostname)
		return
	}
	c.reply(250, c.srv.cfg.Hostname, "SIZE "+strconv.FormatInt(c.srv.cfg.MaxSize, 10), "8BITMIME", "ENHANCEDSTATUSCODES")
}

// mail starts a message. A SIZE parameter over the bound is refused here, before the
// client sends the message.
func (c *smtpSession) mail(arg string) {
	addr, params, ok := pathArg(arg, "FROM:")
	switch {
	case !c.greeted:
		c.reply(503, "5.5.1 say EHLO first")
	case c.hasFrom:
		c.reply(503, "5.5.1 a message is already started")
	case !ok:
		c.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
	case sizeParam(params) > c.srv.cfg.MaxSize:
		c.reply(552, fmt.Sprintf("5.3.4 message larger than the limit of %d bytes", c.srv.cfg.MaxSize))
	default:
		c.hasFrom, c.from = true, addr
		c.reply(250, "2.1.0 OK")
	}
}

// rcpt adds a recipient, which must be an email channel's address.
func (c *smtpSession) rcpt(arg string) {
	addr, _, ok := pathArg(arg, "TO:")
	switch {
	case !c.hasFrom:
		c.reply(503, "5.5.1 send MAIL FROM first")
		return
	case !ok || addr == "":
		c.reply(501, "5.5.4 syntax: RCPT TO:<address>")
		return
	case len(c.channels) >= c.srv.cfg.MaxRecipients:
		c.reply(452, "4.5.3 too many recipients")
		return
	}
	ctx, cancel := c.srv.deliverContext()
	defer cancel()
	id, err := c.srv.svc.MailboxChannel(ctx, addr)
	switch {
	case errs.Is(err, errs.NotFound):
		c.reply(550, "5.1.1 no such mailbox: "+addr)
	case err != nil:
		c.srv.log.Error("smtp: looking up a recipient failed", "rcpt", addr, "err", err)
		c.reply(451, "4.3.0 temporary failure, try again later")
	default:
		if !slices.Contains(c.channels, id) {
			c.channels = append(c.channels, id)
		}
		c.reply(250, "2.1.5 OK")
	}
}

// pathArg parses "FROM:<addr> PARAMS" (or TO:). The null path <> is a valid sender.
func pathArg(arg, prefix string) (addr, params string, ok bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		addr, params, _ = strings.Cut(rest, " ")
		return addr, params, addr != ""
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", "", false
	}
	return rest[1:end], strings.TrimSpace(rest[end+1:]), true
}

// sizeParam is the SIZE= of MAIL FROM's parameters, or 0.
func sizeParam(params string) int64 {
	for _, p := range strings.Fields(params) {
		if k, v, _ := strings.Cut(p, "="); strings.EqualFold(k, "SIZE") {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// data reads the message and stores it in each recipient channel. It reports false when the
// connection broke during the transfer.
func (c *smtpSession) data() bool {
	if len(c.channels) == 0 {
		c.reply(503, "5.5.1 send RCPT TO first")
		return true
	}
	c.reply(354, "end the message with <CRLF>.<CRLF>")
	_ = c.conn.SetDeadline(time.Now().Add(c.srv.cfg.Timeout))
	dr := textproto.NewReader(c.r).DotReader()
	raw, err := io.ReadAll(io.LimitReader(dr, c.srv.cfg.MaxSize+1))
	if err == nil && int64(len(raw)) > c.srv.cfg.MaxSize {
		// Read the rest so that the connection stays in step for the next command.
		_, err = io.Copy(io.Discard, dr)
		if err == nil {
			c.reply(552, fmt.Sprintf("5.3.4 message larger than the limit of %d bytes", c.srv.cfg.MaxSize))
		}
	} else if err == nil {
		c.deliver(raw)
	}
	c.reset()
	return err == nil
}

// deliver hands the message to every recipient channel. A message that can never be stored
// is refused for good (554); a failure of ours asks the sender to try again (451), which the
// Message-ID makes safe for the channels that took it already.
func (c *smtpSession) deliver(raw []byte) {
	ctx, cancel := c.srv.deliverContext()
	defer cancel()
	for _, id := range c.channels {
		_, err := c.srv.svc.ReceiveMail(ctx, id, c.from, raw)
		var e *errs.Error
		switch {
		case errors.As(err, &e) && permanentCode(e.Code):
			c.reply(554, "5.6.0 "+oneLine(e.Message))
			return
		case err != nil:
			c.srv.log.Error("smtp: storing a message failed", "channel", id, "from", c.from, "err", err)
			c.reply(451, "4.3.0 temporary failure, try again later")
			return
		}
	}
	c.reply(250, "2.0.0 OK: queued")
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
