package channel

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPConfig tunes the SMTP listener that takes customers' mail to email channels. Zero
// fields take the defaults in brackets.
type SMTPConfig struct {
	// Hostname is the name the server greets with [the host's name, else "parley"].
	Hostname string
	// MaxSize bounds one message in bytes, attachments included; a larger one is refused
	// with 552 [10 MiB].
	MaxSize int64
	// MaxRecipients bounds the RCPT TO commands of one message [50].
	MaxRecipients int
	// MaxConns bounds the connections served at once; more are told to come back later [100].
	MaxConns int
	// Timeout bounds each command and each message transfer [5m].
	Timeout time.Duration
	// TLS, when set, offers STARTTLS with its certificate [no TLS].
	TLS *tls.Config
	// AuthUser and AuthPassword, when set, make the listener a submission port: a client
	// must log in with AUTH PLAIN, over TLS, before MAIL FROM [open to every sender]. They
	// need TLS: AUTH is never offered in clear.
	AuthUser, AuthPassword string
}

func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if c.Hostname == "" {
		c.Hostname = "parley"
	}
	if c.MaxSize <= 0 {
		c.MaxSize = 10 << 20
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = 50
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 100
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	return c
}

// SMTPServer receives mail for the email channels' addresses and hands each message to chat.
// The protocol is github.com/emersion/go-smtp's (ESMTP with STARTTLS, AUTH, SIZE, 8BITMIME,
// SMTPUTF8, PIPELINING and CHUNKING); what is Parley's is who may send (smtpSession) and
// where the message goes (ReceiveMail).
type SMTPServer struct {
	svc *Service
	cfg SMTPConfig
	log *slog.Logger
	srv *smtp.Server

	mu     sync.Mutex
	ln     net.Listener
	closed bool
	// storing counts messages being stored, which Close waits for.
	storing sync.WaitGroup
}

// NewSMTPServer returns an SMTP receiver for the service's email channels. Call Serve.
func (s *Service) NewSMTPServer(cfg SMTPConfig) *SMTPServer {
	cfg = cfg.withDefaults()
	srv := &SMTPServer{svc: s, cfg: cfg, log: s.log}
	srv.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: srv, conn: c}, nil
	}))
	srv.srv.Domain = cfg.Hostname
	srv.srv.MaxMessageBytes = cfg.MaxSize
	srv.srv.MaxRecipients = cfg.MaxRecipients
	srv.srv.ReadTimeout, srv.srv.WriteTimeout = cfg.Timeout, cfg.Timeout
	srv.srv.TLSConfig = cfg.TLS
	// The message is stored as bytes and its addresses compared as text, so UTF-8 addresses
	// and headers (RFC 6531) need nothing more of us.
	srv.srv.EnableSMTPUTF8 = true
	// A password is never taken in clear: without TLS the listener offers no AUTH, and
	// configuration refuses credentials without a certificate.
	srv.srv.AllowInsecureAuth = false
	srv.srv.ErrorLog = slogPrintf{s.log}
	return srv
}

// Serve accepts connections on ln until Close, and then returns nil.
func (srv *SMTPServer) Serve(ln net.Listener) error {
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		ln.Close()
		return nil
	}
	srv.ln = ln
	srv.mu.Unlock()
	err := srv.srv.Serve(&busyListener{Listener: ln, sem: make(chan struct{}, srv.cfg.MaxConns), hostname: srv.cfg.Hostname})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Addr is the address the server listens on, or nil before Serve.
func (srv *SMTPServer) Addr() net.Addr {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.ln == nil {
		return nil
	}
	return srv.ln.Addr()
}

// Close stops listening, drops the open connections and waits for the messages being stored.
// Such a message still commits; its sender sees the connection drop and sends it again, which
// the Message-ID makes harmless.
func (srv *SMTPServer) Close() error {
	srv.mu.Lock()
	srv.closed = true
	ln := srv.ln
	srv.mu.Unlock()
	err := srv.srv.Close()
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	if ln != nil {
		// Serve may not have handed the listener to go-smtp yet; closing it here ends the
		// Accept either way.
		_ = ln.Close()
	}
	srv.storing.Wait()
	return err
}

// beginStore registers a message about to be stored; it reports false once the server closes.
func (srv *SMTPServer) beginStore() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return false
	}
	srv.storing.Add(1)
	return true
}

// deliverContext bounds storing one message after its transfer. It does not end with Close,
// so that a message whose transfer finished is not lost half-way.
func (srv *SMTPServer) deliverContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), srv.cfg.Timeout)
}

// checkAuth is the AUTH PLAIN check of the configured credentials, in constant time so that
// the answer's timing tells nothing about how much of a guess was right.
func (srv *SMTPServer) checkAuth(user, password string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(srv.cfg.AuthUser))
	p := subtle.ConstantTimeCompare([]byte(password), []byte(srv.cfg.AuthPassword))
	return u&p == 1
}

// busyListener serves at most cap(sem) connections at once and tells the others, with 421,
// to come back later, so that a flood of connections cannot exhaust the node.
type busyListener struct {
	net.Listener
	sem      chan struct{}
	hostname string
}

func (l *busyListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &countedConn{Conn: conn, release: func() { <-l.sem }}, nil
		default:
			_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(conn, "421 4.3.2 "+l.hostname+" too busy, try again later\r\n")
			conn.Close()
		}
	}
}

// countedConn gives its place back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// slogPrintf logs go-smtp's connection errors (a client that hung up, a failed TLS
// handshake) at debug level: they are the client's business, not the operator's.
type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(format string, v ...any) {
	l.log.Debug("smtp", "detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l slogPrintf) Println(v ...any) {
	l.log.Debug("smtp", "detail", strings.TrimSpace(fmt.Sprintln(v...)))
}

// plainAuth is AUTH PLAIN against the listener's credentials.
func (c *smtpSession) plainAuth() sasl.Server {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if (identity != "" && identity != user) || !c.srv.checkAuth(user, password) {
			return smtp.ErrAuthFailed
		}
		c.authed = true
		return nil
	})
}
