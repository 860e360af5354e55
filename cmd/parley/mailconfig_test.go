package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
)

// TestMailConfiguration loads the listener's certificate from PEM files and takes the
// listener's and the relay's credentials and TLS policy from flags and variables.
func TestMailConfiguration(t *testing.T) {
	if o, err := parse(t, nil); err != nil || o.Webhooks.SMTPRelayTLS != channel.RelayTLSAuto || o.SMTP.TLS != nil {
		t.Fatalf("defaults: %+v, %v", o.Webhooks, err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCertPair(t, cert, key)
	o, err := parse(t, map[string]string{"SMTP_RELAY_PASSWORD": "relay-pass", "SMTP_AUTH_PASSWORD": "listener-pass"},
		"--smtp-addr", "127.0.0.1:2525", "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-auth-user", "mx",
		"--smtp-relay", "mail.example.com:587", "--smtp-relay-tls", "starttls", "--smtp-relay-user", "parley")
	if err != nil {
		t.Fatal(err)
	}
	if o.SMTP.TLS == nil || len(o.SMTP.TLS.Certificates) != 1 || o.SMTP.AuthUser != "mx" || o.SMTP.AuthPassword != "listener-pass" {
		t.Fatalf("listener: TLS %v, user %q", o.SMTP.TLS, o.SMTP.AuthUser)
	}
	w := o.Webhooks
	if w.SMTPRelayTLS != channel.RelayTLSStartTLS || w.SMTPRelayUser != "parley" || w.SMTPRelayPassword != "relay-pass" || o.SMTPRelay != "mail.example.com:587" {
		t.Fatalf("relay: %+v", w)
	}
}

func writeCertPair(t *testing.T, certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"mx.example.com"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
}
