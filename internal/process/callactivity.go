package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// waitCall is the wait of a token at a call activity: the instance it started runs, and its
// end moves the token on (token.Call names it).
const waitCall = "call"

// TriggerCall is the trigger of an instance started by another instance's call activity.
const TriggerCall = "call"

// maxCallDepth bounds how deeply call activities nest. A process that calls itself on every
// path would otherwise start instances until the run's transaction gives up; the bound turns
// that into an incident that names the call.
const maxCallDepth = 16

// callLink is where an instance started by a call activity returns to.
type callLink struct {
	parent string        // the calling instance
	token  int           // its token waiting at the call activity
	el     *bpmn.Element // the call activity, in the caller's version
	depth  int           // 1 for an instance called by a root instance
}

// callRun is what a runner knows about calls. caller is set when this instance was started by
// a call activity in the same run: that runner continues itself once the child's first run is
// over, so the child's finish must not return to it a second time.
type callRun struct {
	caller *runner
	link   *callLink
	loaded bool
	// raised is an error this instance ended with because its call activity catches it, or an
	// escalation that an interrupting catcher of its caller takes.
	raised *thrown
	// escalated are the codes of escalations raised in this run that a non-interrupting
	// catcher of the caller takes while this instance goes on; the caller gets them once this
	// run is over (passEscalations).
	escalated []string
}

// callLink returns where this instance returns to, or nil for an instance nobody called.
func (r *runner) callLink() (*callLink, error) {
	if r.call.loaded || r.st.isNew {
		return r.call.link, nil
	}
	var parent, element, code string
	var tok, depth, n int
	err := r.tx.QueryRow(r.ctx, `SELECT i.parent_id, i.parent_token, i.parent_element, i.call_depth, COALESCE(p.code, ''), COALESCE(p.version, 0)
		FROM process_instances i LEFT JOIN process_instances p ON p.id = i.parent_id WHERE i.id = ?`, r.st.id).
		Scan(&parent, &tok, &element, &depth, &code, &n)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	r.call.loaded = true
	if parent == "" || code == "" {
		return nil, nil
	}
	v, err := r.s.VersionTx(r.ctx, r.tx, code, n)
	if err != nil {
		return nil, err
	}
	if el := v.Process.Elements[element]; el != nil {
		r.call.link = &callLink{parent: parent, token: tok, el: el, depth: depth}
	}
	return r.call.link, nil
}

// callActivity starts an instance of the called process and makes the token wait for it. The
// child runs to its first wait in this transaction; when it completes (now or later) the token
// moves on in the transaction that completes it. The boundary events are armed first, so that
// whatever cannot start the child (a process that is not published, mappings that do not fit
// its variables, nesting too deep) is an incident at the call activity that a timer can still
// interrupt, as at a task; a retry runs the call again. A retry after the child completed
// and only its output mappings failed applies them again rather than calling a second time.
func (r *runner) callActivity(t *token, el *bpmn.Element, first bool) error {
	if !first && t.Call != "" {
		child, err := r.s.loadState(r.ctx, r.tx, t.Call, false)
		if err != nil {
			return err
		}
		if child.status == StateCompleted {
			return r.childEnded(t, el, child, nil)
		}
		return nil
	}
	if first {
		keys, err := r.boundaryKeys(el)
		if err != nil {
			return r.incident(t, el, err)
		}
		if left, err := r.startActivity(t, el, keys); left || err != nil {
			return err
		}
	}
	v, vars, depth, problem, err := r.prepareCall(el)
	if err != nil {
		return err
	}
	if problem != nil {
		return r.incident(t, el, problem)
	}
	child, cr, err := r.startChild(t, el, v, vars, depth)
	if err != nil {
		return err
	}
	t.Wait, t.Call = waitCall, child.id
	r.record(el, evWaiting, "instance "+child.id+" of process "+v.Code)
	for _, code := range cr.call.escalated {
		if err := r.childEscalated(t, el, child.id, code); err != nil {
			return err
		}
	}
	if child.status == StateCompleted || cr.call.raised != nil {
		return r.childEnded(t, el, child, cr.call.raised)
	}
	return nil
}

