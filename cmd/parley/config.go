package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/server"
)

// options are the settings every subcommand that opens the database shares, read from flags
// with PARLEY_* environment variables as defaults, and checked in one place.
type options struct {
	server.Config
	LogLevel  string
	LogFormat string
	Demo      bool
	// logRetentionDays is --automation-log-retention, turned into Config.AutomationLogRetention by check.
	logRetentionDays int64
	// trustedProxies is --trusted-proxies as given; check parses it into Config.
	trustedProxies string
	// smtpTLSCert and smtpTLSKey are the listener's certificate files; check loads them.
	smtpTLSCert, smtpTLSKey string
	// smtpRelayTLS is --smtp-relay-tls as given; check parses it into Config.
	smtpRelayTLS string
	// files are the file limit flags as given; check parses them into Config.Files.
	files fileOptions
}

// env returns the PARLEY_ variable or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv("PARLEY_" + name); ok {
		return v
	}
	return def
}

// bind declares the shared flags on fs.
func (o *options) bind(fs *flag.FlagSet, withServe bool) {
	fs.StringVar(&o.DataDir, "data-dir", env("DATA_DIR", "./data"), "directory for the embedded database and files (PARLEY_DATA_DIR)")
	fs.StringVar(&o.DB, "db", env("DB", ""), "database: an SQLite file path or a postgres:// URL; default DATA_DIR/parley.db (PARLEY_DB)")
	fs.StringVar(&o.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (PARLEY_LOG_LEVEL)")
	fs.StringVar(&o.LogFormat, "log-format", env("LOG_FORMAT", "text"), "text or json (PARLEY_LOG_FORMAT)")
	if !withServe {
		return
	}
	fs.StringVar(&o.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (PARLEY_ADDR)")
	fs.StringVar(&o.AdminPassword, "admin-password", env("ADMIN_PASSWORD", ""), "password of the administrator created in an empty database; generated and printed once when empty (PARLEY_ADMIN_PASSWORD)")
	fs.Int64Var(&o.MaxBody, "max-body", envInt("MAX_BODY", 1<<20), "largest accepted request body in bytes (PARLEY_MAX_BODY)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", envDuration("SHUTDOWN_TIMEOUT", 15*time.Second), "how long in-flight requests may finish after SIGINT/SIGTERM (PARLEY_SHUTDOWN_TIMEOUT)")
	fs.BoolVar(&o.AllowPrivateNetworks, "http-allow-private", envBool("HTTP_ALLOW_PRIVATE"), "let process http tasks call loopback and private addresses, for services inside the company network; refused by default against SSRF (PARLEY_HTTP_ALLOW_PRIVATE=true)")
	o.bindMail(fs)
	fs.StringVar(&o.PublicURL, "public-url", env("PUBLIC_URL", ""), "the https:// address this installation is reached at from the internet, such as https://chat.example.com; telegram channels then get their webhook there, and without it Parley long-polls Telegram, which works behind NAT (PARLEY_PUBLIC_URL)")
	fs.StringVar(&o.TelegramAPIURL, "telegram-api-url", env("TELEGRAM_API_URL", "https://api.telegram.org"), "base URL of the Telegram Bot API, for a local Bot API server (PARLEY_TELEGRAM_API_URL)")
	fs.Int64Var(&o.logRetentionDays, "automation-log-retention", envInt("AUTOMATION_LOG_RETENTION", 90), "days the automation log keeps its lines; 0 keeps them all (PARLEY_AUTOMATION_LOG_RETENTION)")
	o.bindLimits(fs)
	o.bindFiles(fs)
	fs.BoolVar(&o.Demo, "demo", envBool("DEMO"), "fill an empty database with demo data: users, a live chat, a lead process (PARLEY_DEMO=true)")
	o.bindOps(fs)
}

// bindLimits declares the rate limits and the trusted proxies.
func (o *options) bindLimits(fs *flag.FlagSet) {
	d := httpapi.DefaultLimits
	for _, l := range []struct {
		r          *httpapi.Rate
		flag, what string
		def        float64
	}{
		{&o.Limits.LoginPerLogin, "rate-login-per-login", "login attempts per minute for one login", d.LoginPerLogin.PerMinute},
		{&o.Limits.LoginPerAddress, "rate-login-per-address", "login attempts per minute from one client address", d.LoginPerAddress.PerMinute},
		{&o.Limits.WidgetSessions, "rate-widget-sessions", "new widget conversations per minute from one client address", d.WidgetSessions.PerMinute},
		{&o.Limits.VisitorMessages, "rate-visitor-messages", "messages per minute from one widget visitor", d.VisitorMessages.PerMinute},
		{&o.Limits.Inbound, "rate-inbound", "HTTP channel deliveries per minute with one API key", d.Inbound.PerMinute},
	} {
		name := strings.ToUpper(strings.ReplaceAll(l.flag, "-", "_"))
		fs.Float64Var(&l.r.PerMinute, l.flag, envFloat(name, l.def), l.what+"; beyond it 429 with Retry-After (PARLEY_"+name+")")
	}
	fs.StringVar(&o.trustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated CIDRs of the proxies whose X-Forwarded-For and X-Forwarded-Proto count, for limits and the cookie's Secure flag; empty: none (PARLEY_TRUSTED_PROXIES)")
}

func envFloat(name string, def float64) float64 {
	v, err := strconv.ParseFloat(env(name, strconv.FormatFloat(def, 'f', -1, 64)), 64)
	if err != nil {
		return -1 // reported by check
	}
	return v
}

func envInt(name string, def int64) int64 {
	v, err := strconv.ParseInt(env(name, strconv.FormatInt(def, 10)), 10, 64)
	if err != nil {
		return -1 // reported by check
	}
	return v
}

// boolFlags are the flags whose PARLEY_ variables envBool reads; check reports bad values.
var boolFlags = []string{"demo", "http-allow-private"}

// envBool reads a PARLEY_ variable as strconv.ParseBool does (true, 1, false, 0, …); unset
// or bad means false, and check names a bad one.
func envBool(name string) bool {
	b, _ := strconv.ParseBool(env(name, "false"))
	return b
}

func envDuration(name string, def time.Duration) time.Duration {
	d, err := time.ParseDuration(env(name, def.String()))
	if err != nil {
		return -1 // reported by check
	}
	return d
}

// check validates every setting and says which flag (and variable) is wrong.
func (o *options) check(withServe bool) error {
	var problems []string
	bad := func(flag, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("--%s (PARLEY_%s): ", flag, strings.ToUpper(strings.ReplaceAll(flag, "-", "_")))+fmt.Sprintf(format, args...))
	}
	if o.DB == "" && o.DataDir == "" {
		bad("data-dir", "is empty; give a directory or --db")
	}
	if o.DB != "" && strings.Contains(o.DB, "://") && !strings.HasPrefix(o.DB, "postgres://") && !strings.HasPrefix(o.DB, "postgresql://") {
		bad("db", "%q is neither a file path nor a postgres:// URL", o.DB)
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		bad("log-level", "%v", err)
	}
	if o.LogFormat != "text" && o.LogFormat != "json" {
		bad("log-format", "must be text or json, not %q", o.LogFormat)
	}
	if withServe {
		for _, flag := range boolFlags {
			name := strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
			if _, err := strconv.ParseBool(env(name, "false")); err != nil {
				bad(flag, "must be true or false, not %q", env(name, ""))
			}
		}
		if _, _, err := net.SplitHostPort(o.Addr); err != nil {
			bad("addr", "%q is not host:port", o.Addr)
		}
		o.checkMail(bad)
		checkURL(bad, "public-url", o.PublicURL, true)
		checkURL(bad, "telegram-api-url", o.TelegramAPIURL, false)
		if o.MaxBody < 1024 {
			bad("max-body", "must be a whole number of bytes of at least 1024")
		}
		if o.ShutdownTimeout < 0 {
			bad("shutdown-timeout", "must be a duration such as 15s")
		}
		if o.logRetentionDays < 0 || o.logRetentionDays > 36500 {
			bad("automation-log-retention", "must be a whole number of days from 0 (keep every line) to 36500")
		}
		o.AutomationLogRetention = time.Duration(o.logRetentionDays) * 24 * time.Hour
		o.checkLimits(bad)
		o.checkFiles(bad)
		if o.AdminPassword != "" && len(o.AdminPassword) < 8 {
			bad("admin-password", "must be at least 8 characters")
		}
		o.checkOps(bad)
	}
	if len(problems) > 0 {
		return errors.New("bad configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

// checkURL reports a URL flag that is not an absolute http(s) URL without query or fragment;
// empty is allowed when optional.
func checkURL(bad func(flag, format string, args ...any), flag, raw string, optional bool) {
	if raw == "" && optional {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad(flag, "%q is not an absolute http:// or https:// URL such as https://chat.example.com", raw)
	}
}

// checkLimits reports a limit that is not a positive number and parses the trusted proxies.
func (o *options) checkLimits(bad func(flag, format string, args ...any)) {
	for flag, r := range map[string]httpapi.Rate{"rate-login-per-login": o.Limits.LoginPerLogin, "rate-login-per-address": o.Limits.LoginPerAddress,
		"rate-widget-sessions": o.Limits.WidgetSessions, "rate-visitor-messages": o.Limits.VisitorMessages, "rate-inbound": o.Limits.Inbound} {
		if r.PerMinute <= 0 {
			bad(flag, "must be a positive number per minute")
		}
	}
	p, err := httpapi.ParseProxies(o.trustedProxies)
	if err != nil {
		bad("trusted-proxies", "%q is not a list of CIDRs such as 10.0.0.0/8: %v", o.trustedProxies, err)
	}
	o.TrustedProxies = p
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	if err != nil {
		return l, fmt.Errorf("must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func (o *options) logger() *slog.Logger {
	level, _ := parseLevel(o.LogLevel)
	hopts := &slog.HandlerOptions{Level: level}
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, hopts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, hopts))
}
