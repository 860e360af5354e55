package process

import (
	"fmt"

	"github.com/parleychat/parley/internal/process/bpmn"
)

// catchError looks for what catches an error thrown at el by token t, from the token's scope
// outward: in each scope, an error event sub-process of that scope first, then an error
// boundary event on the sub-process itself. An exact code wins over a catch-all in both.
// Whatever catches it interrupts: everything in the scope it runs in is cancelled.
func (r *runner) catchError(t *token, el *bpmn.Element, e *thrown) (bool, error) {
	for id := t.Scope; ; {
		if s := startCatching(r.eventSubs(id), errorCode, e.code); s != nil {
			r.thrownAway(t, el, fmt.Sprintf("%s caught by %s", e, s.ID))
			return true, r.triggerEventSub(id, s, e.Error())
		}
		sc := r.st.toks.Scope(id)
		if sc == nil {
			return false, nil
		}
		if b := catcherOf(r.st.v.Process.Elements[sc.El], e.code); b != nil {
			r.thrownAway(t, el, fmt.Sprintf("%s caught by %s", e, b.ID))
			return true, r.interruptScope(sc, b, fmt.Sprintf("%s caught by %s", e, b.ID))
		}
		id = sc.Parent
	}
}

// catcherAround returns what would catch an error or escalation (codeOf says which) with this
// code, thrown at element el where token t is: a boundary event of el, else, from t's scope
// outward, an event sub-process of the scope, then a boundary event of the sub-process; nil
// when nothing in this instance does. It changes nothing; a called instance asks it of its
// caller before passing an error or an escalation up.
func (st *state) catcherAround(t *token, el *bpmn.Element, codeOf func(*bpmn.Element) *string, code string) *bpmn.Element {
	if b := catching(el.Boundaries, codeOf, code); b != nil {
		return b
	}
	for id := t.Scope; ; {
		subs := st.v.Process.EventSubs
		sc := st.toks.Scope(id)
		if id != 0 {
			if sc == nil {
				return nil
			}
			subs = st.v.Process.Elements[sc.El].EventSubs
		}
		if s := startCatching(subs, codeOf, code); s != nil {
			return s
		}
		if sc == nil {
			return nil
		}
		if b := catching(st.v.Process.Elements[sc.El].Boundaries, codeOf, code); b != nil {
			return b
		}
		id = sc.Parent
	}
}

// thrownAway records what became of the throwing element; its token is about to be cancelled
// with its scope, and must not be recorded as cancelled a second time.
func (r *runner) thrownAway(t *token, el *bpmn.Element, detail string) {
	r.record(el, evCancelled, detail)
	t.Wait = ""
}

// errorCode is the code an error event catches, nil for an event of another kind.
func errorCode(s *bpmn.Element) *string {
	if s.Error == nil || (s.Kind != bpmn.KindBoundaryError && s.Kind != bpmn.KindEventStart) {
		return nil
	}
	return &s.Error.Code
}

// escalationCode is the code an escalation event catches, nil for an event of another kind.
func escalationCode(s *bpmn.Element) *string {
	if s.Escalation == nil || (s.Kind != bpmn.KindBoundaryEscalation && s.Kind != bpmn.KindEventStart) {
		return nil
	}
	return &s.Escalation.Code
}

// startCatching returns the start event of the event sub-processes subs that catches want
// (see catching).
func startCatching(subs []*bpmn.Element, code func(*bpmn.Element) *string, want string) *bpmn.Element {
	starts := make([]*bpmn.Element, len(subs))
	for i, es := range subs {
		starts[i] = es.Start
	}
	return catching(starts, code, want)
}

// catching returns the catch event among events whose code (given by code, nil for an event
// of another kind) is want, else the first that catches any code (an empty code), else nil:
// Camunda 8 prefers the exact code.
func catching(events []*bpmn.Element, code func(*bpmn.Element) *string, want string) *bpmn.Element {
	var any *bpmn.Element
	for _, ev := range events {
		c := code(ev)
		switch {
		case c == nil:
		case *c == want:
			return ev
		case *c == "" && any == nil:
			any = ev
		}
	}
	return any
}

// escalate runs an escalation throw or end event. The escalation goes out through the token's
// scopes like an error (catchEscalation), then, in a called instance, to its call activity
// (escalateToCaller). When what catches it interrupts, the thrower is cancelled with its scope;
// otherwise, and when nothing catches it (recorded, as in Camunda 8, without an incident), the
// token goes on or ends.
func (r *runner) escalate(t *token, el *bpmn.Element) error {
	code := el.Escalation.Code
	by, interrupted, err := r.catchEscalation(t, el, code)
	if err != nil || interrupted {
		return err
	}
	detail := fmt.Sprintf("escalation %q raised; nothing catches it here", code)
	if by != nil {
		detail = fmt.Sprintf("escalation %q raised; caught by %s, which does not interrupt", code, by.ID)
	} else {
		passed, ended, err := r.escalateToCaller(el, code)
		if err != nil || ended {
			return err
		}
		if passed != "" {
			detail = passed
		}
	}
	r.record(el, evCompleted, detail)
	if el.Kind.IsEnd() {
		return r.tokenEnded(t)
	}
	r.leave(t, el)
	return nil
}

// catchEscalation finds what catches an escalation from the token's scope outward: an
// escalation event sub-process of the scope, then an escalation boundary event on the
// sub-process. It returns the catching element and whether it interrupted the thrower's scope.
func (r *runner) catchEscalation(t *token, el *bpmn.Element, code string) (*bpmn.Element, bool, error) {
	for id := t.Scope; ; {
		if s := startCatching(r.eventSubs(id), escalationCode, code); s != nil {
			if s.Interrupting {
				r.record(el, evCompleted, fmt.Sprintf("escalation %q raised; caught by %s", code, s.ID))
				t.Wait = ""
			}
			return s, s.Interrupting, r.triggerEventSub(id, s, fmt.Sprintf("escalation %q", code))
		}
		sc := r.st.toks.Scope(id)
		if sc == nil {
			return nil, false, nil
		}
		b := catching(r.st.v.Process.Elements[sc.El].Boundaries, escalationCode, code)
		switch {
		case b == nil:
			id = sc.Parent
			continue
		case b.Interrupting:
			r.record(el, evCompleted, fmt.Sprintf("escalation %q raised; caught by %s", code, b.ID))
			t.Wait = ""
			return b, true, r.interruptScope(sc, b, fmt.Sprintf("escalation %q caught by %s", code, b.ID))
		}
		owner := r.st.toks.Token(sc.Owner)
		r.arrive(r.st.toks.Fork(owner, b.ID), b, nil)
		return b, false, nil
	}
}
