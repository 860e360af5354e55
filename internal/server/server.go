// Package server wires Parley together: it opens the database, applies migrations, builds
// the services and the HTTP handler, and runs the background workers. cmd/parley and the
// end-to-end tests both start Parley through it, so tests run exactly what users run.
package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/parleychat/parley/internal/automation"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/egress"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/metrics"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/realtime"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/web"
	"github.com/parleychat/parley/internal/workspace"
)

// Config is everything Parley is started with; cmd/parley fills and checks it.
type Config struct {
	Addr    string
	DataDir string
	// DB is an SQLite file path or a postgres:// URL; empty means DataDir/parley.db.
	DB string
	// AdminPassword is the password of the administrator created in an empty database;
	// empty means a generated one, printed once to the log.
	AdminPassword string
	// MaxBody bounds request bodies in bytes.
	MaxBody int64
	// ShutdownTimeout bounds how long in-flight requests may take after a stop signal.
	ShutdownTimeout time.Duration
	// Clock, when set, replaces the wall clock (tests).
	Clock store.Clock
	// AllowPrivateNetworks lets process http tasks call loopback and private addresses
	// (tests that call a local server; installations whose services are internal).
	AllowPrivateNetworks bool
	// BcryptCost, when set, replaces the default password work factor (tests).
	BcryptCost int
	// Webhooks tunes the delivery of replies to http channels (zero fields: defaults).
	Webhooks channel.WebhookConfig
	// SMTPAddr, when set, is the host:port the SMTP listener of email channels takes mail on;
	// empty means no listener.
	SMTPAddr string
	// SMTP tunes that listener (zero fields: defaults).
	SMTP channel.SMTPConfig
	// SMTPRelay is the host:port of the relay that mails replies in email sessions; empty
	// means they are recorded as failed deliveries, with the reason.
	SMTPRelay string
	// PublicURL is the address customers' messengers reach this installation at, such as
	// https://chat.example.com; when set, telegram channels get their webhook there, else
	// they are long-polled.
	PublicURL string
	// TelegramAPIURL is the Bot API's base URL; empty means https://api.telegram.org.
	TelegramAPIURL string
	// Files bounds the files of messages (zero fields: chat.DefaultFileLimits).
	Files chat.FileLimits
	// Sockets tunes WebSockets (zero: defaults).
	Sockets realtime.SocketConfig
	// AutomationLogRetention is how long automation log lines are kept; zero keeps them all.
	AutomationLogRetention time.Duration
	// MetricsAddr, when set, serves Prometheus /metrics on its own host:port; MetricsToken,
	// when set, requires it as a Bearer token, and without MetricsAddr serves /metrics on
	// the main address. Both empty: no metrics. DebugAddr, when set, serves net/http/pprof.
	MetricsAddr, MetricsToken, DebugAddr string
	// Limits are the API's rate limits (zero fields: httpapi.DefaultLimits).
	Limits httpapi.Limits
	// TrustedProxies are the peers whose X-Forwarded-For and -Proto headers count, for limits
	// and for the session cookie's Secure flag.
	TrustedProxies httpapi.Proxies
}

// DSN returns the database to open.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "parley.db")
}

// Server is a running Parley node.
type Server struct {
	cfg  Config
	log  *slog.Logger
	DB   *store.DB
	Auth *auth.Service
	// Workspaces serves workspaces, apps and items; the process engine registers its
	// FieldUse hook on it.
	Workspaces *workspace.Service
	API        *httpapi.Server
	UI         *web.UI // the web pages, on the API's router
	http       *http.Server

	// Processes is the process engine; its workers run while the server serves.
	Processes *process.Service
	// Automation starts processes from live-chat events and by hand.
	Automation *automation.Service
	// Chat holds live chats, sessions, messages and the event outbox; Channels the widget,
	// the HTTP and email channels and their delivery queue; Hub streams events to WebSockets.
	Chat     *chat.Service
	Channels *channel.Service
	Hub      *realtime.Hub
	// SMTP takes customers' mail to email channels; it listens only when Config.SMTPAddr is
	// set.
	SMTP *channel.SMTPServer
	// Metrics is the node's Prometheus registry; nil when metrics are off.
	Metrics *metrics.Metrics
	ops     opsServers

	workers sync.WaitGroup
	stop    context.CancelFunc
	runCtx  context.Context
}

