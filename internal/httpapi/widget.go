package httpapi

import (
	"net/http"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

func (s *Server) registerWidget() {
	if s.Channels == nil {
		return
	}
	s.handle("POST /api/v1/widget/{livechatId}/sessions", public, op{action: policy.WidgetStart, required: []string{"text"}, summary: "A widget customer writes to a live chat; returns the session and the visitor token to send as Bearer from then on. A returning visitor who sends their token continues their own session. As multipart/form-data (text, subject, customer_name, customer_phone, customer_email, parts named files) the first message may carry files. Accepts Idempotency-Key",
		in: channel.WidgetStart{}, form: formSchema(widgetFormFields...), out: channel.WidgetSession{}, status: http.StatusCreated, idempotent: true, fails: []int{http.StatusTooManyRequests}}, s.handleWidgetStart)
	s.handle("POST /api/v1/widget/sessions/{id}/messages", visitor, op{action: policy.WidgetWrite, required: []string{"text"}, summary: "The customer's next message (visitor token); reopens a closed session. As multipart/form-data it carries files (parts named files; the text may then be empty). Accepts Idempotency-Key",
		in: textRequest{}, form: formSchema("text"), out: chat.Message{}, status: http.StatusCreated, idempotent: true, fails: []int{http.StatusTooManyRequests}}, s.handleWidgetSend)
	s.handle("GET /api/v1/widget/sessions/{id}/messages", visitor, op{action: policy.WidgetRead, summary: "The customer's session's messages, oldest first (visitor token)",
		out: store.List[*chat.Message]{}, query: []string{"limit", "cursor"}}, s.handleWidgetMessages)
	s.handle("GET /api/v1/widget/{livechatId}/status", public, op{action: policy.WidgetStatus, summary: "Whether any operator of the live chat is online, for the widget's header (no token needed)",
		out: channel.WidgetStatus{}}, s.handleWidgetStatus)
}

// handleWidgetStatus handles GET /api/v1/widget/{livechatId}/status.
func (s *Server) handleWidgetStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Channels.WidgetStatus(r.Context(), r.PathValue("livechatId"))
	if err != nil {
		return err
	}
	return ok(w, st)
}

// handleWidgetStart handles POST /api/v1/widget/{livechatId}/sessions.
func (s *Server) handleWidgetStart(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readWidgetStart(r)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	if err := check("new conversations from this address", time.Now(), limitKey{s.limits.widgetSessions, s.clientAddr(r)}); err != nil {
		return err
	}
	v := channel.Visitor{IdempotencyKey: key}
	if p := auth.FromContext(r.Context()); p != nil && p.Visitor != "" {
		v.Token, v.SessionID = bearer(r), p.Visitor
	}
	ws, err := s.Channels.StartWidget(r.Context(), r.PathValue("livechatId"), v, in)
	if err != nil {
		return err
	}
	return created(w, ws)
}

// handleWidgetSend handles POST /api/v1/widget/sessions/{id}/messages.
func (s *Server) handleWidgetSend(w http.ResponseWriter, r *http.Request) error {
	in, files, err := s.readMessage(r)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if err := check("messages", time.Now(), limitKey{s.limits.visitorMessages, p.Visitor}); err != nil {
		return err
	}
	m, err := s.Channels.WidgetSend(r.Context(), p, r.PathValue("id"), in.Text, key, files...)
	if err != nil {
		return err
	}
	return created(w, m)
}

// handleWidgetMessages handles GET /api/v1/widget/sessions/{id}/messages.
func (s *Server) handleWidgetMessages(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Channels.WidgetMessages(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}
