package httpapi

import (
	"net/http"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

type textRequest struct {
	Text string `json:"text"`
}

type assignRequest struct {
	Operator string `json:"operator"`
}

type sessionPatch struct {
	Priority chat.Priority `json:"priority"`
}

func (s *Server) registerSessions() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/sessions", staff, op{action: policy.SessionList, summary: "Sessions the caller may see, newest first; spam only with state=spam; state may list several, comma-separated",
		out: store.List[*chat.Session]{}, query: []string{"livechat", "state", "mine", "limit", "cursor"}}, s.handleSessionList)
	s.handle("GET /api/v1/sessions/{id}", staff, op{action: policy.SessionRead, summary: "One session with its customer and state", out: chat.Session{}}, s.handleSessionGet)
	s.handle("PATCH /api/v1/sessions/{id}", staff, op{action: policy.SessionUpdate, required: []string{"priority"}, summary: "Change a session's priority (low, medium, high)", in: sessionPatch{}, out: chat.Session{}}, s.handleSessionPatch)
	s.handle("GET /api/v1/sessions/{id}/messages", staff, op{action: policy.SessionRead, summary: "A session's messages, oldest first; each reply of an email or http session carries its delivery (pending, delivered or failed with the error)", out: store.List[*chat.Message]{},
		query: []string{"limit", "cursor"}}, s.handleSessionMessages)
	s.handle("POST /api/v1/sessions/{id}/messages", staff, op{action: policy.SessionReply, required: []string{"text"}, summary: "A reply by an operator of the live chat who is not offline, or an administrator (text up to 16 KiB); as multipart/form-data it carries files (parts named files; the text may then be empty); accepts Idempotency-Key",
		in: textRequest{}, form: formSchema("text"), out: chat.Message{}, status: http.StatusCreated, idempotent: true}, s.handleSessionReply)
	s.handle("GET /api/v1/sessions/{id}/notes", staff, op{action: policy.SessionRead, summary: "A session's private notes, oldest first: staff only, never shown to the customer", out: store.List[*chat.Note]{}}, s.handleSessionNotes)
	s.handle("POST /api/v1/sessions/{id}/notes", staff, op{action: policy.SessionNote, required: []string{"text"}, summary: "Add a private note for the live chat's staff (text up to 16 KiB); the customer never sees it and it starts no process",
		in: textRequest{}, out: chat.Note{}, status: http.StatusCreated}, s.handleSessionNoteAdd)
	s.handle("POST /api/v1/sessions/{id}/take", staff, op{action: policy.SessionTake, summary: "Take a waiting session: only members of the live chat's operator groups who are not offline, administrators included; the taker becomes its operator", out: chat.Session{}}, s.handleSessionTake)
	s.handle("POST /api/v1/sessions/{id}/assign", staff, op{action: policy.SessionAssign, required: []string{"operator"}, summary: "Assign an operator of the live chat (supervisors, administrators)",
		in: assignRequest{}, out: chat.Session{}}, s.handleSessionAssign)
	s.handle("POST /api/v1/sessions/{id}/close", staff, op{action: policy.SessionClose, summary: "Close a waiting or assigned session", out: chat.Session{}}, s.handleSessionClose)
	s.handle("POST /api/v1/sessions/{id}/spam", staff, op{action: policy.SessionSpam, summary: "Mark a waiting or assigned session as spam", out: chat.Session{}}, s.handleSessionSpam)
	s.handle("DELETE /api/v1/sessions/{id}/spam", staff, op{action: policy.SessionUnspam, summary: "Remove from spam, restoring state, operator and priority (operators of the live chat who are not offline, supervisors, administrators)",
		out: chat.Session{}}, s.handleSessionUnspam)
}

// handleSessionList handles GET /api/v1/sessions.
func (s *Server) handleSessionList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := chat.SessionFilter{LiveChatID: q.Get("livechat"), Page: p}
	if st := q.Get("state"); st != "" {
		for _, one := range strings.Split(st, ",") {
			f.States = append(f.States, chat.State(strings.TrimSpace(one)))
		}
	}
	switch q.Get("mine") {
	case "", "false", "0":
	case "true", "1":
		f.Mine = true
	default:
		return errs.Field("mine", "must be true or false, not %q", q.Get("mine"))
	}
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.Sessions(r.Context(), u, f)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleSessionGet handles GET /api/v1/sessions/{id}.
func (s *Server) handleSessionGet(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	sess, err := s.Chat.Session(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, sess)
}

// handleSessionPatch handles PATCH /api/v1/sessions/{id}.
func (s *Server) handleSessionPatch(w http.ResponseWriter, r *http.Request) error {
	var in sessionPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.SetPriority(r.Context(), r.PathValue("id"), in.Priority, by)
	})
}

// handleSessionMessages handles GET /api/v1/sessions/{id}/messages.
func (s *Server) handleSessionMessages(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.Messages(r.Context(), u, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	if s.Channels != nil {
		if err := s.Channels.MessageDeliveries(r.Context(), list.Items); err != nil {
			return err
		}
	}
	return ok(w, list)
}

// handleSessionReply handles POST /api/v1/sessions/{id}/messages.
func (s *Server) handleSessionReply(w http.ResponseWriter, r *http.Request) error {
	in, files, err := s.readMessage(r)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	m, err := s.Chat.PostMessage(r.Context(), chat.Reply{SessionID: r.PathValue("id"), Text: in.Text, Files: files, By: chat.UserActor(u),
		IdempotencyKey: key})
	if err != nil {
		return err
	}
	return created(w, m)
}

// handleSessionNotes handles GET /api/v1/sessions/{id}/notes.
func (s *Server) handleSessionNotes(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.Notes(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleSessionNoteAdd handles POST /api/v1/sessions/{id}/notes.
func (s *Server) handleSessionNoteAdd(w http.ResponseWriter, r *http.Request) error {
	var in textRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	n, err := s.Chat.AddNote(r.Context(), u, r.PathValue("id"), in.Text)
	if err != nil {
		return err
	}
	return created(w, n)
}

// sessionAction runs a lifecycle action as the calling user and answers with the session.
func (s *Server) sessionAction(w http.ResponseWriter, r *http.Request, act func(by chat.Actor) (*chat.Session, error)) error {
	u, _ := auth.StaffFrom(r.Context())
	sess, err := act(chat.UserActor(u))
	if err != nil {
		return err
	}
	return ok(w, sess)
}

// handleSessionTake handles POST /api/v1/sessions/{id}/take.
func (s *Server) handleSessionTake(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.Take(r.Context(), r.PathValue("id"), by)
	})
}

// handleSessionAssign handles POST /api/v1/sessions/{id}/assign.
func (s *Server) handleSessionAssign(w http.ResponseWriter, r *http.Request) error {
	var in assignRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.Assign(r.Context(), r.PathValue("id"), in.Operator, by)
	})
}

// handleSessionClose handles POST /api/v1/sessions/{id}/close.
func (s *Server) handleSessionClose(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.Close(r.Context(), r.PathValue("id"), by)
	})
}

// handleSessionSpam handles POST /api/v1/sessions/{id}/spam.
func (s *Server) handleSessionSpam(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.MarkSpam(r.Context(), r.PathValue("id"), by)
	})
}

// handleSessionUnspam handles DELETE /api/v1/sessions/{id}/spam.
func (s *Server) handleSessionUnspam(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, func(by chat.Actor) (*chat.Session, error) {
		return s.Chat.RemoveSpam(r.Context(), r.PathValue("id"), by)
	})
}