// Open opens the database, migrates it, makes sure an administrator exists and builds the
// services. It starts nothing; call Serve.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	db, err := store.Open(ctx, cfg.DSN(), store.Options{Clock: cfg.Clock, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, DB: db}
	s.runCtx, s.stop = context.WithCancel(context.Background())
	s.Auth = auth.New(db, log)
	if cfg.BcryptCost > 0 {
		s.Auth.BcryptCost = cfg.BcryptCost
	}
	s.Workspaces = workspace.New(db)
	s.Workspaces.Sessions = chat.SessionExists
	s.Chat = chat.New(db, log)
	s.Chat.SetFiles(nil, cfg.Files)
	deliveries := cfg.Webhooks
	if cfg.SMTPRelay != "" {
		deliveries.SMTPRelay = cfg.SMTPRelay
	}
	if cfg.PublicURL != "" {
		deliveries.Telegram.PublicURL = cfg.PublicURL
	}
	if cfg.TelegramAPIURL != "" {
		deliveries.Telegram.APIURL = cfg.TelegramAPIURL
	}
	if deliveries.FetchClient == nil {
		// Files an http channel hands over by URL are fetched under the rule of http tasks.
		deliveries.FetchClient = egress.Client(cfg.AllowPrivateNetworks)
		deliveries.FetchClient.Timeout = 30 * time.Second
	}
	s.Channels = channel.New(db, s.Chat, deliveries, log)
	s.SMTP = s.Channels.NewSMTPServer(cfg.SMTP)
	s.Hub = realtime.New(db, log)
	s.Processes = process.New(db, process.Deps{Chat: process.LiveChat{S: s.Chat}, Workspace: workspace.Processes{S: s.Workspaces}, Logger: log},
		process.Options{AllowPrivateNetworks: cfg.AllowPrivateNetworks})
	s.Workspaces.FieldUse = s.Processes.FieldUse
	s.Automation = automation.New(db, s.Chat, s.Processes, log, automation.Options{})
	s.Automation.StartInline()
	if err := s.ensureAdmin(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.API = httpapi.New(s.apiConfig(), s.deps())
	s.UI = web.New(web.Deps{Auth: s.Auth, Mux: s.API.Mux(), Logger: log, DemoLiveChat: s.DemoSiteLiveChat})
	return s, nil
}

func (s *Server) apiConfig() httpapi.Config {
	c := httpapi.Config{MaxBody: s.cfg.MaxBody, Logger: s.log, Limits: s.cfg.Limits, TrustedProxies: s.cfg.TrustedProxies}
	if s.cfg.metricsOn() {
		s.Metrics = s.newMetrics()
		c.Observe = s.Metrics.ObserveRequest
	}
	if s.cfg.MetricsAddr == "" && s.cfg.MetricsToken != "" {
		c.Metrics = s.Metrics.Handler(s.cfg.MetricsToken)
	}
	return c
}

func (s *Server) deps() httpapi.Deps {
	return httpapi.Deps{
		Auth:       s.Auth,
		Ready:      s.ready,
		Workspaces: s.Workspaces,
		Processes:  s.Processes,
		Visitor:    s.Channels.AuthenticateVisitor,
		Chat:       s.Chat,
		Channels:   s.Channels,
		Hub:        s.Hub,
		Sockets:    s.cfg.Sockets,
		Automation: s.Automation,
	}
}

func (s *Server) ensureAdmin(ctx context.Context) error {
	created, pw, err := s.Auth.EnsureAdmin(ctx, s.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("create the first administrator: %w", err)
	}
	if created && s.cfg.AdminPassword == "" {
		s.log.Warn("created the administrator; this password is shown only once", "login", "admin", "password", pw)
	} else if created {
		s.log.Info("created the administrator with PARLEY_ADMIN_PASSWORD", "login", "admin")
	}
	return nil
}

// ready reports whether the database answers and has every migration this binary knows.
func (s *Server) ready(ctx context.Context) error {
	if err := s.DB.Ping(ctx); err != nil {
		return err
	}
	return s.DB.Read(ctx, func(tx *store.Tx) error {
		var newest int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
			return err
		}
		ms := store.Migrations()
		if len(ms) > 0 && newest < ms[len(ms)-1].Version {
			return fmt.Errorf("schema at version %d, want %d", newest, ms[len(ms)-1].Version)
		}
		return nil
	})
}

// Go runs a background worker until the server stops.
func (s *Server) Go(name string, fn func(ctx context.Context)) {
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		fn(s.runCtx)
		s.log.Debug("worker stopped", "worker", name)
	}()
}

// Handler is the whole HTTP surface: API, WebSockets and pages, compressed for clients that
// accept it and uncached unless a response says otherwise (web.Compress).
func (s *Server) Handler() http.Handler { return web.Compress(s.UI.Wrap(s.API)) }

// Serve answers HTTP on ln until Shutdown, and runs the background workers and the SMTP
// listener meanwhile.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.listenSMTP(); err != nil {
		return err
	}
	if err := s.listenOps(); err != nil {
		return err
	}
	s.Go("process", s.Processes.Run)
	s.Go("automation", s.Automation.Run)
	s.Go("automation-log-retention", func(ctx context.Context) {
		s.Automation.RunRetention(ctx, s.cfg.AutomationLogRetention, time.Hour)
	})
	s.Go("realtime", s.Hub.Run)
	// Routing hands on unanswered sessions after their live chat's hand-on time (whole
	// seconds), and routes what a missed wake-up left waiting.
	s.Go("routing", func(ctx context.Context) { s.Chat.RunRouting(ctx, 2*time.Second) })
	s.Go("deliveries", s.Channels.Run)
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return s.runCtx },
	}
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// listenSMTP starts the SMTP listener when an address is configured. It listens before any
// worker starts, so that a taken port fails the start instead of losing mail quietly.
func (s *Server) listenSMTP() error {
	if s.cfg.SMTPAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("smtp listener: %w", err)
	}
	s.log.Info("parley is receiving mail", "smtp", ln.Addr().String())
	s.Go("smtp", func(context.Context) {
		if err := s.SMTP.Serve(ln); err != nil {
			s.log.Error("smtp listener stopped", "err", err)
		}
	})
	return nil
}

// Shutdown stops accepting connections, lets in-flight requests finish (bounded by ctx),
// stops the workers and closes the database.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.http != nil {
		err = s.http.Shutdown(ctx)
	}
	err = errors.Join(err, s.SMTP.Close(), s.ops.close())
	s.stop()
	s.workers.Wait()
	return errors.Join(err, s.DB.Close())
}
