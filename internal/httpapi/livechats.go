package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

func (s *Server) registerLiveChats() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/livechats", staff, op{action: policy.LiveChatList, summary: "List the live chats the caller works in (administrators: all)",
		out: store.List[*chat.LiveChat]{}, query: []string{"limit", "cursor"}}, s.handleLiveChatList)
	s.handle("POST /api/v1/livechats", admin, op{action: policy.LiveChatConfigure, required: []string{"name", "operator_groups", "supervisor_groups"}, summary: "Create a live chat; it starts with a widget channel (accepts Idempotency-Key)",
		in: chat.NewLiveChat{}, out: chat.LiveChat{}, status: http.StatusCreated, idempotent: true}, s.handleLiveChatCreate)
	s.handle("GET /api/v1/livechats/{id}", staff, op{action: policy.LiveChatRead, summary: "One live chat with its groups and channels", out: chat.LiveChat{}}, s.handleLiveChatGet)
	s.handle("PATCH /api/v1/livechats/{id}", admin, op{action: policy.LiveChatConfigure, summary: "Change a live chat's name, description or groups",
		in: chat.LiveChatPatch{}, out: chat.LiveChat{}}, s.handleLiveChatPatch)
	s.handle("DELETE /api/v1/livechats/{id}", admin, op{action: policy.LiveChatConfigure, summary: "Delete a live chat that has no sessions", status: http.StatusNoContent}, s.handleLiveChatDelete)
}

// handleLiveChatList handles GET /api/v1/livechats.
func (s *Server) handleLiveChatList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.LiveChats(r.Context(), u, p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleLiveChatCreate handles POST /api/v1/livechats.
func (s *Server) handleLiveChatCreate(w http.ResponseWriter, r *http.Request) error {
	var in chat.NewLiveChat
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	in.By = u.ID
	lc, err := s.Chat.CreateLiveChat(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, lc)
}

// handleLiveChatGet handles GET /api/v1/livechats/{id}.
func (s *Server) handleLiveChatGet(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	lc, err := s.Chat.LiveChat(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, lc)
}

// handleLiveChatPatch handles PATCH /api/v1/livechats/{id}.
func (s *Server) handleLiveChatPatch(w http.ResponseWriter, r *http.Request) error {
	var in chat.LiveChatPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	lc, err := s.Chat.UpdateLiveChat(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, lc)
}

// handleLiveChatDelete handles DELETE /api/v1/livechats/{id}.
func (s *Server) handleLiveChatDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Chat.DeleteLiveChat(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
