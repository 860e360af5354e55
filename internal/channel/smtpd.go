package channel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
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
// It is a small receiver of its own: it speaks enough ESMTP (RFC 5321 with SIZE and 8BITMIME)
// for mail transfer agents and relays to deliver to it, and no more; TLS and authentication
// belong to the mail system in front of it.
type SMTPServer struct {
	svc *Service
	cfg SMTPConfig
	log *slog.Logger
	sem chan struct{}

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewSMTPServer returns an SMTP receiver for the service's email channels. Call Serve.
func (s *Service) NewSMTPServer(cfg SMTPConfig) *SMTPServer {
	cfg = cfg.withDefaults()
	return &SMTPServer{svc: s, cfg: cfg, log: s.log, sem: make(chan struct{}, cfg.MaxConns), conns: map[net.Conn]struct{}{}}
}

// Serve accepts connections on ln until Close, and then returns nil.
func (srv *SMTPServer) Serve(ln net.Listener) error {
	if !srv.track(ln, nil) {
		ln.Close()
		return nil
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			if srv.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			srv.log.Warn("smtp: accept failed", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		srv.accept(conn)
	}
}

// accept serves a connection, or turns it away with 421 when MaxConns are being served.
func (srv *SMTPServer) accept(conn net.Conn) {
	select {
	case srv.sem <- struct{}{}:
	default:
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = fmt.Fprintf(conn, "421 4.3.2 %s too busy, try again later\r\n", srv.cfg.Hostname)
		conn.Close()
		return
	}
	if !srv.track(nil, conn) {
		conn.Close()
		<-srv.sem
		return
	}
	go func() {
		defer func() { srv.untrack(conn); conn.Close(); <-srv.sem; srv.wg.Done() }()
		c := &smtpSession{srv: srv, conn: conn, r: bufio.NewReaderSize(conn, 4096), w: bufio.NewWriter(conn)}
		c.serve()
	}()
}

// track records the listener or a connection so that Close can end it; it reports false once
// the server is closed.
func (srv *SMTPServer) track(ln net.Listener, conn net.Conn) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return false
	}
	if ln != nil {
		srv.ln = ln
	}
	if conn != nil {
		srv.conns[conn] = struct{}{}
		srv.wg.Add(1)
	}
	return true
}

func (srv *SMTPServer) untrack(conn net.Conn) {
	srv.mu.Lock()
	delete(srv.conns, conn)
	srv.mu.Unlock()
}

func (srv *SMTPServer) isClosed() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.closed
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

// Close stops listening, drops the open connections and waits for their handlers. A message
// being stored still commits; its sender sees the connection drop and sends it again, which
// the Message-ID makes harmless.
func (srv *SMTPServer) Close() error {
	srv.mu.Lock()
	srv.closed = true
	var err error
	if srv.ln != nil {
		err = srv.ln.Close()
	}
	for c := range srv.conns {
		c.Close()
	}
	srv.mu.Unlock()
	srv.wg.Wait()
	return err
}

// deliverContext bounds storing one message after its transfer. It does not end with Close,
// so that a message whose transfer finished is not lost half-way.
func (srv *SMTPServer) deliverContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), srv.cfg.Timeout)
}
