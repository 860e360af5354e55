package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// parse reads serve's flags from args with the given PARLEY_ variables and checks them.
func parse(t *testing.T, env map[string]string, args ...string) (*options, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv("PARLEY_"+k, v)
	}
	var o options
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.bind(fs, true)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &o, o.check(true)
}

func TestServeConfiguration(t *testing.T) {
	o, err := parse(t, nil)
	if err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	if o.Addr != "127.0.0.1:8080" || o.DSN() != "data/parley.db" || o.Demo || o.AllowPrivateNetworks || o.AutomationLogRetention != 90*24*time.Hour {
		t.Fatalf("defaults: %+v", o)
	}
	if o.Limits.LoginPerLogin.PerMinute != 10 || len(o.TrustedProxies) != 0 {
		t.Fatalf("default limits %+v, proxies %v", o.Limits, o.TrustedProxies)
	}
	o, err = parse(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"}, "--rate-inbound", "30")
	if err != nil || len(o.TrustedProxies) != 2 || o.Limits.Inbound.PerMinute != 30 {
		t.Fatalf("proxies %v, limits %+v, %v", o.TrustedProxies, o.Limits, err)
	}
	o, err = parse(t, map[string]string{"DEMO": "1", "HTTP_ALLOW_PRIVATE": "true", "ADDR": "127.0.0.1:9000"}, "--addr", "127.0.0.1:9100")
	if err != nil || !o.Demo || !o.AllowPrivateNetworks || o.Addr != "127.0.0.1:9100" {
		t.Fatalf("variables and flags: %+v, %v (a flag wins over its variable)", o, err)
	}
	bad := []struct {
		env   map[string]string
		args  []string
		names string
	}{
		{map[string]string{"DEMO": "yes"}, nil, "--demo (PARLEY_DEMO): must be true or false"},
		{map[string]string{"HTTP_ALLOW_PRIVATE": "sure"}, nil, "--http-allow-private (PARLEY_HTTP_ALLOW_PRIVATE)"},
		{map[string]string{"MAX_BODY": "lots"}, nil, "--max-body (PARLEY_MAX_BODY)"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, nil, "--shutdown-timeout (PARLEY_SHUTDOWN_TIMEOUT)"},
		{nil, []string{"--addr", "8080"}, `--addr (PARLEY_ADDR): "8080" is not host:port`},
		{nil, []string{"--log-level", "loud"}, "--log-level (PARLEY_LOG_LEVEL)"},
		{nil, []string{"--db", "mysql://x"}, "--db (PARLEY_DB)"},
		{nil, []string{"--admin-password", "short"}, "--admin-password (PARLEY_ADMIN_PASSWORD): must be at least 8"},
		{nil, []string{"--automation-log-retention", "-1"}, "--automation-log-retention (PARLEY_AUTOMATION_LOG_RETENTION): must be a whole number of days"},
		{map[string]string{"AUTOMATION_LOG_RETENTION": "forever"}, nil, "--automation-log-retention (PARLEY_AUTOMATION_LOG_RETENTION)"},
		{map[string]string{"RATE_INBOUND": "many"}, nil, "--rate-inbound (PARLEY_RATE_INBOUND): must be a positive number"},
		{nil, []string{"--rate-login-per-login", "0"}, "--rate-login-per-login (PARLEY_RATE_LOGIN_PER_LOGIN)"},
		{nil, []string{"--trusted-proxies", "10.0.0.0/33"}, "--trusted-proxies (PARLEY_TRUSTED_PROXIES)"},
		{nil, []string{"--smtp-max-size", "100"}, "--smtp-max-size (PARLEY_SMTP_MAX_SIZE): must be a whole number of bytes"},
		{nil, []string{"--smtp-relay-tls", "ssl"}, "--smtp-relay-tls (PARLEY_SMTP_RELAY_TLS): must be auto, starttls, tls or none"},
		{nil, []string{"--smtp-tls-cert", "/nonexistent.pem"}, "--smtp-tls-cert (PARLEY_SMTP_TLS_CERT): and --smtp-tls-key go together"},
		{nil, []string{"--smtp-tls-cert", "/nonexistent.pem", "--smtp-tls-key", "/nonexistent.key"}, "--smtp-tls-cert (PARLEY_SMTP_TLS_CERT): cannot be loaded"},
		{nil, []string{"--smtp-auth-user", "mx", "--smtp-auth-password", "secret"}, "--smtp-auth-user (PARLEY_SMTP_AUTH_USER): needs --smtp-tls-cert"},
		{map[string]string{"SMTP_RELAY_USER": "parley"}, nil, "--smtp-relay-user (PARLEY_SMTP_RELAY_USER): and --smtp-relay-password go together"},
	}
	for _, b := range bad {
		t.Run(b.names, func(t *testing.T) {
			_, err := parse(t, b.env, b.args...)
			if err == nil || !strings.Contains(err.Error(), b.names) {
				t.Fatalf("error %v, want one naming %q", err, b.names)
			}
		})
	}
}
