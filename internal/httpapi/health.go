package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
)

type status struct {
	Status string `json:"status"`
}

func (s *Server) registerHealth() {
	s.handle("GET /healthz", public, op{action: policy.HealthRead, summary: "The process is up", out: status{}}, s.handleHealthz)
	s.handle("GET /readyz", public, op{action: policy.HealthRead, summary: "The database is reachable and migrated", out: status{}, fails: []int{http.StatusServiceUnavailable}}, s.handleReadyz)
}

// handleHealthz handles GET /healthz.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	return ok(w, status{"ok"})
}

// handleReadyz handles GET /readyz.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, errorBody{errorPayload{Code: errs.Internal, Message: "not ready: the database is not reachable or not migrated"}})
			return nil
		}
	}
	return ok(w, status{"ready"})
}
