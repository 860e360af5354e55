package process

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/catalog"
	"github.com/parleychat/parley/internal/process/tokens"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Task states.
const (
	TaskOpen      = "open"
	TaskCompleted = "completed"
	TaskCancelled = "cancelled"
)

// Task is a user task: work for a person, with the variables they fill in.
type Task struct {
	ID         string     `json:"id"`
	InstanceID string     `json:"instance_id"`
	Element    string     `json:"element"`
	Name       string     `json:"name"`
	State      string     `json:"state"`
	Assignee   string     `json:"assignee"`
	Groups     []string   `json:"groups"`
	SessionID  string     `json:"session_id"`
	DueAt      *time.Time `json:"due_at"`
	CreatedAt  time.Time  `json:"created_at"`
	EndedAt    *time.Time `json:"ended_at"`
	// CompletedBy is the user who completed it; Values what they filled in.
	CompletedBy string          `json:"completed_by,omitempty"`
	Values      json.RawMessage `json:"values,omitempty"`
	// Form and Documentation come from the diagram, for the task page.
	Form          []FormField `json:"form"`
	Documentation string      `json:"documentation,omitempty"`
	// Locals are the task's own variables: the element and loopCounter of one inner instance
	// of a multi-instance task, so that the person sees which element is theirs, and the
	// task's zeebe:input values, computed when it opened.
	Locals map[string]any `json:"locals,omitempty"`
	token  int
}

// FormField is one variable a person fills in to complete a task.
type FormField struct {
	Variable string     `json:"variable"`
	Label    string     `json:"label"`
	Type     value.Type `json:"type"`
	Required bool       `json:"required"`
}

const taskColumns = `id, instance_id, token_id, element_id, name, state, assignee, group_ids, session_id, due_at, created_at, ended_at, completed_by, result`

func queryTasks(ctx context.Context, tx *store.Tx, where string, args ...any) ([]*Task, error) {
	rows, err := tx.Query(ctx, "SELECT "+taskColumns+" FROM process_tasks "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanTask(row interface{ Scan(...any) error }) (*Task, error) {
	var t Task
	var groups, result string
	var due, created, ended store.Timestamp
	if err := row.Scan(&t.ID, &t.InstanceID, &t.token, &t.Element, &t.Name, &t.State, &t.Assignee, &groups,
		&t.SessionID, &due, &created, &ended, &t.CompletedBy, &result); err != nil {
		return nil, err
	}
	t.CreatedAt, t.DueAt, t.EndedAt = created.Time, timePtr(due), timePtr(ended)
	if result != "" {
		t.Values = json.RawMessage(result)
	}
	return &t, json.Unmarshal([]byte(groups), &t.Groups)
}

func timePtr(t store.Timestamp) *time.Time {
	if t.IsZero() {
		return nil
	}
	x := t.Time
	return &x
}

// describe fills a task's form and documentation from its version's diagram.
func (s *Service) describe(ctx context.Context, tx *store.Tx, t *Task) error {
	var code, toks string
	var n int
	if err := tx.QueryRow(ctx, "SELECT code, version, tokens FROM process_instances WHERE id = ?", t.InstanceID).Scan(&code, &n, &toks); err != nil {
		return err
	}
	if vars := tokens.LocalVars(toks, t.token); len(vars) > 0 {
		t.Locals = (&token{Vars: vars}).Locals()
	}
	v, err := s.VersionTx(ctx, tx, code, n)
	if err != nil {
		return err
	}
	el := v.Process.Elements[t.Element]
	t.Form = []FormField{}
	if el == nil || el.User == nil {
		return nil
	}
	t.Documentation = el.Documentation
	for _, f := range el.User.Form {
		x, _ := v.Variable(f.Variable)
		t.Form = append(t.Form, FormField{Variable: f.Variable, Label: f.Label, Type: x.Type, Required: f.Required})
	}
	return nil
}

// TaskFilter selects tasks for an inbox.
type TaskFilter struct {
	// State is open (the default), completed, cancelled or all.
	State string
	Page  store.Page
}

// Inbox lists the tasks of the calling user: assigned to them, or offered to one of their
// groups; oldest first.
func (s *Service) Inbox(ctx context.Context, f TaskFilter) (store.List[*Task], error) {
	var out store.List[*Task]
	user, err := auth.StaffFrom(ctx)
	if err != nil {
		return out, err
	}
	if err := f.Page.Check(); err != nil {
		return out, err
	}
	where, args, err := inboxQuery(user, f)
	if err != nil {
		return out, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		tasks, err := queryTasks(ctx, tx, where, args...)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if err := s.describe(ctx, tx, t); err != nil {
				return err
			}
		}
		out = store.Cut(tasks, f.Page, func(t *Task) string { return t.ID })
		return nil
	})
	return out, err
}

