package channel_test

// Mail over TLS with AUTH, on real sockets: the listener with STARTTLS and AUTH PLAIN driven
// by net/smtp, and the delivery queue against a go-smtp relay that requires both.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// selfSigned makes a certificate for 127.0.0.1 and localhost, and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// sendMail is net/smtp.SendMail with the test's roots: STARTTLS, then AUTH PLAIN when auth is
// given, then the message.
func sendMail(addr string, roots *x509.CertPool, auth smtp.Auth, from, to string, msg []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: roots}); err != nil {
		return err
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestMailListenerTLSAndAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		cert, roots := selfSigned(t)
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		addr := listenSMTP(t, svc, channel.SMTPConfig{TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
			AuthUser: "mx", AuthPassword: "s3cret-pass"})
		msg := mailFrom("Иван <ivan@example.org>", "<tls1@example.org>", "Заказ", "Привет из TLS")

		// Without TLS the listener offers no AUTH, and without AUTH it takes no mail.
		c, err := smtp.Dial(addr)
		f.must(err)
		f.must(c.Hello("client.example.org"))
		if ok, _ := c.Extension("AUTH"); ok {
			t.Fatal("AUTH is offered over a connection in clear")
		}
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("STARTTLS is not offered")
		}
		if err := c.Mail("ivan@example.org"); smtpCode(err) != 530 {
			t.Fatalf("MAIL without AUTH: %v, want 530", err)
		}
		c.Close()
		if err := sendMail(addr, roots, smtp.PlainAuth("", "mx", "wrong", "127.0.0.1"), "ivan@example.org", mailbox, msg); smtpCode(err) != 535 {
			t.Fatalf("a wrong password: %v, want 535", err)
		}
		if err := sendMail(addr, roots, nil, "ivan@example.org", mailbox, msg); smtpCode(err) != 530 {
			t.Fatalf("TLS without AUTH: %v, want 530", err)
		}
		f.must(sendMail(addr, roots, smtp.PlainAuth("", "mx", "s3cret-pass", "127.0.0.1"), "ivan@example.org", mailbox, msg))
		s, msgs := f.emailSession(ch.ID)
		if s.Customer.Name != "Иван" || len(msgs) != 1 || msgs[0].Text != "Привет из TLS" {
			t.Fatalf("session %+v, messages %+v", s, msgs)
		}
		// Logged in, a recipient that is no channel's address is still refused.
		err = sendMail(addr, roots, smtp.PlainAuth("", "mx", "s3cret-pass", "127.0.0.1"), "ivan@example.org", "else@example.com", msg)
		if smtpCode(err) != 550 {
			t.Fatalf("an unknown recipient after AUTH: %v, want 550", err)
		}
	})
}

// tlsRelay is a go-smtp relay that requires STARTTLS and AUTH PLAIN, and records what it took.
type tlsRelay struct {
	user, password string
	mu             sync.Mutex
	got            []string
}

type tlsRelaySession struct {
	r      *tlsRelay
	authed bool
}

func (s *tlsRelaySession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *tlsRelaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.r.user || password != s.r.password {
			return gosmtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}
func (s *tlsRelaySession) Mail(string, *gosmtp.MailOptions) error {
	if !s.authed {
		return gosmtp.ErrAuthRequired
	}
	return nil
}
func (s *tlsRelaySession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *tlsRelaySession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	s.r.mu.Lock()
	s.r.got = append(s.r.got, string(data))
	s.r.mu.Unlock()
	return err
}
func (s *tlsRelaySession) Reset()        {}
func (s *tlsRelaySession) Logout() error { return nil }

// startTLSRelay serves the relay on a free port; implicit speaks TLS from the first byte, and
// withTLS false offers no STARTTLS at all.
func startTLSRelay(t *testing.T, cert tls.Certificate, implicit, withTLS bool) (*tlsRelay, string) {
	t.Helper()
	r := &tlsRelay{user: "parley", password: "relay-pass"}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) { return &tlsRelaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	srv.ErrorLog = nopLogger{}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}}
	if withTLS {
		srv.TLSConfig = conf
	}
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", conf)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return r, ln.Addr().String()
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

func TestMailRelayTLSAndAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cert, roots := selfSigned(t)
		f := newFixture(t, db, "")
		ch := f.emailChannel()
		r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: ch.ID, Identity: "ann@example.org", Text: "hi", DedupKey: "email:c1@example.org"})
		f.must(err)
		reply := func(svc *channel.Service, text string) *channel.Delivery {
			t.Helper()
			m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.Session.ID, Text: text, By: chat.UserActor(f.operator)})
			f.must(err)
			return f.waitDeliveryOn(svc, ch.ID, m.ID)
		}
		base := channel.WebhookConfig{SMTPRelayUser: "parley", SMTPRelayPassword: "relay-pass", SMTPRelayTLSConfig: &tls.Config{RootCAs: roots}}

		rl, addr := startTLSRelay(t, cert, false, true)
		cfg := base
		cfg.SMTPRelay, cfg.SMTPRelayTLS = addr, channel.RelayTLSStartTLS
		svc, stop := f.service(cfg)
		if d := reply(svc, "over STARTTLS"); d.State != channel.Delivered {
			t.Fatalf("STARTTLS and AUTH: %+v", d)
		}
		rl.mu.Lock()
		if len(rl.got) != 1 || !strings.Contains(rl.got[0], "over STARTTLS") {
			t.Fatalf("the relay got %q", rl.got)
		}
		rl.mu.Unlock()
		stop()

		// A wrong password fails at once, with the relay's answer as the reason.
		cfg.SMTPRelayPassword = "wrong"
		svc, stop = f.service(cfg)
		if d := reply(svc, "bad password"); d.State != channel.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "535") {
			t.Fatalf("a wrong password: %+v", d)
		}
		stop()

		// STARTTLS required from a relay that has none: failed, saying why.
		_, plainAddr := startTLSRelay(t, cert, false, false)
		cfg = base
		cfg.SMTPRelay, cfg.SMTPRelayTLS = plainAddr, channel.RelayTLSStartTLS
		svc, stop = f.service(cfg)
		if d := reply(svc, "no tls"); d.State != channel.Failed || !strings.Contains(d.LastError, "STARTTLS") {
			t.Fatalf("a relay without STARTTLS: %+v", d)
		}
		stop()

		// TLS from the first byte, as on port 465.
		rl465, addr465 := startTLSRelay(t, cert, true, false)
		cfg.SMTPRelay, cfg.SMTPRelayTLS = addr465, channel.RelayTLSImplicit
		svc, _ = f.service(cfg)
		if d := reply(svc, "implicit tls"); d.State != channel.Delivered {
			t.Fatalf("implicit TLS: %+v", d)
		}
		rl465.mu.Lock()
		defer rl465.mu.Unlock()
		if len(rl465.got) != 1 {
			t.Fatalf("the port 465 relay got %d messages", len(rl465.got))
		}
	})
}

func TestParseRelayTLS(t *testing.T) {
	for in, want := range map[string]channel.RelayTLS{"": channel.RelayTLSAuto, "starttls": channel.RelayTLSStartTLS, "tls": channel.RelayTLSImplicit, "none": channel.RelayTLSNone} {
		if got, err := channel.ParseRelayTLS(in); err != nil || got != want {
			t.Fatalf("%q: %q, %v", in, got, err)
		}
	}
	if _, err := channel.ParseRelayTLS("ssl"); err == nil {
		t.Fatal("ssl is accepted")
	}
}
