package process

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Instance is one run of a process version.
type Instance struct {
	ID        string                 `json:"id"`
	Code      string                 `json:"process"`
	Name      string                 `json:"name"`
	Version   int                    `json:"version"`
	State     string                 `json:"state"`
	Variables map[string]value.Value `json:"variables"`
	SessionID string                 `json:"session_id"`
	Trigger   Trigger                `json:"trigger"`
	// Active lists the elements where tokens are, for the diagram to highlight.
	Active []ActiveElement `json:"active"`
	// Scopes lists the sub-processes running now; a token inside one names it by Scope.
	Scopes    []ScopeInfo `json:"scopes,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	EndedAt   *time.Time  `json:"ended_at"`
	// History, Tasks and Incidents are filled by Instance, not by StartTx.
	History   []Step      `json:"history,omitempty"`
	Tasks     []*Task     `json:"tasks,omitempty"`
	Incidents []*Incident `json:"incidents,omitempty"`
	// Parent is the instance whose call activity started this one; Children are the instances
	// this one's call activities started. Filled by Instance.
	Parent   *CallRef  `json:"parent,omitempty"`
	Children []CallRef `json:"children,omitempty"`
}

// ActiveElement is an element where a token is, and what it waits for there.
type ActiveElement struct {
	Element string `json:"element"`
	Wait    string `json:"wait"`
	// Scope is the id of the running sub-process the token is in (see Instance.Scopes); 0
	// (left out) for the process itself.
	Scope int `json:"scope,omitempty"`
}

// Step is one entry of an instance's history, in order.
type Step struct {
	Seq     int       `json:"seq"`
	Element string    `json:"element"`
	Kind    string    `json:"kind"`
	Event   string    `json:"event"`
	Detail  string    `json:"detail"`
	At      time.Time `json:"at"`
}

// InstanceSummary is an instance in a list.
type InstanceSummary struct {
	ID        string     `json:"id"`
	Code      string     `json:"process"`
	Name      string     `json:"name"`
	Version   int        `json:"version"`
	State     string     `json:"state"`
	SessionID string     `json:"session_id"`
	Trigger   Trigger    `json:"trigger"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at"`
}

func (st *state) instance() *Instance {
	inst := &Instance{ID: st.id, Code: st.v.Code, Name: st.v.Name, Version: st.v.Number, State: st.status,
		Variables: st.vars, SessionID: st.sessionID, Trigger: st.trigger, CreatedAt: st.created,
		Active: make([]ActiveElement, 0, len(st.toks.Tokens))}
	if !st.ended.IsZero() {
		t := st.ended
		inst.EndedAt = &t
	}
	for _, t := range st.toks.Tokens {
		inst.Active = append(inst.Active, ActiveElement{Element: t.El, Wait: t.Wait, Scope: t.Scope})
	}
	inst.Scopes = st.scopeInfo()
	sort.Slice(inst.Active, func(i, j int) bool {
		a, b := inst.Active[i], inst.Active[j]
		return a.Element < b.Element || a.Element == b.Element && a.Wait < b.Wait
	})
	return inst
}

// Instance returns an instance with its variables, active elements, history, tasks and open
// incidents, to those the policy lets read it (policy.InstanceRead).
func (s *Service) Instance(ctx context.Context, id string) (*Instance, error) {
	p := auth.FromContext(ctx)
	if p == nil || p.User == nil {
		return nil, policy.Can(p, policy.InstanceRead, policy.Resource{})
	}
	var inst *Instance
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		r, err := instanceResource(ctx, tx, p.User, id)
		if err != nil {
			return err
		}
		if err := policy.Can(p, policy.InstanceRead, r); err != nil {
			return err
		}
		st, err := s.loadState(ctx, tx, id, false)
		if err != nil {
			return err
		}
		inst = st.instance()
		if inst.History, err = history(ctx, tx, id); err != nil {
			return err
		}
		if inst.Tasks, err = queryTasks(ctx, tx, "WHERE instance_id = ? ORDER BY created_at, id", id); err != nil {
			return err
		}
		if inst.Parent, inst.Children, err = callRefs(ctx, tx, id); err != nil {
			return err
		}
		inst.Incidents, err = queryIncidents(ctx, tx, "WHERE j.instance_id = ? AND j.state = ? ORDER BY j.created_at", id, waits.JobIncident)
		return err
	})
	return inst, err
}

func history(ctx context.Context, tx *store.Tx, id string) ([]Step, error) {
	rows, err := tx.Query(ctx, "SELECT seq, element_id, kind, event, detail, at FROM process_history WHERE instance_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Step{}
	for rows.Next() {
		var h Step
		var at store.Timestamp
		if err := rows.Scan(&h.Seq, &h.Element, &h.Kind, &h.Event, &h.Detail, &at); err != nil {
			return nil, err
		}
		h.At = at.Time
		out = append(out, h)
	}
	return out, rows.Err()
}

// InstancesForSessionTx lists the instances linked to a session, newest first.
func (s *Service) InstancesForSessionTx(ctx context.Context, tx *store.Tx, sessionID string) ([]*InstanceSummary, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, i.code, COALESCE(v.name, ''), i.version, i.state, i.session_id, i.trigger, i.created_at, i.ended_at
		FROM process_instances i LEFT JOIN process_versions v ON v.code = i.code AND v.number = i.version
		WHERE i.session_id = ? ORDER BY i.created_at DESC, i.id DESC`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*InstanceSummary{}
	for rows.Next() {
		var x InstanceSummary
		var trig string
		var created, ended store.Timestamp
		if err := rows.Scan(&x.ID, &x.Code, &x.Name, &x.Version, &x.State, &x.SessionID, &trig, &created, &ended); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(trig), &x.Trigger); err != nil {
			return nil, err
		}
		x.CreatedAt = created.Time
		if !ended.IsZero() {
			t := ended.Time
			x.EndedAt = &t
		}
		out = append(out, &x)
	}
	return out, rows.Err()
}

// InstancesForSession is InstancesForSessionTx in its own read transaction.
func (s *Service) InstancesForSession(ctx context.Context, sessionID string) ([]*InstanceSummary, error) {
	var out []*InstanceSummary
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = s.InstancesForSessionTx(ctx, tx, sessionID)
		return err
	})
	return out, err
}

// Cancel ends an instance on an administrator's order: its open tasks are cancelled and its
// jobs, incidents and message waits removed.
func (s *Service) Cancel(ctx context.Context, id string) (*Instance, error) {
	admin, err := policy.UserCan(ctx, policy.InstanceCancel)
	if err != nil {
		return nil, err
	}
	var inst *Instance
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		st, err := s.loadState(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if st.done() {
			return errEnded(st)
		}
		if err := errCalledCancel(ctx, tx, st); err != nil {
			return err
		}
		r := s.newRunner(ctx, tx, st)
		if err := r.terminate(StateCancelled, "cancelled by "+admin.Login); err != nil {
			return err
		}
		if err := r.finish(); err != nil {
			return err
		}
		inst = st.instance()
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.NotFound, "instance %q not found", id)
	}
	return inst, err
}
