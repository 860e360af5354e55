// Package httpapi serves Parley's JSON API (API.md) and its WebSockets. Every route is
// registered through Server.handle together with its OpenAPI description, so the published
// document cannot drift from what the server does. Handlers return errors to one writer,
// which maps error codes to statuses in one table.
package httpapi

import (
	"context"
	"github.com/parleychat/parley/internal/automation"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/realtime"
	"github.com/parleychat/parley/internal/workspace"
)

// Deps are the services the API serves. Nil services leave their routes unregistered.
type Deps struct {
	Auth *auth.Service
	// Visitor authenticates a widget visitor token; set by the chat wiring.
	Visitor func(ctx context.Context, token string) (*auth.Principal, error)
	// Ready reports whether the database is reachable and migrated.
	Ready func(ctx context.Context) error
	// Workspaces serves workspaces, apps and items.
	Workspaces *workspace.Service
	// Processes serves process definitions, instances, tasks, incidents and jobs.
	Processes *process.Service
	// Chat serves live chats, sessions and messages; Channels the widget, the HTTP channel
	// and webhook deliveries; Hub the WebSockets, tuned by Sockets (zero: defaults).
	Chat     *chat.Service
	Channels *channel.Service
	Hub      *realtime.Hub
	Sockets  realtime.SocketConfig
	// Automation serves the Business Processes tab, its log and manual starts.
	Automation *automation.Service
}

// Config tunes the API.
type Config struct {
	// MaxBody bounds request bodies; larger ones get 413.
	MaxBody int64
	Logger  *slog.Logger
	// Observe, when set, is told each request's route pattern ("" when none matched),
	// method, status and duration (metrics.go).
	Observe func(route, method string, status int, d time.Duration)
	// Metrics, when set, is served at GET /metrics; it checks its own token.
	Metrics http.Handler
}

// Server is the HTTP API.
type Server struct {
	Deps
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	// extra lets other packages (the web UI) add routes to the same mux.
	handler http.Handler
}

// New builds the API with every route registered.
func New(cfg Config, deps Deps) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Deps: deps, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.registerHealth()
	s.registerAuth()
	s.registerUsers()
	s.registerGroups()
	s.registerLiveChats()
	s.registerChannels()
	s.registerSessions()
	s.registerWidget()
	s.registerSockets()
	s.registerWorkspaces()
	s.registerProcesses()
	s.registerAutomation()
	s.registerOpenAPI()
	s.registerMetrics()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errs.New(errs.NotFound, "no such route: %s %s", r.Method, r.URL.Path))
	})
	s.handler = s.middleware(routed(s.mux))
	return s
}

// Mux returns the router, so the web UI can register its pages beside the API.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is a handler that returns its error to the one error writer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may call a route; the middleware enforces authentication, handlers and
// services enforce finer permissions.
type access int

const (
	public  access = iota // anyone
	staff                 // a logged-in user
	admin                 // a member of Administrators
	apiKey                // an integration's API key
	visitor               // a widget visitor token
	worker                // an administrator or a worker API key; the engine checks which
)

// handle registers a route and its OpenAPI operation.
func (s *Server) handle(pattern string, a access, o op, h handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	o.method, o.path, o.access = method, path, a
	s.routes = append(s.routes, route{op: o})
	s.mux.Handle(pattern, s.guard(a, h))
}

type route struct{ op op }

// guard checks the route's access level before running h, then writes h's error.
func (s *Server) guard(a access, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkAccess(r.Context(), a); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func checkAccess(ctx context.Context, a access) error {
	p := auth.FromContext(ctx)
	switch a {
	case staff:
		_, err := auth.StaffFrom(ctx)
		return err
	case admin:
		_, err := auth.AdminFrom(ctx)
		return err
	case apiKey:
		if p == nil || p.APIKeyOwner == "" {
			return errs.New(errs.Unauthorized, "send the channel's API key as a Bearer token")
		}
	case visitor:
		if p == nil || p.Visitor == "" {
			return errs.New(errs.Unauthorized, "send the visitor token as a Bearer token")
		}
	}
	return nil
}