// prepareCall finds what a call starts with: the called version, the child's variables and
// its depth. A problem (a process that is not published, mappings that do not fit, nesting
// too deep) becomes an incident; err is for the database.
func (r *runner) prepareCall(el *bpmn.Element) (v *Version, vars map[string]value.Value, depth int, problem, err error) {
	link, err := r.callLink()
	if err != nil {
		return nil, nil, 0, nil, err
	}
	depth = 1
	if link != nil {
		depth = link.depth + 1
	}
	if depth > maxCallDepth {
		return nil, nil, 0, fmt.Errorf("process '%s' called by callActivity (%s) would run %d calls deep; calls nest at most %d levels, which a process calling itself on every path reaches",
			el.Call.Process, el.ID, depth, maxCallDepth), nil
	}
	if v, problem, err = r.s.calledVersion(r.ctx, r.tx, el); err != nil || problem != nil {
		return nil, nil, 0, problem, err
	}
	vars, problem = r.callInputs(el, v)
	return v, vars, depth, problem, nil
}

// calledVersion resolves the called process: the pinned version, or the newest published one
// at the moment of the call, as Camunda resolves it at run time. A process that is missing or
// not published is a problem for an incident; err is for the database.
func (s *Service) calledVersion(ctx context.Context, tx *store.Tx, el *bpmn.Element) (v *Version, problem, err error) {
	c := el.Call
	if c.Version == 0 {
		v, err = s.LatestVersionTx(ctx, tx, c.Process)
	} else {
		v, err = s.VersionTx(ctx, tx, c.Process, c.Version)
	}
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Conflict) {
		what := fmt.Sprintf("process '%s'", c.Process)
		if c.Version > 0 {
			what = fmt.Sprintf("version %d of process '%s'", c.Version, c.Process)
		}
		return nil, fmt.Errorf("%s called by callActivity (%s) is not published", what, el.ID), nil
	}
	return v, nil, err
}

// startChild creates the called instance, linked to the token that waits for it, with the
// caller's session (so that live-chat tasks inside act on the same conversation), and runs it
// to its first wait.
func (r *runner) startChild(t *token, el *bpmn.Element, v *Version, vars map[string]value.Value, depth int) (*state, *runner, error) {
	child := &state{id: store.NewID("pi"), v: v, vars: vars, status: StateActive, sessionID: r.st.sessionID,
		trigger: Trigger{Kind: TriggerCall, LiveChatID: r.st.trigger.LiveChatID}, created: r.tx.Now(), isNew: true}
	cr := r.s.newRunner(r.ctx, r.tx, child)
	cr.call = callRun{caller: r, loaded: true, link: &callLink{parent: r.st.id, token: t.ID, el: el, depth: depth}}
	cr.record(v.Process.Start, evStarted, TriggerCall)
	cr.arrive(child.toks.NewToken(v.Process.Start.ID), v.Process.Start, nil)
	if err := cr.run(); err != nil {
		return nil, nil, err
	}
	if err := cr.finish(); err != nil {
		return nil, nil, err
	}
	if err := r.exec("UPDATE process_instances SET parent_id = ?, parent_token = ?, parent_element = ?, call_depth = ? WHERE id = ?",
		r.st.id, t.ID, el.ID, depth, child.id); err != nil {
		return nil, nil, err
	}
	if child.sessionID != "" {
		if err := r.tx.Notify(r.ctx, SessionProcessesChannel); err != nil {
			return nil, nil, err
		}
	}
	return child, cr, nil
}

// childEnded moves the token waiting at a call activity on once its instance ended: by the
// error boundary event that catches the error the child ended with, or, when it completed, out
// of the activity with the child's variables mapped back.
func (r *runner) childEnded(t *token, el *bpmn.Element, child *state, raised *thrown) error {
	if raised != nil {
		t.Call = ""
		catcher := catcherOf(el, raised.code)
		if raised.escalation {
			catcher = catching(el.Boundaries, escalationCode, raised.code)
		}
		if err := r.cancelTokenWaits(t); err != nil {
			return err
		}
		if catcher == nil && raised.escalation {
			// An event sub-process or a sub-process's boundary event around the call activity
			// (escalateToCaller checked that one catches it and interrupts).
			_, _, err := r.catchEscalation(t, el, raised.code)
			return err
		}
		if catcher == nil {
			// Caught further out (raiseToCaller checked): by an error event sub-process or a
			// sub-process's boundary event around the call activity.
			_, err := r.catchError(t, el, raised)
			return err
		}
		r.record(el, evCancelled, fmt.Sprintf("%s thrown in instance %s caught by %s", raised, child.id, catcher.ID))
		r.arrive(t, catcher, nil)
		return nil
	}
	if err := r.callOutputs(el, child); err != nil {
		return r.incident(t, el, err)
	}
	if err := r.clearToken(t, el); err != nil {
		return err
	}
	t.Call = ""
	r.record(el, evCompleted, "instance "+child.id+" completed")
	r.leave(t, el)
	return nil
}

