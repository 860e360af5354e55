package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
)

func (s *Server) registerDeliveries() {
	if s.Channels == nil {
		return
	}
	s.handle("POST /api/v1/sessions/{id}/messages/{messageId}/retry", staff, op{action: policy.DeliveryRetry,
		summary: "Send a reply whose delivery (email or http channel webhook) failed once more, with fresh attempts; 409 unless it failed",
		out:     chat.MessageDelivery{}}, s.handleDeliveryRetry)
}

// handleDeliveryRetry handles POST /api/v1/sessions/{id}/messages/{messageId}/retry.
func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	d, err := s.Channels.RetryDelivery(r.Context(), u, r.PathValue("id"), r.PathValue("messageId"))
	if err != nil {
		return err
	}
	return ok(w, d)
}
