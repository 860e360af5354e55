package process

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// WorkerKeyPrefix starts the owner of API keys issued to outside job workers ("worker:crm").
const WorkerKeyPrefix = policy.WorkerOwnerPrefix

// ExternalJob is a service task of a type Parley does not run itself, waiting for an outside
// worker to complete it.
type ExternalJob struct {
	ID         string                 `json:"id"`
	InstanceID string                 `json:"instance_id"`
	Process    string                 `json:"process"`
	Version    int                    `json:"version"`
	Element    string                 `json:"element"`
	Type       string                 `json:"type"`
	Headers    map[string]string      `json:"headers"`
	Variables  map[string]value.Value `json:"variables"`
	// Locals are the variables of the job's token alone: the element and loopCounter of an
	// inner instance of a multi-instance task, and the task's zeebe:input values; they shadow
	// Variables of the same name.
	Locals    map[string]any `json:"locals,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	token     int
}

// mayWorkJobs allows administrators and worker API keys (policy.JobWork).
func mayWorkJobs(ctx context.Context) error { return policy.Check(ctx, policy.JobWork) }

// Jobs lists the waiting jobs of one type, oldest first, with the variables a worker needs.
func (s *Service) Jobs(ctx context.Context, typ string, p store.Page) (store.List[*ExternalJob], error) {
	var out store.List[*ExternalJob]
	if err := mayWorkJobs(ctx); err != nil {
		return out, err
	}
	if typ == "" {
		return out, errs.Field("type", "is required: say which job type the worker handles")
	}
	if err := p.Check(); err != nil {
		return out, err
	}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, instance_id, token_id, element_id, type, created_at FROM process_jobs
			WHERE type = ? AND state = ? AND due_at <= ? AND id > ? ORDER BY id LIMIT ?`, typ, waits.JobWaiting, store.TS(tx.Now()), p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		var items []*ExternalJob
		for rows.Next() {
			var j ExternalJob
			var at store.Timestamp
			if err := rows.Scan(&j.ID, &j.InstanceID, &j.token, &j.Element, &j.Type, &at); err != nil {
				rows.Close()
				return err
			}
			j.CreatedAt = at.Time
			items = append(items, &j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, j := range items {
			if err := s.describeJob(ctx, tx, j); err != nil {
				return err
			}
		}
		out = store.Cut(items, p, func(j *ExternalJob) string { return j.ID })
		return nil
	})
	return out, err
}

func (s *Service) describeJob(ctx context.Context, tx *store.Tx, j *ExternalJob) error {
	st, err := s.loadState(ctx, tx, j.InstanceID, false)
	if err != nil {
		return err
	}
	j.Process, j.Version, j.Variables = st.v.Code, st.v.Number, st.vars
	if t := st.toks.Token(j.token); t != nil && len(t.Vars) > 0 {
		j.Locals = t.Locals()
	}
	j.Headers = map[string]string{}
	if el := st.v.Process.Elements[j.Element]; el != nil && el.Service != nil && el.Service.Headers != nil {
		j.Headers = el.Service.Headers
	}
	return nil
}

// JobCompletion is what an outside worker sends to complete a job: values of declared
// variables, checked against their types.
type JobCompletion struct {
	Variables map[string]json.RawMessage `json:"variables"`
}

// CompleteJob completes an outside worker's job and moves the instance on.
func (s *Service) CompleteJob(ctx context.Context, id string, c JobCompletion) error {
	if err := mayWorkJobs(ctx); err != nil {
		return err
	}
	return s.onWaitingJob(ctx, id, func(r *runner, t *token, el *bpmn.Element) error {
		result, err := s.setJobVariables(r, c.Variables)
		if err != nil {
			return err
		}
		return r.completeService(t, el, result)
	})
}

// setJobVariables checks and sets the variables a worker sends and returns them as a task
// result for outputs.
func (s *Service) setJobVariables(r *runner, raw map[string]json.RawMessage) (map[string]any, error) {
	vals, err := r.st.v.ParseInputs(raw)
	if err != nil {
		return nil, err
	}
	if err := s.checkRefs(r.ctx, r.tx, vals); err != nil {
		return nil, err
	}
	result := make(map[string]any, len(vals))
	for name, v := range vals {
		r.st.set(name, v)
		result[name] = v.Native()
	}
	return result, nil
}
