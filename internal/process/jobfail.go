package process

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
)

// JobFailure is what an outside worker sends when it could not do a job: what went wrong, how
// many more times the job may be tried, and how long to wait before the next try (an ISO 8601
// duration such as PT30S; none means at once). With no retries left the job becomes an
// incident, as in Camunda 8.
type JobFailure struct {
	Error        string `json:"error"`
	Retries      *int   `json:"retries"`
	RetryBackoff string `json:"retry_backoff,omitempty"`
}

// maxWorkerRetries bounds the retries a worker may ask for, like a task's retries attribute.
const maxWorkerRetries = 1000

// FailJob records an outside worker's failure: the job waits out the backoff and is offered
// again, or, with no retries left, stops its token with an incident quoting the worker.
func (s *Service) FailJob(ctx context.Context, id string, in JobFailure) error {
	if err := mayWorkJobs(ctx); err != nil {
		return err
	}
	backoff, err := in.check()
	if err != nil {
		return err
	}
	return s.onWaitingJob(ctx, id, func(r *runner, t *token, el *bpmn.Element) error {
		what := strings.TrimSpace(in.Error)
		if what == "" {
			what = "no reason given"
		}
		if *in.Retries == 0 {
			if err := r.exec("DELETE FROM process_jobs WHERE id = ?", id); err != nil {
				return err
			}
			return r.incident(t, el, fmt.Errorf("the worker failed with no retries left: %s", what))
		}
		due := backoff.AddTo(r.tx.Now())
		r.record(el, evRetrying, fmt.Sprintf("the worker failed (%d retries left): %s", *in.Retries, what))
		return r.exec("UPDATE process_jobs SET due_at = ?, error = ?, attempts = attempts + 1, max_attempts = attempts + 1 + ?, updated_at = ? WHERE id = ?",
			store.TS(due), what, *in.Retries, store.TS(r.tx.Now()), id)
	})
}

// check validates a failure report and returns its backoff.
func (in JobFailure) check() (bpmn.Duration, error) {
	var list errs.List
	var backoff bpmn.Duration
	switch {
	case in.Retries == nil:
		list.Add("retries", "is required: how many more times the job may be tried (0 raises an incident)")
	case *in.Retries < 0 || *in.Retries > maxWorkerRetries:
		list.Add("retries", "must be between 0 and %d", maxWorkerRetries)
	}
	if len(in.Error) > maxErrorText {
		list.Add("error", "is longer than %d bytes", maxErrorText)
	}
	if in.RetryBackoff != "" {
		d, err := bpmn.ParseDuration(in.RetryBackoff)
		if err != nil {
			list.Add("retry_backoff", "is not an ISO 8601 duration such as PT30S: %v", err)
		}
		backoff = d
	}
	return backoff, list.Err()
}
