package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/store"
)

// registerAudit adds the administrators' audit trail of configuration.
func (s *Server) registerAudit() {
	s.handle("GET /api/v1/audit", admin, op{action: policy.AuditRead,
		summary: "The audit trail: who changed live chats, channels, bindings, processes, users, groups and keys, newest first",
		out:     store.List[*auth.AuditEntry]{}, query: []string{"target_kind", "target_id", "actor", "action", "limit", "cursor"}}, s.handleAudit)
}

// handleAudit handles GET /api/v1/audit.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.Auth.AuditLog(r.Context(), auth.AuditFilter{TargetKind: q.Get("target_kind"), TargetID: q.Get("target_id"),
		Actor: q.Get("actor"), Action: q.Get("action"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, list)
}