// returning reports whether this run ended an instance that a call activity waits for and
// that must return to it: it completed, or it ended with an error its call activity catches.
// A child started in the caller's own run is continued by that run instead.
func (r *runner) returning() bool {
	if r.call.caller != nil || r.st.isNew || (r.st.status != StateCompleted && r.call.raised == nil) {
		return false
	}
	for _, h := range r.hist {
		if h.event == evEnded {
			return true
		}
	}
	return false
}

// returnToCaller continues the calling instance of an instance that just ended, in the same
// transaction. The caller's token is found again under its lock; when it no longer waits for
// this instance (a boundary event interrupted the call meanwhile), there is nothing to do.
func (r *runner) returnToCaller() error {
	pr, t, link, err := r.waitingCaller()
	if err != nil || pr == nil {
		return err
	}
	if err := pr.childEnded(t, link.el, r.st, r.call.raised); err != nil {
		return err
	}
	if err := pr.run(); err != nil {
		return err
	}
	return pr.finish()
}

// waitingCaller loads the calling instance of this one, under its lock, with a runner for it
// and its token at the call activity. The runner is nil when nobody called this instance or
// the token no longer waits for it (a boundary event interrupted the call meanwhile).
func (r *runner) waitingCaller() (*runner, *token, *callLink, error) {
	link, err := r.callLink()
	if err != nil || link == nil {
		return nil, nil, nil, err
	}
	parent, err := r.s.loadState(r.ctx, r.tx, link.parent, true)
	if err != nil {
		return nil, nil, nil, err
	}
	t := parent.toks.Token(link.token)
	if parent.done() || t == nil || t.Call != r.st.id || t.Wait != waitCall {
		return nil, nil, nil, nil
	}
	return r.s.newRunner(r.ctx, r.tx, parent), t, link, nil
}

// raiseToCaller ends this instance with an error that its own elements do not catch but the
// caller does, by an error boundary event of the call activity that started it or through the
// scopes around that call activity; the caller then takes it.
// An error nobody catches stays an incident in this instance, where it was thrown.
func (r *runner) raiseToCaller(el *bpmn.Element, e *thrown) (bool, error) {
	link, err := r.callLink()
	if err != nil || link == nil {
		return false, err
	}
	// A child started in its caller's own run asks that run's state, not yet written.
	parent := (*state)(nil)
	if r.call.caller != nil {
		parent = r.call.caller.st
	} else if parent, err = r.s.loadState(r.ctx, r.tx, link.parent, true); err != nil {
		return false, err
	}
	t := parent.toks.Token(link.token)
	if t == nil || parent.catcherAround(t, link.el, errorCode, e.code) == nil {
		return false, nil
	}
	r.call.raised = e
	r.record(el, evCompleted, fmt.Sprintf("%s passed to callActivity %s of instance %s", e, link.el.ID, link.parent))
	return true, r.terminate(StateCancelled, fmt.Sprintf("ended by %s, caught by the calling instance %s", e, link.parent))
}

// escalateToCaller passes an escalation that nothing in this instance catches to the call
// activity that started it, as Camunda 8 does: an escalation boundary event of the call
// activity, or an escalation event sub-process or boundary event around it, catches it. An
// interrupting catcher ends this instance (the caller takes the escalation as it would an
// error); a non-interrupting one leaves it running, and the caller gets the escalation when
// this run is over. It returns what the history says of the throw, "" when the caller does
// not catch it either, and whether this instance ended.
func (r *runner) escalateToCaller(el *bpmn.Element, code string) (string, bool, error) {
	link, err := r.callLink()
	if err != nil || link == nil {
		return "", false, err
	}
	parent := (*state)(nil)
	if r.call.caller != nil {
		parent = r.call.caller.st
	} else if parent, err = r.s.loadState(r.ctx, r.tx, link.parent, true); err != nil {
		return "", false, err
	}
	t := parent.toks.Token(link.token)
	if t == nil || (t.Call != r.st.id && r.call.caller == nil) {
		return "", false, nil
	}
	by := parent.catcherAround(t, link.el, escalationCode, code)
	if by == nil {
		return "", false, nil
	}
	passed := fmt.Sprintf("escalation %q raised; passed to callActivity %s of instance %s, caught by %s", code, link.el.ID, link.parent, by.ID)
	if by.Interrupting {
		r.call.raised = &thrown{code: code, escalation: true}
		r.record(el, evCompleted, passed)
		return passed, true, r.terminate(StateCancelled, fmt.Sprintf("ended by escalation %q, caught by the calling instance %s", code, link.parent))
	}
	r.call.escalated = append(r.call.escalated, code)
	return passed + ", which does not interrupt", false, nil
}

