package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
)

// routeKey carries a *string in the request's context that routed fills with the pattern
// the router matched, so the outer middleware can label the request's duration by route
// (few values) rather than by path (unbounded).
type routeKey struct{}

// routed wraps the router: after it has served the request it has set r.Pattern on the
// request it was given, which is a copy of the one the outer middleware holds.
func routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, _ := r.Context().Value(routeKey{}).(*string); p != nil {
			*p = r.Pattern
		}
	})
}

// observing returns the request with a place for its route pattern and a function that
// reports the request's duration to Config.Observe; without an observer both do nothing.
func (s *Server) observing(r *http.Request) (*http.Request, func(status int, d time.Duration)) {
	if s.cfg.Observe == nil {
		return r, func(int, time.Duration) {}
	}
	pattern := new(string)
	r = r.WithContext(context.WithValue(r.Context(), routeKey{}, pattern))
	return r, func(status int, d time.Duration) { s.cfg.Observe(*pattern, r.Method, status, d) }
}

// ownToken reports whether the request is for a route that checks its Bearer token itself
// (the metrics), which is no user's, key's or visitor's token.
func (s *Server) ownToken(r *http.Request) bool {
	return s.cfg.Metrics != nil && r.URL.Path == "/metrics"
}

// registerMetrics serves the Prometheus metrics on the API's own address when the server
// was given a metrics handler (which checks its token itself).
func (s *Server) registerMetrics() {
	if s.cfg.Metrics == nil {
		return
	}
	s.handle("GET /metrics", public, op{action: policy.MetricsRead, summary: "Prometheus metrics in the text format; send the metrics token as a Bearer token"},
		func(w http.ResponseWriter, r *http.Request) error {
			s.cfg.Metrics.ServeHTTP(w, r)
			return nil
		})
}
