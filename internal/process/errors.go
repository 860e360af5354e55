package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// thrown is a BPMN error raised by a task: a business outcome the model may catch with an error
// boundary event, unlike a failure, which is retried and then becomes an incident. A called
// instance also ends with one for an escalation (escalation set) that an interrupting catcher
// in its caller takes.
type thrown struct {
	code       string
	message    string
	escalation bool
}

func (e *thrown) Error() string {
	if e.escalation {
		return fmt.Sprintf("escalation %q", e.code)
	}
	if e.message == "" {
		return fmt.Sprintf("error %q", e.code)
	}
	return fmt.Sprintf("error %q (%s)", e.code, e.message)
}

// throwError throws an error at the element token t is at. An error boundary event of that
// element whose code matches takes the token; failing that, a catch-all one does (Camunda 8
// prefers the exact code). Everything the activity waited on is cancelled. Otherwise the
// error goes out through the scopes around the token (catchError). An error nothing catches
// stops the token with an incident that says which error was thrown where.
func (r *runner) throwError(t *token, el *bpmn.Element, e *thrown) error {
	catcher := catcherOf(el, e.code)
	if catcher == nil {
		if caught, err := r.catchError(t, el, e); caught || err != nil {
			return err
		}
		// Nothing in this instance catches it: a called instance passes it to its call activity.
		if caught, err := r.raiseToCaller(el, e); caught || err != nil {
			return err
		}
		// The worker's job is answered; the task's boundary timers stay armed, so that a timer
		// can still interrupt the incident, as with any failed step.
		if err := r.exec("DELETE FROM process_jobs WHERE instance_id = ? AND token_id = ? AND kind = ?", r.st.id, t.ID, waits.JobExternal); err != nil {
			return err
		}
		return r.incident(t, el, fmt.Errorf("it threw %s, and no error boundary event catches it", e))
	}
	t, err := r.bodyOf(t, el)
	if err != nil {
		return err
	}
	if err := r.cancelTokenWaits(t); err != nil {
		return err
	}
	r.record(el, evCancelled, fmt.Sprintf("%s caught by %s", e, catcher.ID))
	r.arrive(t, catcher, nil)
	return nil
}

// catcherOf returns the error boundary event of el that catches code (exactly, else any), or nil.
func catcherOf(el *bpmn.Element, code string) *bpmn.Element {
	return catching(el.Boundaries, errorCode, code)
}

// endError runs an error end event: the error is caught by an enclosing scope, or the token
// stops with an incident naming the error.
func (r *runner) endError(t *token, el *bpmn.Element) error {
	return r.throwError(t, el, &thrown{code: el.Error.Code, message: el.Error.Name})
}

// JobError is what an outside worker sends to throw a BPMN error from its job: the error code
// an error boundary event catches, a message for people, and values of declared variables
// that are set before the error is thrown.
type JobError struct {
	Code      string                     `json:"code"`
	Message   string                     `json:"message,omitempty"`
	Variables map[string]json.RawMessage `json:"variables,omitempty"`
}

// maxErrorText bounds an error code or message a worker sends, which end up in history rows.
const maxErrorText = 2000

// ThrowJobError throws a BPMN error from an outside worker's job: the variables are set, and
// the error is caught by an error boundary event of the job's task or becomes an incident.
func (s *Service) ThrowJobError(ctx context.Context, id string, in JobError) error {
	if err := mayWorkJobs(ctx); err != nil {
		return err
	}
	var list errs.List
	switch in.Code = strings.TrimSpace(in.Code); {
	case in.Code == "":
		list.Add("code", "is required: the error code an error boundary event catches")
	case len(in.Code) > maxErrorText:
		list.Add("code", "is longer than %d bytes", maxErrorText)
	}
	if len(in.Message) > maxErrorText {
		list.Add("message", "is longer than %d bytes", maxErrorText)
	}
	if err := list.Err(); err != nil {
		return err
	}
	return s.onWaitingJob(ctx, id, func(r *runner, t *token, el *bpmn.Element) error {
		if _, err := s.setJobVariables(r, in.Variables); err != nil {
			return err
		}
		return r.throwError(t, el, &thrown{code: in.Code, message: in.Message})
	})
}

// onWaitingJob locks the instance of an outside worker's waiting job, runs act on the job's
// token and task, runs the instance on and saves it, all in one transaction.
func (s *Service) onWaitingJob(ctx context.Context, id string, act func(*runner, *token, *bpmn.Element) error) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var instanceID string
		err := tx.QueryRow(ctx, "SELECT instance_id FROM process_jobs WHERE id = ? AND state = ?", id, waits.JobWaiting).Scan(&instanceID)
		if err != nil {
			return store.NotFound(err, "job %q not found (or already completed)", id)
		}
		st, err := s.loadState(ctx, tx, instanceID, true)
		if err != nil {
			return err
		}
		var tokID int
		var element string
		// Read again under the instance's lock: another worker may have finished the job meanwhile.
		err = tx.QueryRow(ctx, "SELECT token_id, element_id FROM process_jobs WHERE id = ? AND state = ?", id, waits.JobWaiting).Scan(&tokID, &element)
		if err != nil {
			return store.NotFound(err, "job %q not found (or already completed)", id)
		}
		t, el := st.toks.Token(tokID), st.v.Process.Elements[element]
		if t == nil || el == nil {
			return errs.New(errs.Conflict, "job %s no longer waits in its instance", id)
		}
		r := s.newRunner(ctx, tx, st)
		if err := act(r, t, el); err != nil {
			return err
		}
		if err := r.run(); err != nil {
			return err
		}
		return r.finish()
	})
}
