package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// eventSubs returns the event sub-processes that listen in a scope.
func (r *runner) eventSubs(scopeID int) []*bpmn.Element {
	if scopeID == 0 {
		return r.st.v.Process.EventSubs
	}
	if sc := r.st.toks.Scope(scopeID); sc != nil {
		return r.st.v.Process.Elements[sc.El].EventSubs
	}
	return nil
}

// enterSubProcess starts a sub-process: its boundary events are armed on the token, which then
// waits at it, and a token of the new scope starts at its none start event. Correlation keys
// of its boundaries and event sub-processes are computed before anything is stored.
func (r *runner) enterSubProcess(t *token, el *bpmn.Element) error {
	keys, err := r.boundaryKeys(el)
	if err != nil {
		return r.incident(t, el, err)
	}
	subKeys, err := r.eventSubKeys(el.EventSubs)
	if err != nil {
		return r.incident(t, el, err)
	}
	if left, err := r.startActivity(t, el, keys); left || err != nil {
		return err
	}
	t.Wait = waitScope
	sc := r.st.toks.NewScope(el.ID, t.Scope, t.ID)
	r.record(el, evWaiting, "sub-process")
	if err := r.armEventSubs(sc.ID, el.EventSubs, subKeys); err != nil {
		return err
	}
	in := r.st.toks.NewToken(el.Start.ID)
	in.Scope = sc.ID
	r.arrive(in, el.Start, nil)
	return r.startKeptEventSubs(sc.ID, el.EventSubs, subKeys)
}

// beginProcess arms the process's event sub-processes and puts the first token on the start
// event it starts at (the none start event, or a message or timer start event). A correlation key that cannot be computed refuses the start: the instance would
// otherwise listen for a message nobody can send to it.
func (r *runner) beginProcess(t *token, start *bpmn.Element) error {
	subs := r.st.v.Process.EventSubs
	keys, err := r.eventSubKeys(subs)
	if err != nil {
		return errs.Field(start.ID, "the instance cannot start: %v", err)
	}
	if err := r.armEventSubs(0, subs, keys); err != nil {
		return err
	}
	r.arrive(t, start, nil)
	return r.startKeptEventSubs(0, subs, keys)
}

// eventSubKeys computes the correlation keys of the message start events of event subs.
func (r *runner) eventSubKeys(subs []*bpmn.Element) (map[string]string, error) {
	keys := map[string]string{}
	for _, es := range subs {
		if s := es.Start; s.Message != nil {
			key, err := r.correlationKey(s)
			if err != nil {
				return nil, fmt.Errorf("event sub-process %s: %w", es.ID, err)
			}
			keys[s.ID] = key
		}
	}
	return keys, nil
}

