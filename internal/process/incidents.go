package process

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// Incident is a step that failed for good: the token waits at the element until an
// administrator retries it (or cancels the instance).
type Incident struct {
	ID         string    `json:"id"`
	InstanceID string    `json:"instance_id"`
	Process    string    `json:"process"`
	Version    int       `json:"version"`
	Element    string    `json:"element"`
	Type       string    `json:"type"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error"`
	CreatedAt  time.Time `json:"created_at"`
}

func queryIncidents(ctx context.Context, tx *store.Tx, where string, args ...any) ([]*Incident, error) {
	rows, err := tx.Query(ctx, `SELECT j.id, j.instance_id, i.code, i.version, j.element_id, j.type, j.attempts, j.error, j.updated_at
		FROM process_jobs j JOIN process_instances i ON i.id = j.instance_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Incident{}
	for rows.Next() {
		var x Incident
		var at store.Timestamp
		if err := rows.Scan(&x.ID, &x.InstanceID, &x.Process, &x.Version, &x.Element, &x.Type, &x.Attempts, &x.Error, &at); err != nil {
			return nil, err
		}
		x.CreatedAt = at.Time
		out = append(out, &x)
	}
	return out, rows.Err()
}

// Incidents lists open incidents, oldest first. Only administrators may.
func (s *Service) Incidents(ctx context.Context, p store.Page) (store.List[*Incident], error) {
	var out store.List[*Incident]
	if err := policy.Check(ctx, policy.IncidentRead); err != nil {
		return out, err
	}
	if err := p.Check(); err != nil {
		return out, err
	}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		items, err := queryIncidents(ctx, tx, "WHERE j.state = ? AND j.id > ? ORDER BY j.id LIMIT ?", waits.JobIncident, p.Cursor, p.Size()+1)
		out = store.Cut(items, p, func(x *Incident) string { return x.ID })
		return err
	})
	return out, err
}

// RetryIncident makes the failed step run again now, with its attempts counted afresh.
func (s *Service) RetryIncident(ctx context.Context, id string) (*Incident, error) {
	if err := policy.Check(ctx, policy.IncidentRetry); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var instanceID string
		err := tx.QueryRow(ctx, "SELECT instance_id FROM process_jobs WHERE id = ? AND state = ?", id, waits.JobIncident).Scan(&instanceID)
		if err != nil {
			return store.NotFound(err, "incident %q not found", id)
		}
		st, err := s.loadState(ctx, tx, instanceID, true)
		if err != nil {
			return err
		}
		list, err := queryIncidents(ctx, tx, "WHERE j.id = ?", id)
		if err != nil || len(list) == 0 {
			return errs.New(errs.NotFound, "incident %q not found", id)
		}
		out = list[0]
		return s.retryTx(ctx, tx, st, id)
	})
	return out, err
}

func (s *Service) retryTx(ctx context.Context, tx *store.Tx, st *state, id string) error {
	if _, err := tx.Exec(ctx, `UPDATE process_jobs SET state = ?, attempts = 0, due_at = ?, lease_owner = '', lease_until = NULL, updated_at = ?
		WHERE id = ? AND state = ?`, waits.JobReady, store.TS(tx.Now()), store.TS(tx.Now()), id, waits.JobIncident); err != nil {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	if err := r.settleIncidents(); err != nil {
		return err
	}
	r.record(nil, evRetrying, "incident "+id+" retried")
	if err := r.finish(); err != nil {
		return err
	}
	return tx.Notify(ctx, waits.JobsChannel)
}

// settleIncidents puts an instance in incident back to active once none of its incidents is
// left: retried by an administrator, or removed because a boundary timer interrupted the step
// that had failed. The state tells administrators what waits for them, so it must not say
// incident when there is nothing left to retry.
func (r *runner) settleIncidents() error {
	if r.st.status != StateIncident {
		return nil
	}
	if err := r.b.flush(r.ctx, r.tx); err != nil {
		return err
	}
	more, err := r.tx.Exists(r.ctx, "SELECT 1 FROM process_jobs WHERE instance_id = ? AND state = ?", r.st.id, waits.JobIncident)
	if err != nil || more {
		return err
	}
	r.st.status = StateActive
	return nil
}
