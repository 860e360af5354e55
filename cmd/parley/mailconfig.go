package main

import (
	"crypto/tls"
	"flag"
	"net"

	"github.com/parleychat/parley/internal/channel"
)

// bindMail declares the flags of email channels: the SMTP listener and the relay.
func (o *options) bindMail(fs *flag.FlagSet) {
	fs.StringVar(&o.SMTPAddr, "smtp-addr", env("SMTP_ADDR", ""), "address the SMTP listener takes customers' mail to email channels on, such as :2525; empty: no listener (PARLEY_SMTP_ADDR)")
	fs.Int64Var(&o.SMTP.MaxSize, "smtp-max-size", envInt("SMTP_MAX_SIZE", 10<<20), "largest mail the SMTP listener takes, in bytes, attachments included (base64 makes files a third larger); 552 beyond (PARLEY_SMTP_MAX_SIZE)")
	fs.StringVar(&o.smtpTLSCert, "smtp-tls-cert", env("SMTP_TLS_CERT", ""), "PEM certificate (chain) file the SMTP listener offers STARTTLS with; needs --smtp-tls-key; empty: no STARTTLS (PARLEY_SMTP_TLS_CERT)")
	fs.StringVar(&o.smtpTLSKey, "smtp-tls-key", env("SMTP_TLS_KEY", ""), "PEM private key file of --smtp-tls-cert (PARLEY_SMTP_TLS_KEY)")
	fs.StringVar(&o.SMTP.AuthUser, "smtp-auth-user", env("SMTP_AUTH_USER", ""), "user name the SMTP listener requires with AUTH PLAIN, over STARTTLS, before it takes a message, making it a submission port for your mail system; empty: any sender may deliver to the channels' addresses (PARLEY_SMTP_AUTH_USER)")
	fs.StringVar(&o.SMTP.AuthPassword, "smtp-auth-password", env("SMTP_AUTH_PASSWORD", ""), "password of --smtp-auth-user (PARLEY_SMTP_AUTH_PASSWORD)")
	fs.StringVar(&o.SMTPRelay, "smtp-relay", env("SMTP_RELAY", ""), "host:port of the SMTP relay that sends replies in email sessions; empty: such replies are recorded as failed deliveries (PARLEY_SMTP_RELAY)")
	fs.StringVar(&o.smtpRelayTLS, "smtp-relay-tls", env("SMTP_RELAY_TLS", "auto"), "how the relay connection is protected: auto (STARTTLS when offered), starttls (required), tls (from the first byte, port 465) or none (PARLEY_SMTP_RELAY_TLS)")
	fs.StringVar(&o.Webhooks.SMTPRelayUser, "smtp-relay-user", env("SMTP_RELAY_USER", ""), "user name to log in to the relay with AUTH PLAIN, sent only over TLS or to a relay on this host; empty: no AUTH (PARLEY_SMTP_RELAY_USER)")
	fs.StringVar(&o.Webhooks.SMTPRelayPassword, "smtp-relay-password", env("SMTP_RELAY_PASSWORD", ""), "password of --smtp-relay-user (PARLEY_SMTP_RELAY_PASSWORD)")
}

// checkMail validates the mail flags and loads the listener's certificate.
func (o *options) checkMail(bad func(flag, format string, args ...any)) {
	if o.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(o.SMTPAddr); err != nil {
			bad("smtp-addr", "%q is not host:port", o.SMTPAddr)
		}
	}
	if o.SMTPRelay != "" {
		if h, _, err := net.SplitHostPort(o.SMTPRelay); err != nil || h == "" {
			bad("smtp-relay", "%q is not host:port", o.SMTPRelay)
		}
	}
	if o.SMTP.MaxSize < 64<<10 {
		bad("smtp-max-size", "must be a whole number of bytes of at least 65536")
	}
	switch {
	case (o.smtpTLSCert == "") != (o.smtpTLSKey == ""):
		bad("smtp-tls-cert", "and --smtp-tls-key go together: give both or neither")
	case o.smtpTLSCert != "":
		cert, err := tls.LoadX509KeyPair(o.smtpTLSCert, o.smtpTLSKey)
		if err != nil {
			bad("smtp-tls-cert", "cannot be loaded with --smtp-tls-key: %v", err)
		} else {
			o.SMTP.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
	}
	if (o.SMTP.AuthUser == "") != (o.SMTP.AuthPassword == "") {
		bad("smtp-auth-user", "and --smtp-auth-password go together: give both or neither")
	} else if o.SMTP.AuthUser != "" && o.smtpTLSCert == "" {
		bad("smtp-auth-user", "needs --smtp-tls-cert and --smtp-tls-key: the listener takes a password only over STARTTLS")
	}
	if (o.Webhooks.SMTPRelayUser == "") != (o.Webhooks.SMTPRelayPassword == "") {
		bad("smtp-relay-user", "and --smtp-relay-password go together: give both or neither")
	}
	p, err := channel.ParseRelayTLS(o.smtpRelayTLS)
	if err != nil {
		bad("smtp-relay-tls", "%v", err)
	}
	o.Webhooks.SMTPRelayTLS = p
}
