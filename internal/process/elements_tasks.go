package process

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// userTask creates the task row and waits for a person to complete it.
func (r *runner) userTask(t *token, el *bpmn.Element) error {
	assignee, groups, err := r.assignee(t, el)
	if err != nil {
		return r.incident(t, el, err)
	}
	if stop, err := r.enterActivity(t, el); stop {
		return err
	}
	id := store.NewID("task")
	var due any
	if at, ok := el.User.DueAt(r.tx.Now()); ok {
		due = store.TS(at)
	}
	gids, _ := json.Marshal(groups)
	r.b.add(tasksTable, id, r.st.id, t.ID, el.ID, nameOf(el), TaskOpen, assignee, string(gids), r.st.sessionID, due, store.TS(r.tx.Now()))
	for _, g := range groups {
		r.b.add(taskGroupsTable, g, id)
	}
	if err := notifyInboxes(r.ctx, r.tx, assignee, groups); err != nil {
		return err
	}
	t.Wait = waitTask
	r.record(el, evWaiting, "task "+id)
	return nil
}

func nameOf(el *bpmn.Element) string {
	if el.Name != "" {
		return el.Name
	}
	return el.ID
}

// assignee resolves who a task goes to when it is created: logins and group names become ids,
// a computed login is computed with the token's variables, and "the session's operator"
// becomes whoever operates the linked session now.
func (r *runner) assignee(t *token, el *bpmn.Element) (string, []string, error) {
	a := el.User.Assignee
	var user string
	var err error
	switch {
	case a.User != "":
		user, err = r.userID(a.User)
	case a.Expression != "":
		user, err = r.computedAssignee(t, el)
	case a.UserVariable != "":
		if user = r.st.vars[a.UserVariable].String(); user == "" {
			err = fmt.Errorf("the assignee variable %s has no value", a.UserVariable)
		}
	case a.SessionOperator:
		user, err = r.sessionOperator()
	}
	if err != nil {
		return "", nil, err
	}
	groups := make([]string, 0, len(a.Groups))
	for _, name := range a.Groups {
		id, err := r.groupID(name)
		if err != nil {
			return "", nil, err
		}
		groups = append(groups, id)
	}
	return user, groups, nil
}

// computedAssignee evaluates a task's assignee expression and finds the user with that login.
// A login nobody has is said in full, since the administrator reading the incident sees
// neither the loop counter nor the other variables the login was built from.
func (r *runner) computedAssignee(t *token, el *bpmn.Element) (string, error) {
	a := el.User.Assignee
	prog := r.st.v.Program().Login(el.ID)
	out, err := expr.Run(prog, r.st.envFor(t))
	if err != nil {
		return "", fmt.Errorf("the assignee cannot be computed: %w", r.exprFailed(prog, a.ExpressionRaw, err))
	}
	login, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("the assignee %s gave %s, which is not a login: a login is text", a.ExpressionRaw, plainValue(out))
	}
	if strings.TrimSpace(login) == "" {
		return "", fmt.Errorf("the assignee %s gave an empty login", a.ExpressionRaw)
	}
	id, err := r.userID(login)
	if errs.Is(err, errs.NotFound) {
		return "", fmt.Errorf("the assignee %s gave the login %q, and no user has that login", a.ExpressionRaw, login)
	}
	return id, err
}

// plainValue writes a value as its author would: nothing, a number or a list as JSON.
func plainValue(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return "a value of another kind"
	}
	return string(b)
}

func (r *runner) sessionOperator() (string, error) {
	if r.st.sessionID == "" {
		return "", errors.New("the task goes to the session's operator, but the instance has no linked session")
	}
	if r.s.deps.Chat == nil {
		return "", errors.New("live chats are not available")
	}
	return r.s.deps.Chat.Operator(r.ctx, r.tx, r.st.sessionID)
}

// serviceTask runs a service task. Outside workers' types and http calls wait as jobs, since
// neither may run inside a transaction; the chat and app types run at once, in a savepoint so
// that a failure undoes only their own writes and becomes a retry or an incident.
func (r *runner) serviceTask(t *token, el *bpmn.Element, first bool) error {
	if first {
		keys, err := r.boundaryKeys(el)
		if err != nil {
			return r.incident(t, el, err)
		}
		if left, err := r.startActivity(t, el, keys); left || err != nil {
			return err
		}
	}
	svc := el.Service
	switch {
	case svc.External():
		t.Wait = waitJob
		r.record(el, evWaiting, "job "+svc.Type)
		return r.addJob(waits.Job{Token: t.ID, Element: el.ID, Kind: waits.JobExternal, Type: svc.Type, State: waits.JobWaiting, Due: r.tx.Now(), Max: r.retries(svc)})
	case svc.Type == bpmn.TypeHTTP:
		t.Wait = waitJob
		r.record(el, evWaiting, "http call")
		return r.addJob(waits.Job{Token: t.ID, Element: el.ID, Kind: waits.JobStep, Type: svc.Type, State: waits.JobReady, Due: r.tx.Now(),
			Attempts: r.attempt - 1, Max: r.retries(svc)})
	}
	outputsFailed, err := r.runBuiltin(t, el)
	switch {
	case outputsFailed:
		return r.incident(t, el, err)
	case err != nil:
		return r.stepFailed(t, el, err)
	}
	return r.leaveService(t, el)
}

