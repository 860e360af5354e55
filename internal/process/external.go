package process

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
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
	CreatedAt  time.Time              `json:"created_at"`
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
		rows, err := tx.Query(ctx, `SELECT id, instance_id, element_id, type, created_at FROM process_jobs
			WHERE type = ? AND state = ? AND id > ? ORDER BY id LIMIT ?`, typ, jobWaiting, p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		var items []*ExternalJob
		for rows.Next() {
			var j ExternalJob
			var at store.Timestamp
			if err := rows.Scan(&j.ID, &j.InstanceID, &j.Element, &j.Type, &at); err != nil {
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
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var instanceID string
		err := tx.QueryRow(ctx, "SELECT instance_id FROM process_jobs WHERE id = ? AND state = ?", id, jobWaiting).Scan(&instanceID)
		if err != nil {
			return store.NotFound(err, "job %q not found (or already completed)", id)
		}
		st, err := s.loadState(ctx, tx, instanceID, true)
		if err != nil {
			return err
		}
		return s.completeJob(ctx, tx, st, id, c)
	})
}

func (s *Service) completeJob(ctx context.Context, tx *store.Tx, st *state, id string, c JobCompletion) error {
	var tokID int
	var element string
	err := tx.QueryRow(ctx, "SELECT token_id, element_id FROM process_jobs WHERE id = ? AND state = ?", id, jobWaiting).Scan(&tokID, &element)
	if err != nil {
		return store.NotFound(err, "job %q not found (or already completed)", id)
	}
	vals, err := st.v.ParseInputs(c.Variables)
	if err != nil {
		return err
	}
	if err := s.checkRefs(ctx, tx, vals); err != nil {
		return err
	}
	t, el := st.token(tokID), st.v.Process.Elements[element]
	if t == nil || el == nil {
		return errs.New(errs.Conflict, "job %s no longer waits in its instance", id)
	}
	result := make(map[string]any, len(vals))
	for name, v := range vals {
		st.set(name, v)
		result[name] = v.Native()
	}
	r := s.newRunner(ctx, tx, st)
	if err := r.completeService(t, el, result); err != nil {
		return err
	}
	if err := r.run(); err != nil {
		return err
	}
	return r.finish()
}