// childEscalated takes an escalation that the instance a token's call activity waits for
// raised and that a non-interrupting catcher here takes: a boundary event of the call activity
// starts a branch of its own, and the call goes on.
func (r *runner) childEscalated(t *token, el *bpmn.Element, child, code string) error {
	if b := catching(el.Boundaries, escalationCode, code); b != nil {
		r.record(el, evWaiting, fmt.Sprintf("escalation %q raised in instance %s; caught by %s, which does not interrupt", code, child, b.ID))
		r.arrive(r.st.toks.Fork(t, b.ID), b, nil)
		return nil
	}
	_, _, err := r.catchEscalation(t, el, code)
	return err
}

// passEscalations gives the caller the escalations this run raised for its non-interrupting
// catchers, in the same transaction (see escalateToCaller). A child started in its caller's
// own run is handled by that run instead.
func (r *runner) passEscalations() error {
	if len(r.call.escalated) == 0 || r.call.caller != nil {
		return nil
	}
	codes := r.call.escalated
	r.call.escalated = nil
	pr, t, link, err := r.waitingCaller()
	if err != nil || pr == nil {
		return err
	}
	for _, code := range codes {
		if err := pr.childEscalated(t, link.el, r.st.id, code); err != nil {
			return err
		}
	}
	if err := pr.run(); err != nil {
		return err
	}
	return pr.finish()
}

// cancelCalled cancels the instance a token's call activity waits for, with its own waits and
// calls: an interrupting boundary event or the end of the caller ends the call too.
func (r *runner) cancelCalled(t *token) error {
	id := t.Call
	if id == "" {
		return nil
	}
	t.Call = ""
	child, err := r.s.loadState(r.ctx, r.tx, id, true)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if child.done() {
		return nil
	}
	cr := r.s.newRunner(r.ctx, r.tx, child)
	cr.call.loaded = true
	if err := cr.terminate(StateCancelled, "cancelled with its calling instance "+r.st.id); err != nil {
		return err
	}
	return cr.finish()
}

// cancelAllCalled cancels the instances every token of this instance waits for.
func (r *runner) cancelAllCalled() error {
	for _, t := range r.st.toks.Tokens {
		if err := r.cancelCalled(t); err != nil {
			return err
		}
	}
	return nil
}

// lockCallers locks the instances above a called instance, outermost first, before the
// instance itself is locked. Every path then takes the locks of one call tree in the same
// order (a caller before what it called), so a child completing and its caller's timer firing
// at once wait for each other instead of deadlocking; the second finds the wait already taken.
func lockCallers(ctx context.Context, tx *store.Tx, id string) error {
	var parent string
	err := tx.QueryRow(ctx, "SELECT parent_id FROM process_instances WHERE id = ?", id).Scan(&parent)
	if err != nil || parent == "" {
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		return err
	}
	if err := lockCallers(ctx, tx, parent); err != nil {
		return err
	}
	var got string
	err = tx.QueryRow(ctx, "SELECT id FROM process_instances WHERE id = ?"+tx.ForUpdate(), parent).Scan(&got)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	return err
}

// errCalledCancel refuses to cancel a called instance on its own: its caller would wait for
// it for ever. Cancelling the caller cancels it.
func errCalledCancel(ctx context.Context, tx *store.Tx, st *state) error {
	var parent, element string
	err := tx.QueryRow(ctx, "SELECT parent_id, parent_element FROM process_instances WHERE id = ?", st.id).Scan(&parent, &element)
	if err != nil || parent == "" {
		return err
	}
	return errs.New(errs.Conflict, "instance %s was started by callActivity %s of instance %s, which waits for it; cancel instance %s instead",
		st.id, element, parent, parent)
}
