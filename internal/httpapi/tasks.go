package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

func (s *Server) registerTasks() {
	s.handle("GET /api/v1/tasks", staff, op{action: policy.TaskInbox, summary: "The caller's task inbox: tasks assigned to them or offered to their groups", out: store.List[*process.Task]{}, query: []string{"assignee", "state", "limit", "cursor"}}, s.handleTaskList)
	s.handle("GET /api/v1/tasks/{id}", staff, op{action: policy.TaskRead, summary: "One task with its form", out: process.Task{}}, s.handleTaskGet)
	s.handle("POST /api/v1/tasks/{id}/complete", staff, op{action: policy.TaskComplete, summary: "Complete a task with values type-checked against its form", in: taskCompletion{}, out: process.Task{}}, s.handleTaskComplete)
}

type taskCompletion struct {
	Values map[string]json.RawMessage `json:"values"`
}

// handleTaskList handles GET /api/v1/tasks.
func (s *Server) handleTaskList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	if a := r.URL.Query().Get("assignee"); a != "" && a != "me" {
		return errs.Field("assignee", "only \"me\" is supported: the inbox is the caller's")
	}
	list, err := s.Processes.Inbox(r.Context(), process.TaskFilter{State: r.URL.Query().Get("state"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleTaskGet handles GET /api/v1/tasks/{id}.
func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Processes.Task(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, t)
}

// handleTaskComplete handles POST /api/v1/tasks/{id}/complete.
func (s *Server) handleTaskComplete(w http.ResponseWriter, r *http.Request) error {
	var in taskCompletion
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Processes.CompleteTask(r.Context(), r.PathValue("id"), in.Values)
	if err != nil {
		return err
	}
	return ok(w, t)
}
