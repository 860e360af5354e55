package channel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"time"
)

// RelayTLS is how the connection to the SMTP relay is protected (--smtp-relay-tls).
type RelayTLS string

// The relay TLS policies.
const (
	// RelayTLSAuto upgrades with STARTTLS when the relay offers it and goes on in clear when
	// it does not; AUTH is then refused unless the relay is on this host.
	RelayTLSAuto RelayTLS = "auto"
	// RelayTLSStartTLS requires STARTTLS (port 587, or 25 between servers).
	RelayTLSStartTLS RelayTLS = "starttls"
	// RelayTLSImplicit speaks TLS from the first byte (port 465).
	RelayTLSImplicit RelayTLS = "tls"
	// RelayTLSNone never uses TLS, for a relay on a trusted local network.
	RelayTLSNone RelayTLS = "none"
)

// ParseRelayTLS checks a policy's name; "" is RelayTLSAuto.
func ParseRelayTLS(s string) (RelayTLS, error) {
	switch p := RelayTLS(s); p {
	case "":
		return RelayTLSAuto, nil
	case RelayTLSAuto, RelayTLSStartTLS, RelayTLSImplicit, RelayTLSNone:
		return p, nil
	}
	return "", fmt.Errorf("must be auto, starttls, tls or none, not %q", s)
}

// relaySetupError is a relay that cannot be used as configured: no STARTTLS where it is
// required, a certificate that does not verify, AUTH that would go in clear. Trying the same
// delivery again cannot help, so it fails at once with the reason for the administrator.
type relaySetupError struct{ err error }

func (e *relaySetupError) Error() string { return "relay setup: " + e.err.Error() }
func (e *relaySetupError) Unwrap() error { return e.err }

// sendSMTP speaks SMTP to the relay, within Timeout and until ctx ends.
//
// The client is the standard library's net/smtp rather than go-smtp's: it can upgrade with
// STARTTLS on an open connection only when the relay offers it (RelayTLSAuto, which go-smtp's
// client cannot do without a second connection), it asks for SMTPUTF8 by itself when the
// relay offers it, and its PlainAuth refuses to send a password over a connection without TLS
// to any host but this one — the safety we want whatever the policy says.
func (s *Service) sendSMTP(ctx context.Context, p mailPayload) error {
	relay := s.cfg.SMTPRelay
	host, _, _ := net.SplitHostPort(relay)
	tlsConf := s.relayTLSConfig(host)
	d := net.Dialer{Timeout: s.cfg.Timeout}
	var conn net.Conn
	var err error
	if s.cfg.SMTPRelayTLS == RelayTLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", relay)
	} else {
		conn, err = d.DialContext(ctx, "tcp", relay)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	_ = conn.SetDeadline(time.Now().Add(s.cfg.Timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if err := c.Hello(domainOf(p.From)); err != nil {
		return err
	}
	if err := s.secure(c, host, tlsConf); err != nil {
		return err
	}
	if err := transfer(c, p); err != nil {
		return err
	}
	// The relay took the message; a failed goodbye must not make us send it again.
	_ = c.Quit()
	return nil
}

// relayTLSConfig is the TLS configuration that verifies the relay as host.
func (s *Service) relayTLSConfig(host string) *tls.Config {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.SMTPRelayTLSConfig != nil {
		conf = s.cfg.SMTPRelayTLSConfig.Clone()
	}
	conf.ServerName = host
	return conf
}

// secure applies the TLS policy after EHLO and logs in when credentials are configured.
func (s *Service) secure(c *smtp.Client, host string, tlsConf *tls.Config) error {
	offered, _ := c.Extension("STARTTLS")
	switch policy := s.cfg.SMTPRelayTLS; {
	case policy == RelayTLSStartTLS && !offered:
		return &relaySetupError{fmt.Errorf("the relay does not offer STARTTLS, which --smtp-relay-tls=starttls requires")}
	case offered && (policy == RelayTLSStartTLS || policy == RelayTLSAuto):
		if err := c.StartTLS(tlsConf); err != nil {
			return &relaySetupError{fmt.Errorf("STARTTLS: %w", err)}
		}
	}
	if s.cfg.SMTPRelayUser == "" {
		return nil
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return &relaySetupError{fmt.Errorf("the relay offers no AUTH, but --smtp-relay-user is set")}
	}
	err := c.Auth(smtp.PlainAuth("", s.cfg.SMTPRelayUser, s.cfg.SMTPRelayPassword, host))
	var answer *textproto.Error
	if err != nil && !errors.As(err, &answer) {
		// PlainAuth's own refusal: the connection has no TLS.
		return &relaySetupError{err}
	}
	return err
}

func transfer(c *smtp.Client, p mailPayload) error {
	if err := c.Mail(p.From); err != nil {
		return err
	}
	if err := c.Rcpt(p.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, p.Data); err != nil {
		return err
	}
	return w.Close()
}
