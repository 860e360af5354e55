package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// SessionCookie is the cookie the web UI logs in with; it holds a login token.
const SessionCookie = "parley_session"

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// middleware wraps every request: id, logging, panic recovery, body limit, cross-origin
// protection for cookie-authenticated writes, and authentication.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	authed := s.authenticate(next)
	protected := cop.Handler(authed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		r, observe := s.observing(r)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer s.recoverPanic(rec, r)
		defer func() {
			took := time.Since(start)
			observe(rec.status, took)
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration_ms", took.Milliseconds(), "request_id", id)
		}()
		if r.Body != nil {
			limit := s.cfg.MaxBody
			if isMultipart(r) {
				// A message with files: the route's reader holds each file to the per-file
				// limit as it streams.
				limit = s.uploadBody()
			}
			r.Body = http.MaxBytesReader(rec, r.Body, limit)
		}
		protected.ServeHTTP(rec, r)
	})
}

func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	if p := recover(); p != nil {
		if p == http.ErrAbortHandler {
			panic(p)
		}
		s.writeError(w, r, fmt.Errorf("panic: %v", p))
	}
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// authenticate resolves the Bearer token or session cookie into a principal. A credential
// that is sent but not valid is refused at once, even on public routes, so a client learns
// its token expired instead of silently acting anonymously.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := bearer(r)
		if secret == "" || s.ownToken(r) {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.principal(r.Context(), secret)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (s *Server) principal(ctx context.Context, secret string) (*auth.Principal, error) {
	if strings.HasPrefix(secret, auth.VisitorPrefix) {
		if s.Visitor == nil {
			return nil, errs.New(errs.Unauthorized, "visitor tokens are not accepted here")
		}
		return s.Visitor(ctx, secret)
	}
	return s.Auth.Authenticate(ctx, secret)
}

// bearer returns the request's credential: the Authorization header, else the session
// cookie, else (for WebSockets, where browsers cannot set headers) the access_token query.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return h
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value
	}
	if r.Header.Get("Upgrade") != "" {
		return r.URL.Query().Get("access_token")
	}
	return ""
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flush, hijack for WebSockets).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack hands the connection to a WebSocket upgrade.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("the response writer cannot be hijacked")
	}
	r.status, r.wrote = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

// Flush sends buffered data at once.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