// runBuiltin runs a built-in task and stores its outputs in one savepoint. The outputs are
// inside it because they can fail at run time too: the step then becomes an incident, and the
// item or reply the task wrote must go with it, or the administrator's retry would write it a
// second time. outputsFailed tells such a failure, which repeats on every attempt, from one of
// the task itself, which may pass when tried again.
func (r *runner) runBuiltin(t *token, el *bpmn.Element) (outputsFailed bool, err error) {
	err = r.tx.Savepoint(r.ctx, func() error {
		result, err := r.builtin(el)
		if err != nil {
			return err
		}
		if err := r.applyOutputs(t, el, result); err != nil {
			outputsFailed = true
			return err
		}
		return nil
	})
	return outputsFailed && err != nil, err
}

// completeService stores a finished task's outputs and moves the token on.
func (r *runner) completeService(t *token, el *bpmn.Element, result map[string]any) error {
	r.tok = t
	if err := r.applyOutputs(t, el, result); err != nil {
		return r.incident(t, el, err)
	}
	return r.leaveService(t, el)
}

// leaveService moves the token of a service task whose outputs are stored on.
func (r *runner) leaveService(t *token, el *bpmn.Element) error {
	if err := r.clearToken(t, el); err != nil {
		return err
	}
	r.record(el, evCompleted, "")
	r.leave(t, el)
	return nil
}

func (r *runner) retries(svc *bpmn.ServiceTask) int {
	if svc.Retries > 0 {
		return svc.Retries
	}
	return r.s.opts.DefaultRetries
}

// applyOutputs evaluates a task's outputs against the variables, the token's locals and the
// task's result.
func (r *runner) applyOutputs(t *token, el *bpmn.Element, result map[string]any) error {
	outs := r.st.v.Program().Outputs(el.ID)
	if len(outs) == 0 {
		return nil
	}
	vars := r.st.envFor(t)
	env := make(map[string]any, len(vars)+len(result))
	for k, v := range vars {
		env[k] = v
	}
	for k, v := range result {
		env[k] = v
	}
	vals := make([]value.Value, len(outs))
	for i, o := range outs {
		v, err := r.evalAssign(o, env)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	for i, o := range outs {
		r.st.set(o.Variable, vals[i])
	}
	return nil
}

// clearToken removes what a token that leaves an activity leaves behind: its boundary timers
// and message subscriptions, and any job of its own.
func (r *runner) clearToken(t *token, el *bpmn.Element) error {
	if len(el.Boundaries) == 0 && t.Wait != waitJob {
		return nil
	}
	if err := r.exec("DELETE FROM process_messages WHERE instance_id = ? AND token_id = ?", r.st.id, t.ID); err != nil {
		return err
	}
	return r.exec("DELETE FROM process_jobs WHERE instance_id = ? AND token_id = ?", r.st.id, t.ID)
}

// stepFailed schedules a retry with backoff, or raises an incident once the task's attempts
// are used up: a step that keeps failing must be seen, never loop silently. An invalid error
// (a value of the wrong type, a missing session) fails the same way every time, so it raises
// the incident at once.
func (r *runner) stepFailed(t *token, el *bpmn.Element, err error) error {
	attempt, max := r.attempt, r.retries(el.Service)
	if attempt >= max || errs.Is(err, errs.Invalid) {
		return r.incident(t, el, fmt.Errorf("attempt %d of %d: %w", attempt, max, err))
	}
	t.Wait = waitJob
	due := r.tx.Now().Add(r.s.backoff(attempt))
	r.record(el, evRetrying, fmt.Sprintf("attempt %d of %d failed: %v", attempt, max, err))
	return r.addJob(waits.Job{Token: t.ID, Element: el.ID, Kind: waits.JobStep, Type: el.Service.Type, State: waits.JobReady, Due: due,
		Attempts: attempt, Max: max, Err: err.Error()})
}

// incident stops a token at an element until an administrator retries it.
func (r *runner) incident(t *token, el *bpmn.Element, cause error) error {
	max := 1
	if el.Service != nil {
		max = r.retries(el.Service)
	}
	return r.raise(t, el, cause, waits.Job{Kind: waits.JobStep, Max: max})
}

// raise stops a token at an element with an incident job of j's kind; a retry sets the job
// ready and the worker does what its kind says, so the kind decides what a retry repeats.
func (r *runner) raise(t *token, el *bpmn.Element, cause error, j waits.Job) error {
	// Said where it happened first, so that the incident list reads on its own.
	cause = fmt.Errorf("%s: %w", elementLabel(el), cause)
	t.Wait = waitIncident
	r.st.status = StateIncident
	r.record(el, evFailed, cause.Error())
	j.Token, j.Element, j.Type, j.State, j.Due, j.Attempts, j.Err = t.ID, el.ID, typeOf(el), waits.JobIncident, r.tx.Now(), r.attempt, cause.Error()
	return r.addJob(j)
}

func typeOf(el *bpmn.Element) string {
	if el.Service != nil {
		return el.Service.Type
	}
	return string(el.Kind)
}
