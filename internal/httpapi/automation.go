package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/automation"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

type verboseRequest struct {
	VerboseLog bool `json:"verbose_log"`
}

// processBindings is the answer of GET /api/v1/processes/{code}/bindings.
type processBindings struct {
	Items []*automation.Binding `json:"items"`
}

type sessionProcesses struct {
	Items []*process.InstanceSummary `json:"items"`
}

func (s *Server) registerAutomation() {
	if s.Automation == nil {
		return
	}
	s.handle("GET /api/v1/livechats/properties", staff, op{action: policy.PropertiesRead, summary: "The Live Chats properties a binding maps from, with their types", out: []automation.Property{}}, s.handleProperties)
	s.handle("GET /api/v1/processes/{code}/bindings", admin, op{action: policy.AutomationConfigure, summary: "The live-chat bindings that start the process, each with why it cannot start the newest version (broken), if so", out: processBindings{}}, s.handleProcessBindings)
	s.handle("GET /api/v1/livechats/{id}/automation", admin, op{action: policy.AutomationConfigure, summary: "The Business Processes tab: one row per event", out: automation.Tab{}}, s.handleAutomationTab)
	s.handle("PUT /api/v1/livechats/{id}/automation/settings", admin, op{action: policy.AutomationConfigure, summary: "Log events without a binding too (verbose log)", in: verboseRequest{}, status: http.StatusNoContent}, s.handleAutomationSettings)
	s.handle("PUT /api/v1/livechats/{id}/automation/{event}", admin, op{action: policy.AutomationConfigure, required: []string{"process"}, summary: "Bind a process to an event with a type-checked input mapping", in: automation.BindingInput{}, out: automation.Binding{}}, s.handleBindingPut)
	s.handle("DELETE /api/v1/livechats/{id}/automation/{event}", admin, op{action: policy.AutomationConfigure, summary: "Unset the binding of an event", status: http.StatusNoContent}, s.handleBindingDelete)
	s.handle("GET /api/v1/livechats/{id}/automation/log", admin, op{action: policy.AutomationRead, summary: "The automation log, newest first; filter by outcome (started|skipped|failed), event, session id and time (from, to: RFC 3339)", out: store.List[*automation.LogEntry]{}, query: logQuery, queryTypes: logQueryTypes}, s.handleAutomationLog)
	s.handle("GET /api/v1/livechats/{id}/automation/log.csv", admin, op{action: policy.AutomationRead, summary: "The automation log as CSV, with the same filters", query: logQuery, queryTypes: logQueryTypes}, s.handleAutomationLogCSV)
	s.handle("POST /api/v1/livechats/{id}/automation/log/{line}/retry", admin, op{action: policy.AutomationConfigure, summary: "Retry a failed start: decide the event again with the binding and process as they are now; 409 when the line is not failed", out: automation.LogEntry{}}, s.handleAutomationRetryLine)
	s.handle("POST /api/v1/livechats/{id}/automation/{event}/retry", admin, op{action: policy.AutomationConfigure, summary: "Retry every failed start of the event's binding, oldest first", out: automation.RetryAll{}}, s.handleAutomationRetryAll)
	s.handle("POST /api/v1/livechats/{id}/automation/{event}/dry-run", admin, op{action: policy.AutomationConfigure, summary: "Try a binding (the saved one, or an unsaved process, inputs and condition) on the live chat's recent events without starting anything", in: automation.DryRunInput{}, optionalBody: true, out: automation.DryRun{}}, s.handleAutomationDryRun)
	s.handle("GET /api/v1/sessions/{id}/processes", staff, op{action: policy.SessionRead, summary: "Instances linked to the session, automatic and manual", out: sessionProcesses{}}, s.handleSessionProcesses)
	s.handle("POST /api/v1/sessions/{id}/processes", staff, op{action: policy.SessionStart, required: []string{"process"}, summary: "Start a process by hand, linked to the session (accepts Idempotency-Key)", in: automation.ManualStart{}, out: process.Instance{}, status: http.StatusCreated, idempotent: true}, s.handleManualStart)
}

// handleProperties handles GET /api/v1/livechats/properties.
func (s *Server) handleProperties(w http.ResponseWriter, r *http.Request) error {
	return ok(w, automation.Properties())
}

// handleAutomationTab handles GET /api/v1/livechats/{id}/automation.
func (s *Server) handleAutomationTab(w http.ResponseWriter, r *http.Request) error {
	tab, err := s.Automation.Tab(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, tab)
}

// handleAutomationSettings handles PUT /api/v1/livechats/{id}/automation/settings.
func (s *Server) handleAutomationSettings(w http.ResponseWriter, r *http.Request) error {
	var in verboseRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Automation.SetVerbose(r.Context(), r.PathValue("id"), in.VerboseLog); err != nil {
		return err
	}
	return noContent(w)
}

// handleBindingPut handles PUT /api/v1/livechats/{id}/automation/{event}.
func (s *Server) handleBindingPut(w http.ResponseWriter, r *http.Request) error {
	var in automation.BindingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	b, err := s.Automation.SaveBinding(r.Context(), r.PathValue("id"), r.PathValue("event"), in)
	if err != nil {
		return err
	}
	return ok(w, b)
}

// handleBindingDelete handles DELETE /api/v1/livechats/{id}/automation/{event}.
func (s *Server) handleBindingDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Automation.DeleteBinding(r.Context(), r.PathValue("id"), r.PathValue("event")); err != nil {
		return err
	}
	return noContent(w)
}

// handleSessionProcesses handles GET /api/v1/sessions/{id}/processes.
func (s *Server) handleSessionProcesses(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Automation.SessionProcesses(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, sessionProcesses{items})
}

// handleManualStart handles POST /api/v1/sessions/{id}/processes.
func (s *Server) handleManualStart(w http.ResponseWriter, r *http.Request) error {
	var in automation.ManualStart
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.StaffFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	inst, err := s.Automation.StartManually(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return created(w, inst)
}

// handleProcessBindings handles GET /api/v1/processes/{code}/bindings.
func (s *Server) handleProcessBindings(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Automation.ProcessBindings(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return ok(w, processBindings{Items: list})
}
