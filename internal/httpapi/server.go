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
	"github.com/parleychat/parley/internal/auth/policy"
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
	// Limits are the rate limits (zero fields: DefaultLimits).
	Limits Limits
	// TrustedProxies are the peers whose X-Forwarded-For and -Proto count.
	TrustedProxies Proxies
}

// Server is the HTTP API.
type Server struct {
	Deps
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	limits *limiters
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
	s := &Server{Deps: deps, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), limits: newLimiters(cfg.Limits)}
	s.registerHealth()
	s.registerAuth()
	s.registerUsers()
	s.registerGroups()
	s.registerWorkerKeys()
	s.registerAudit()
	s.registerLiveChats()
	s.registerAttachments()
	s.registerChannels()
	s.registerTelegram()
	s.registerSessions()
	s.registerDeliveries()
	s.registerCanned()
	s.registerReports()
	s.registerRouting()
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

// access is the way into a route: which kinds of credentials it takes. It is what the OpenAPI
// document's security schemes are derived from; who among those may actually do the route's
// action is the policy's answer (op.action).
type access uint8

const (
	public    access = 0         // anyone, credentials or not
	staff     access = 1 << iota // a logged-in user (token or session cookie)
	admin                        // a logged-in member of Administrators
	apiKey                       // a channel's API key (its own channel's inbound only)
	visitor                      // a widget visitor token
	workerKey                    // a worker API key
)

// handle registers a route with its way in (a), its OpenAPI operation and, in o.action, the
// policy action it performs. Every route names one, and TestAccessMatrix has a row for it.
func (s *Server) handle(pattern string, a access, o op, h handlerFunc) {
	if o.action == "" {
		// A programming error, caught when the server is built rather than as a 500 on the
		// route's first call (a route that only some configurations register, like /metrics,
		// would otherwise escape the access matrix).
		panic("httpapi: route " + pattern + " names no policy action")
	}
	method, path, _ := strings.Cut(pattern, " ")
	o.method, o.path, o.access = method, path, a
	s.routes = append(s.routes, route{op: o})
	s.mux.Handle(pattern, s.guard(a, o.action, h))
}

type route struct{ op op }

// Route is a registered route as tests see it: its pattern, way in and policy action.
type Route struct {
	Method, Path string
	Action       policy.Action
}

// Routes lists the registered routes, so the access matrix test can walk every one.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, rt := range s.routes {
		out[i] = Route{rt.op.method, rt.op.path, rt.op.action}
	}
	return out
}

// guard checks the caller against the route before running h, then writes h's error. A
// caller without credentials of a kind the route takes is 401 (unless the route is public);
// otherwise the policy decides: in full for actions that need no resource, and for scoped
// ones whether any resource could allow it (the service then asks about the real one).
func (s *Server) guard(a access, action policy.Action, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkAccess(r.Context(), a, action); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func checkAccess(ctx context.Context, a access, action policy.Action) error {
	p := auth.FromContext(ctx)
	if a != public && a&kindOf(p) == 0 {
		return errs.New(errs.Unauthorized, "this route takes %s as a Bearer token", a.credentials())
	}
	if policy.Scoped(action) {
		return policy.Possible(p, action)
	}
	return policy.Can(p, action, policy.Resource{})
}

// kindOf is the way in a principal's credential fits: a key or token of one kind never
// opens a route made for another.
func kindOf(p *auth.Principal) access {
	switch {
	case p == nil:
		return public
	case p.User != nil:
		return staff | admin
	case p.Visitor != "":
		return visitor
	case strings.HasPrefix(p.APIKeyOwner, policy.WorkerOwnerPrefix):
		return workerKey
	case strings.HasPrefix(p.APIKeyOwner, policy.ChannelOwnerPrefix):
		return apiKey
	}
	return public
}

// credentials names what a route takes, for the 401 message.
func (a access) credentials() string {
	var parts []string
	for _, c := range []struct {
		bit  access
		name string
	}{{staff | admin, "a login token"}, {apiKey, "the channel's API key"}, {visitor, "the visitor token"}, {workerKey, "a worker API key"}} {
		if a&c.bit != 0 {
			parts = append(parts, c.name)
		}
	}
	return strings.Join(parts, " or ")
}
