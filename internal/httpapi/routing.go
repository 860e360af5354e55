package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
)

// workingHoursResponse is a live chat's working hours with whether it works now.
type workingHoursResponse struct {
	*chat.WorkingHours
	chat.HoursStatus
}

func (s *Server) registerRouting() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/livechats/{id}/routing", staff, op{action: policy.LiveChatRead,
		summary: "How the live chat distributes sessions: mode (manual, round_robin, least_busy), max_open per operator, reassign_after seconds",
		out:     chat.Routing{}}, s.handleRoutingGet)
	s.handle("PUT /api/v1/livechats/{id}/routing", admin, op{action: policy.LiveChatConfigure, required: []string{"mode"},
		summary: "Replace the live chat's distribution; waiting sessions are routed at once when the new settings allow",
		in:      chat.Routing{}, out: chat.Routing{}}, s.handleRoutingPut)
	s.handle("GET /api/v1/livechats/{id}/working-hours", staff, op{action: policy.LiveChatRead,
		summary: "The live chat's working hours (time zone, weekly schedule, holidays, out-of-hours reply) and whether it works now",
		out:     workingHoursResponse{}}, s.handleWorkingHoursGet)
	s.handle("PUT /api/v1/livechats/{id}/working-hours", admin, op{action: policy.LiveChatConfigure,
		summary: "Replace the live chat's working hours; time_zone is an IANA name, schedule lists {day, from, to} intervals, holidays YYYY-MM-DD dates",
		in:      chat.WorkingHours{}, out: workingHoursResponse{}}, s.handleWorkingHoursPut)
}

// handleRoutingGet handles GET /api/v1/livechats/{id}/routing.
func (s *Server) handleRoutingGet(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	rt, err := s.Chat.RoutingOf(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, rt)
}

// handleRoutingPut handles PUT /api/v1/livechats/{id}/routing.
func (s *Server) handleRoutingPut(w http.ResponseWriter, r *http.Request) error {
	var in chat.Routing
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	rt, err := s.Chat.SetRouting(r.Context(), u, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, rt)
}

// handleWorkingHoursGet handles GET /api/v1/livechats/{id}/working-hours.
func (s *Server) handleWorkingHoursGet(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	wh, st, err := s.Chat.WorkingHours(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, workingHoursResponse{wh, st})
}

// handleWorkingHoursPut handles PUT /api/v1/livechats/{id}/working-hours.
func (s *Server) handleWorkingHoursPut(w http.ResponseWriter, r *http.Request) error {
	var in chat.WorkingHours
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	wh, st, err := s.Chat.SetWorkingHours(r.Context(), u, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, workingHoursResponse{wh, st})
}
