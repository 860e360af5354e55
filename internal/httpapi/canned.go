package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

func (s *Server) registerCanned() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/livechats/{id}/canned-responses", staff, op{action: policy.LiveChatRead, summary: "The canned responses usable in the live chat: the global ones and its own, by title",
		out: store.List[*chat.CannedResponse]{}}, s.handleCannedList)
	s.handle("POST /api/v1/livechats/{id}/canned-responses", staff, op{action: policy.CannedManage, required: []string{"title", "text"},
		summary: "Add a canned response to the live chat (administrators, its supervisors); text may hold {customer.name}, {operator.name}, {liveChat.name}",
		in:      chat.CannedInput{}, out: chat.CannedResponse{}, status: http.StatusCreated}, s.handleCannedCreate)
	s.handle("POST /api/v1/canned-responses", staff, op{action: policy.CannedManage, required: []string{"title", "text"},
		summary: "Add a global canned response, offered in every live chat (administrators)",
		in:      chat.CannedInput{}, out: chat.CannedResponse{}, status: http.StatusCreated}, s.handleCannedCreate)
	s.handle("PUT /api/v1/canned-responses/{cannedId}", staff, op{action: policy.CannedManage, required: []string{"title", "text"},
		summary: "Replace a canned response's title and text (administrators; supervisors for their live chat's own)",
		in:      chat.CannedInput{}, out: chat.CannedResponse{}}, s.handleCannedUpdate)
	s.handle("DELETE /api/v1/canned-responses/{cannedId}", staff, op{action: policy.CannedManage,
		summary: "Delete a canned response (administrators; supervisors for their live chat's own)", status: http.StatusNoContent}, s.handleCannedDelete)
}

// handleCannedList handles GET /api/v1/livechats/{id}/canned-responses.
func (s *Server) handleCannedList(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.CannedResponses(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleCannedCreate handles POST /api/v1/livechats/{id}/canned-responses and, without a
// live chat, POST /api/v1/canned-responses.
func (s *Server) handleCannedCreate(w http.ResponseWriter, r *http.Request) error {
	var in chat.CannedInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	c, err := s.Chat.CreateCannedResponse(r.Context(), u, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return created(w, c)
}

// handleCannedUpdate handles PUT /api/v1/canned-responses/{cannedId}.
func (s *Server) handleCannedUpdate(w http.ResponseWriter, r *http.Request) error {
	var in chat.CannedInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	c, err := s.Chat.UpdateCannedResponse(r.Context(), u, r.PathValue("cannedId"), in)
	if err != nil {
		return err
	}
	return ok(w, c)
}

// handleCannedDelete handles DELETE /api/v1/canned-responses/{cannedId}.
func (s *Server) handleCannedDelete(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	if err := s.Chat.DeleteCannedResponse(r.Context(), u, r.PathValue("cannedId")); err != nil {
		return err
	}
	return noContent(w)
}