func inboxQuery(user *auth.User, f TaskFilter) (string, []any, error) {
	where := "WHERE id > ? AND (assignee = ? OR id IN (SELECT task_id FROM process_task_groups WHERE group_id IN (SELECT group_id FROM group_members WHERE user_id = ?)))"
	args := []any{f.Page.Cursor, user.ID, user.ID}
	switch f.State {
	case "", TaskOpen, TaskCompleted, TaskCancelled:
		if f.State == "" {
			f.State = TaskOpen
		}
		where += " AND state = ?"
		args = append(args, f.State)
	case "all":
	default:
		return "", nil, errs.Field("state", "must be open, completed, cancelled or all, not %q", f.State)
	}
	return where + " ORDER BY id LIMIT ?", append(args, f.Page.Size()+1), nil
}

// Task returns one task to a user the policy lets read it (policy.TaskRead): its assignee, a
// member of one of its groups, the staff of its session's live chat, or an administrator.
func (s *Service) Task(ctx context.Context, id string) (*Task, error) {
	if _, err := auth.StaffFrom(ctx); err != nil {
		return nil, err
	}
	var t *Task
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		if t, err = taskTx(ctx, tx, id, false); err != nil {
			return err
		}
		if err := allowTask(ctx, tx, policy.TaskRead, t); err != nil {
			return err
		}
		return s.describe(ctx, tx, t)
	})
	return t, err
}

func taskTx(ctx context.Context, tx *store.Tx, id string, lock bool) (*Task, error) {
	q := "SELECT " + taskColumns + " FROM process_tasks WHERE id = ?"
	if lock {
		q += tx.ForUpdate()
	}
	t, err := scanTask(tx.QueryRow(ctx, q, id))
	return t, store.NotFound(err, "task %q not found", id)
}

// CompleteTask completes a task with the values of its form, checked against the variables'
// types, and moves the instance on. The policy (policy.TaskComplete) allows the assignee and
// candidates who are not offline, and administrators.
func (s *Service) CompleteTask(ctx context.Context, id string, values map[string]json.RawMessage) (*Task, error) {
	user, err := auth.StaffFrom(ctx)
	if err != nil {
		return nil, err
	}
	var t *Task
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if t, err = taskTx(ctx, tx, id, false); err != nil {
			return err
		}
		if err := allowTask(ctx, tx, policy.TaskComplete, t); err != nil {
			return err
		}
		st, err := s.loadState(ctx, tx, t.InstanceID, true)
		if err != nil {
			return err
		}
		if t, err = taskTx(ctx, tx, id, false); err != nil {
			return err
		}
		return s.completeTask(ctx, tx, st, t, user, values)
	})
	return t, err
}

func (s *Service) completeTask(ctx context.Context, tx *store.Tx, st *state, t *Task, user *auth.User, raw map[string]json.RawMessage) error {
	if t.State != TaskOpen {
		return errs.New(errs.Conflict, "task %s is %s", t.ID, t.State)
	}
	el, tok := st.v.Process.Elements[t.Element], st.toks.Token(t.token)
	if el == nil || el.User == nil || tok == nil {
		return errs.New(errs.Conflict, "task %s no longer waits in its instance", t.ID)
	}
	vals, err := formValues(st.v, el.User.Form, raw)
	if err != nil {
		return err
	}
	if err := s.checkRefs(ctx, tx, vals); err != nil {
		return err
	}
	result := []byte(encodeVars(vals))
	if _, err := tx.Exec(ctx, "UPDATE process_tasks SET state = ?, ended_at = ?, completed_by = ?, result = ? WHERE id = ?",
		TaskCompleted, store.TS(tx.Now()), user.ID, string(result), t.ID); err != nil {
		return err
	}
	if err := notifyInboxes(ctx, tx, t.Assignee, t.Groups); err != nil {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	for name, v := range vals {
		st.set(name, v)
	}
	if err := r.clearToken(tok, el); err != nil {
		return err
	}
	r.record(el, evCompleted, "by "+user.Login)
	r.leave(tok, el)
	if err := r.run(); err != nil {
		return err
	}
	t.State, t.CompletedBy, t.Values = TaskCompleted, user.ID, result
	now := tx.Now()
	t.EndedAt = &now
	return r.finish()
}

// formValues checks the values sent to complete a task: only the form's variables, each of
// its declared type, and every required one present.
func formValues(v *Version, form []bpmn.FormField, raw map[string]json.RawMessage) (map[string]value.Value, error) {
	var list errs.List
	fields := make(map[string]bpmn.FormField, len(form))
	for _, f := range form {
		fields[f.Variable] = f
	}
	out := make(map[string]value.Value, len(raw))
	for _, name := range sortedKeys(raw) {
		x, ok := v.Variable(name)
		if _, inForm := fields[name]; !inForm || !ok {
			list.Add(name, "is not a field of this task")
			continue
		}
		if val, ok, err := catalog.ParseValue(&list, name, x.Type, raw[name]); err != nil {
			return nil, err
		} else if ok {
			out[name] = val
		}
	}
	for _, f := range form {
		if val, ok := out[f.Variable]; f.Required && (!ok || val.IsNull()) {
			list.Add(f.Variable, "is required")
		}
	}
	return out, list.Err()
}
