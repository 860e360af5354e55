package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// registerInstances adds instances, incidents, outside workers' jobs and published messages.
// Jobs and messages take an administrator's login or a worker API key; the policy's job.work
// and message.publish say so, and the engine asks the policy again.
func (s *Server) registerInstances() {
	s.handle("GET /api/v1/instances/{id}", staff, op{action: policy.InstanceRead, summary: "One instance: state, variables, version, session link, active elements, history, tasks, incidents", out: process.Instance{}}, s.handleInstanceGet)
	s.handle("POST /api/v1/instances/{id}/cancel", admin, op{action: policy.InstanceCancel, summary: "Cancel an instance", out: process.Instance{}}, s.handleInstanceCancel)
	s.handle("GET /api/v1/incidents", admin, op{action: policy.IncidentRead, summary: "Open incidents: steps that failed for good", out: store.List[*process.Incident]{}, query: []string{"limit", "cursor"}}, s.handleIncidentList)
	s.handle("POST /api/v1/incidents/{id}/retry", admin, op{action: policy.IncidentRetry, summary: "Run a failed step again, with its attempts counted afresh", out: process.Incident{}}, s.handleIncidentRetry)
	s.handle("GET /api/v1/jobs", admin|workerKey, op{action: policy.JobWork, summary: "Outside workers' waiting jobs of one type (administrators or a worker API key)", out: store.List[*process.ExternalJob]{}, query: []string{"type", "limit", "cursor"}}, s.handleJobList)
	s.handle("POST /api/v1/jobs/{id}/complete", admin|workerKey, op{action: policy.JobWork, summary: "Complete an outside worker's job with values of declared variables", in: process.JobCompletion{}, status: http.StatusNoContent}, s.handleJobComplete)
	s.handle("POST /api/v1/jobs/{id}/error", admin|workerKey, op{action: policy.JobWork, summary: "Throw a BPMN error from an outside worker's job: an error boundary event catches its code, else it is an incident", in: process.JobError{}, required: []string{"code"}, status: http.StatusNoContent}, s.handleJobError)
	s.handle("POST /api/v1/jobs/{id}/fail", admin|workerKey, op{action: policy.JobWork, summary: "Report that an outside worker's job failed: retried after retry_backoff, or an incident with no retries left", in: process.JobFailure{}, required: []string{"retries"}, status: http.StatusNoContent}, s.handleJobFail)
	s.handle("POST /api/v1/messages", admin|workerKey, op{action: policy.MessagePublish, required: []string{"name"}, summary: "Publish a named message to the instances waiting for it with its correlation key and start the processes with a message start event of its name, or keep it for its ttl until one waits", in: process.Message{}, out: messageResult{}}, s.handleMessagePublish)
}

type messageResult struct {
	Delivered int `json:"delivered"`
	// Buffered is true when no instance waited and the message is kept for its ttl.
	Buffered bool `json:"buffered"`
	// Duplicate is true when a message with this message_id was published within its ttl,
	// so this one did nothing.
	Duplicate bool `json:"duplicate"`
	// Started counts the instances the message started through message start events.
	Started int `json:"started"`
}

// handleInstanceGet handles GET /api/v1/instances/{id}.
func (s *Server) handleInstanceGet(w http.ResponseWriter, r *http.Request) error {
	inst, err := s.Processes.Instance(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, inst)
}

// handleInstanceCancel handles POST /api/v1/instances/{id}/cancel.
func (s *Server) handleInstanceCancel(w http.ResponseWriter, r *http.Request) error {
	inst, err := s.Processes.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, inst)
}

// handleIncidentList handles GET /api/v1/incidents.
func (s *Server) handleIncidentList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Processes.Incidents(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleIncidentRetry handles POST /api/v1/incidents/{id}/retry.
func (s *Server) handleIncidentRetry(w http.ResponseWriter, r *http.Request) error {
	x, err := s.Processes.RetryIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, x)
}

// handleJobList handles GET /api/v1/jobs.
func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Processes.Jobs(r.Context(), r.URL.Query().Get("type"), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleJobComplete handles POST /api/v1/jobs/{id}/complete.
func (s *Server) handleJobComplete(w http.ResponseWriter, r *http.Request) error {
	var in process.JobCompletion
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Processes.CompleteJob(r.Context(), r.PathValue("id"), in); err != nil {
		return err
	}
	return noContent(w)
}

// handleJobError handles POST /api/v1/jobs/{id}/error.
func (s *Server) handleJobError(w http.ResponseWriter, r *http.Request) error {
	var in process.JobError
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Processes.ThrowJobError(r.Context(), r.PathValue("id"), in); err != nil {
		return err
	}
	return noContent(w)
}

// handleJobFail handles POST /api/v1/jobs/{id}/fail.
func (s *Server) handleJobFail(w http.ResponseWriter, r *http.Request) error {
	var in process.JobFailure
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Processes.FailJob(r.Context(), r.PathValue("id"), in); err != nil {
		return err
	}
	return noContent(w)
}

// handleMessagePublish handles POST /api/v1/messages.
func (s *Server) handleMessagePublish(w http.ResponseWriter, r *http.Request) error {
	var in process.Message
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.Processes.PublishMessage(r.Context(), in)
	if err != nil {
		return err
	}
	return ok(w, messageResult{Delivered: res.Delivered, Buffered: res.Buffered, Duplicate: res.Duplicate, Started: res.Started})
}