// armEventSubs makes the timer and message start events of the event sub-processes of a scope
// listen; error and escalation starts wait for a throw and need nothing stored.
func (r *runner) armEventSubs(scopeID int, subs []*bpmn.Element, keys map[string]string) error {
	for _, es := range subs {
		s := es.Start
		switch {
		case s.Timer != nil:
			j := waits.Job{Token: scopeID, Element: s.ID, Kind: waits.JobScopeStart, State: waits.JobReady, Due: s.Timer.Due(r.tx.Now()), Max: 1}
			if err := r.addJob(j); err != nil {
				return err
			}
		case s.Message != nil:
			if err := r.subscribe(&token{ID: scopeID}, s, keys[s.ID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// tokenEnded removes a token that reached an end and completes its scope when it was the last
// one there: the sub-process's token leaves it, or the instance completes.
func (r *runner) tokenEnded(t *token) error {
	r.st.toks.Remove(t)
	for _, x := range r.st.toks.Tokens {
		if x.Scope == t.Scope {
			return nil
		}
	}
	if t.Scope == 0 {
		if len(r.st.v.Process.EventSubs) > 0 {
			if err := r.dropScopeWaits(0); err != nil {
				return err
			}
		}
		r.endIfIdle()
		return nil
	}
	if sc := r.st.toks.Scope(t.Scope); sc != nil {
		return r.completeScope(sc)
	}
	return nil
}

// completeScope ends a scope with no token left: its event sub-processes stop listening and
// its owner leaves the sub-process, or ends when the scope was an event sub-process, which has
// no way out.
func (r *runner) completeScope(sc *scope) error {
	if err := r.dropScopeWaits(sc.ID); err != nil {
		return err
	}
	r.st.toks.RemoveScope(sc)
	owner, el := r.st.toks.Token(sc.Owner), r.st.v.Process.Elements[sc.El]
	if owner == nil || el == nil {
		return nil
	}
	r.record(el, evCompleted, "")
	if el.Kind == bpmn.KindEventSubProcess {
		return r.tokenEnded(owner)
	}
	if err := r.clearToken(owner, el); err != nil {
		return err
	}
	r.leave(owner, el)
	return nil
}

// terminateScope runs a terminate end event inside a sub-process: every token of that scope
// ends, with its waits, and the sub-process completes. Only the process's own terminate end
// events end the instance.
func (r *runner) terminateScope(t *token, el *bpmn.Element) error {
	sc := r.st.toks.Scope(t.Scope)
	if sc == nil {
		return nil
	}
	r.record(el, evCompleted, "")
	if err := r.cancelInside(sc.ID, "terminated at "+el.ID); err != nil {
		return err
	}
	return r.completeScope(sc)
}

// dropScopeWaits deletes the start-event waits of the event sub-processes of a scope.
func (r *runner) dropScopeWaits(scopeID int) error {
	if err := r.exec("DELETE FROM process_jobs WHERE instance_id = ? AND token_id = ? AND kind = ?", r.st.id, scopeID, waits.JobScopeStart); err != nil {
		return err
	}
	return r.exec("DELETE FROM process_messages WHERE instance_id = ? AND token_id = ?", r.st.id, scopeID)
}

// cancelInside cancels everything that runs in a scope: each token's waits (tasks, jobs,
// timers, message subscriptions), nested scopes with theirs, and the scope's event
// sub-process listeners. The scope itself stays; the caller completes or removes it.
func (r *runner) cancelInside(scopeID int, reason string) error {
	if err := r.dropScopeWaits(scopeID); err != nil {
		return err
	}
	for _, x := range append([]*token(nil), r.st.toks.Tokens...) {
		if x.Scope != scopeID {
			continue
		}
		if err := r.cancelScopeOf(x, reason); err != nil {
			return err
		}
		if x.Wait != "" {
			r.record(r.st.v.Process.Elements[x.El], evCancelled, reason)
		}
		if err := r.cancelTokenWaits(x); err != nil {
			return err
		}
		r.st.toks.Remove(x)
		r.dequeue(x)
	}
	return nil
}

// cancelScopeOf cancels and removes the scope a token waiting at a sub-process owns, if any.
func (r *runner) cancelScopeOf(t *token, reason string) error {
	sc := r.st.toks.ScopeOwnedBy(t.ID)
	if sc == nil {
		return nil
	}
	if err := r.cancelInside(sc.ID, reason); err != nil {
		return err
	}
	r.st.toks.RemoveScope(sc)
	return nil
}

// dequeue drops a cancelled token that had arrived somewhere and was still to be handled.
func (r *runner) dequeue(t *token) {
	q := r.queue[:0]
	for _, p := range r.queue {
		if p.tok != t {
			q = append(q, p)
		}
	}
	r.queue = q
}

// interruptScope cancels a sub-process through an interrupting boundary event b: everything
// inside ends and the owner token leaves by b.
func (r *runner) interruptScope(sc *scope, b *bpmn.Element, detail string) error {
	owner, host := r.st.toks.Token(sc.Owner), r.st.v.Process.Elements[sc.El]
	if err := r.cancelScopeOf(owner, "sub-process "+host.ID+" interrupted by "+b.ID); err != nil {
		return err
	}
	if err := r.cancelTokenWaits(owner); err != nil {
		return err
	}
	r.record(host, evCancelled, detail)
	r.arrive(owner, b, nil)
	return nil
}

// triggerEventSub starts an event sub-process of a scope by its start event s. An
// interrupting one first cancels everything else in the scope. The event sub-process runs as
// a scope of its own, owned by a token that waits at it in the scope it listens in.
func (r *runner) triggerEventSub(scopeID int, s *bpmn.Element, detail string) error {
	in, err := r.openEventSub(scopeID, s, detail)
	if err != nil || in == nil {
		return err
	}
	r.leave(in, s)
	return nil
}

// openEventSub does what triggerEventSub does up to the token at the start event s, which it
// returns to be moved on; nil when the event sub-process stopped at an incident.
func (r *runner) openEventSub(scopeID int, s *bpmn.Element, detail string) (*token, error) {
	es := r.st.v.Process.Elements[s.Parent]
	if s.Interrupting {
		if err := r.cancelInside(scopeID, "interrupted by event sub-process "+es.ID); err != nil {
			return nil, err
		}
	}
	holder := r.st.toks.NewToken(es.ID)
	holder.Scope, holder.Wait = scopeID, waitScope
	sc := r.st.toks.NewScope(es.ID, scopeID, holder.ID)
	r.record(s, evFired, detail)
	r.record(es, evWaiting, "event sub-process")
	if len(es.EventSubs) > 0 {
		keys, err := r.eventSubKeys(es.EventSubs)
		if err != nil {
			return nil, r.incident(holder, es, err)
		}
		if err := r.armEventSubs(sc.ID, es.EventSubs, keys); err != nil {
			return nil, err
		}
	}
	in := r.st.toks.NewToken(s.ID)
	in.Scope = sc.ID
	return in, nil
}

// startKeptEventSubs starts the event sub-processes of a scope that just began whose message
// was published before with a ttl and kept, as a kept message completes any wait that begins:
// each such start takes one message. An interrupting one ends the scope's other work, so no
// further start is looked at.
func (r *runner) startKeptEventSubs(scopeID int, subs []*bpmn.Element, keys map[string]string) error {
	for _, es := range subs {
		s := es.Start
		if s.Message == nil || keys[s.ID] == "" {
			continue
		}
		b, err := waits.TakeBuffered(r.ctx, r.tx, s.Message.Name, keys[s.ID])
		if err != nil {
			return err
		} else if b == nil {
			continue
		}
		in, err := r.openEventSub(scopeID, s, "message published before")
		if err != nil || in == nil {
			return err
		}
		if err := r.consumeBuffered(in, s, b); err != nil || s.Interrupting {
			return err
		}
	}
	return nil
}

// scopeListens reports whether the scope an event sub-process's wait belongs to still runs.
func (st *state) scopeListens(scopeID int) bool {
	return !st.done() && (scopeID == 0 || st.toks.Scope(scopeID) != nil)
}

// fireScopeStart fires the timer start event of an event sub-process.
func (s *Service) fireScopeStart(ctx context.Context, tx *store.Tx, j waits.Job) error {
	st, err := s.loadState(ctx, tx, j.Instance, true)
	if err != nil {
		return err
	}
	ok, err := waits.Take(ctx, tx, j)
	el := st.v.Process.Elements[j.Element]
	if err != nil || !ok || el == nil || !st.scopeListens(j.Token) {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	// A non-interrupting start with a cycle is armed again while firings are left, as a
	// non-interrupting boundary timer is; j.Attempts counts the firings before this one.
	if reps := el.Timer.Repetitions(); !el.Interrupting && el.Timer.Cycle != "" && (reps == 0 || j.Attempts+1 < reps) {
		next := waits.Job{Token: j.Token, Element: el.ID, Kind: waits.JobScopeStart, State: waits.JobReady, Due: el.Timer.Due(tx.Now()), Attempts: j.Attempts + 1, Max: 1}
		if err := r.addJob(next); err != nil {
			return err
		}
	}
	if err := r.triggerEventSub(j.Token, el, "timer"); err != nil {
		return err
	}
	if err := r.run(); err != nil {
		return err
	}
	return r.finish()
}

// receiveScopeStart completes the message start event el of an event sub-process: the
// message's values are set and the event sub-process starts. A non-interrupting one listens
// again with the same key, since it may start many times while its scope runs.
func (s *Service) receiveScopeStart(ctx context.Context, tx *store.Tx, st *state, sub waits.Subscription, el *bpmn.Element, text string, vars map[string]value.Value) error {
	key, found, err := waits.DeleteSubscription(ctx, tx, sub)
	if err != nil || !found || !st.scopeListens(sub.Token) {
		return err
	}
	if err := receivedValues(st, el.Message.Variable, text, vars); err != nil {
		return err
	}
	r := s.newRunner(ctx, tx, st)
	if !el.Interrupting {
		if err := r.subscribe(&token{ID: sub.Token}, el, key); err != nil {
			return err
		}
	}
	if err := r.triggerEventSub(sub.Token, el, "message"); err != nil {
		return err
	}
	if err := r.run(); err != nil {
		return err
	}
	return r.finish()
}

// ScopeInfo is a running sub-process (or event sub-process) of an instance, for the UI: its
// element, and the scope it runs in (0 for the process), so that nested ones can be drawn.
type ScopeInfo struct {
	ID      int    `json:"id"`
	Element string `json:"element"`
	Parent  int    `json:"parent"`
	// Variables are the scope's local variables, which shadow the process's inside it.
	Variables map[string]value.Value `json:"variables,omitempty"`
}

func (st *state) scopeInfo() []ScopeInfo {
	var out []ScopeInfo
	for _, sc := range st.toks.Scopes {
		info := ScopeInfo{ID: sc.ID, Element: sc.El, Parent: sc.Parent}
		for name := range sc.Vars {
			if info.Variables == nil {
				info.Variables = map[string]value.Value{}
			}
			info.Variables[name] = st.local(sc, name)
		}
		out = append(out, info)
	}
	return out
}
