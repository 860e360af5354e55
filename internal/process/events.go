package process

import (
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
)

// eventGateway makes the token wait for the catch events after the gateway at once: a timer job
// for each timer, a subscription for each message. The first to fire wins (claimEvent). A
// message published before the wait and kept for one of them wins at once, before anything is
// armed. A correlation key that cannot be computed stops the token at the gateway.
func (r *runner) eventGateway(t *token, el *bpmn.Element) error {
	keys := make(map[string]string, len(el.Outgoing))
	for _, f := range el.Outgoing {
		if f.To.Kind != bpmn.KindMessageCatch {
			continue
		}
		key, err := r.correlationKey(f.To)
		if err != nil {
			return r.incident(t, el, fmt.Errorf("catch event %s: %w", f.To.ID, err))
		}
		keys[f.To.ID] = key
	}
	for _, f := range el.Outgoing {
		if key := keys[f.To.ID]; key != "" {
			b, err := waits.TakeBuffered(r.ctx, r.tx, f.To.Message.Name, key)
			if err != nil {
				return err
			} else if b == nil {
				continue
			}
			r.record(el, evCompleted, "took "+f.To.ID)
			t.El, t.Wait = f.To.ID, ""
			return r.consumeBuffered(t, f.To, b)
		}
	}
	ids := make([]string, 0, len(el.Outgoing))
	for _, f := range el.Outgoing {
		c := f.To
		ids = append(ids, c.ID)
		if c.Kind == bpmn.KindTimerCatch {
			if err := r.addJob(waits.Job{Token: t.ID, Element: c.ID, Kind: waits.JobTimer, State: waits.JobReady, Due: c.Timer.Due(r.tx.Now()), Max: 1}); err != nil {
				return err
			}
			continue
		}
		if err := r.subscribe(t, c, keys[c.ID]); err != nil {
			return err
		}
	}
	t.Wait = waitEvent
	r.record(el, evWaiting, "for "+strings.Join(ids, ", "))
	return nil
}

// claimEvent gives the token to the event that fired at el, cancelling what lost: at an
// event-based gateway the other catch events' timers and subscriptions, on a boundary event
// the activity it interrupts, at a receive task its boundary events. The caller holds the
// instance's lock and has already taken the winning job or subscription, so a racing event
// finds its own row gone and does nothing.
func (r *runner) claimEvent(t *token, el *bpmn.Element) error {
	switch {
	case el.Kind.IsBoundary():
		host := r.st.v.Process.Elements[el.AttachedTo]
		if err := r.interruptLoop(t, host); err != nil {
			return err
		}
		if err := r.cancelScopeOf(t, "sub-process "+host.ID+" interrupted by "+el.ID); err != nil {
			return err
		}
		if err := r.cancelTokenWaits(t); err != nil {
			return err
		}
		r.record(host, evCancelled, "interrupted by "+el.ID)
	case t.Wait == waitEvent && t.El != el.ID:
		gw := r.st.v.Process.Elements[t.El]
		if err := r.cancelTokenWaits(t); err != nil {
			return err
		}
		r.record(gw, evCompleted, "took "+el.ID)
	default:
		return r.clearToken(t, el)
	}
	t.El, t.Wait = el.ID, ""
	return nil
}

// catchMessage gives a message that reached the wait at el the token that leaves by el. A
// non-interrupting boundary event leaves the activity's token waiting, listening again with the
// same key, and starts a new token at the event; anything else claims the waiting token.
func (r *runner) catchMessage(t *token, el *bpmn.Element, key string) (*token, error) {
	if el.Kind.IsBoundary() && !el.Interrupting {
		if err := r.subscribe(t, el, key); err != nil {
			return nil, err
		}
		return r.st.toks.Fork(t, el.ID), nil
	}
	return t, r.claimEvent(t, el)
}

// boundaryTimer fires a timer on the activity its token waits at. An interrupting one cancels
// the activity and the token leaves by the timer; a non-interrupting one starts a new token
// there, the activity's token keeps waiting, and a cycle with firings left is armed again.
// r.attempt counts the firings, this one included.
func (r *runner) boundaryTimer(t *token, b *bpmn.Element) error {
	host := r.st.v.Process.Elements[b.AttachedTo]
	if host == nil || t.El != host.ID {
		return nil
	}
	if b.Interrupting {
		if err := r.claimEvent(t, b); err != nil {
			return err
		}
	} else {
		if reps := b.Timer.Repetitions(); reps == 0 || r.attempt < reps {
			j := waits.Job{Token: t.ID, Element: b.ID, Kind: waits.JobBoundary, State: waits.JobReady, Due: b.Timer.Due(r.tx.Now()), Attempts: r.attempt, Max: 1}
			if err := r.addJob(j); err != nil {
				return err
			}
		}
		t = r.st.toks.Fork(t, b.ID)
	}
	r.record(b, evFired, "")
	r.leave(t, b)
	return nil
}

// boundaryKeys computes the correlation keys of an activity's message boundary events before
// anything of the activity is stored, so that a key that cannot be computed stops the token
// before the activity starts rather than leaving half of it armed.
func (r *runner) boundaryKeys(el *bpmn.Element) (map[string]string, error) {
	var keys map[string]string
	for _, b := range el.Boundaries {
		if b.Kind != bpmn.KindBoundaryMessage {
			continue
		}
		key, err := r.correlationKey(b)
		if err != nil {
			return nil, fmt.Errorf("boundary event %s: %w", b.ID, err)
		}
		if keys == nil {
			keys = map[string]string{}
		}
		keys[b.ID] = key
	}
	return keys, nil
}

// keptForBoundary takes a message kept for one of the activity's message boundary events
// (published before with a ttl), in document order of the boundaries, or returns nil.
func (r *runner) keptForBoundary(el *bpmn.Element, keys map[string]string) (*bpmn.Element, *waits.Buffered, error) {
	for _, b := range el.Boundaries {
		if key := keys[b.ID]; key != "" {
			m, err := waits.TakeBuffered(r.ctx, r.tx, b.Message.Name, key)
			if err != nil || m != nil {
				return b, m, err
			}
		}
	}
	return nil, nil, nil
}

// enterActivity computes the boundary keys of an activity a token enters and starts it (see
// startActivity). stop tells the caller to return err at once: a key failed and became an
// incident, or the token already left.
func (r *runner) enterActivity(t *token, el *bpmn.Element) (stop bool, err error) {
	keys, err := r.boundaryKeys(el)
	if err != nil {
		return true, r.incident(t, el, err)
	}
	left, err := r.startActivity(t, el, keys)
	return left || err != nil, err
}

// startActivity arms the boundary events of an activity a token enters and reports whether
// the token already left: a kept message for an interrupting message boundary interrupts the
// activity before its work is created. For a non-interrupting one the activity starts, and
// the message starts a branch beside it.
func (r *runner) startActivity(t *token, el *bpmn.Element, keys map[string]string) (left bool, err error) {
	if t.Body != 0 {
		return false, nil // an inner instance: the boundary events wait on the body's token
	}
	b, m, err := r.keptForBoundary(el, keys)
	if err != nil {
		return false, err
	}
	if m != nil && b.Interrupting {
		r.record(el, evCancelled, "interrupted by "+b.ID+", with a message published before")
		t.El, t.Wait = b.ID, ""
		return true, r.consumeBuffered(t, b, m)
	}
	if err := r.armBoundaries(t, el, keys); err != nil {
		return false, err
	}
	if m != nil {
		return false, r.consumeBuffered(r.st.toks.Fork(t, b.ID), b, m)
	}
	return false, nil
}

// armBoundaries creates the waits of the events attached to an activity a token now waits at:
// a job per timer, a subscription per message (keys from boundaryKeys).
func (r *runner) armBoundaries(t *token, el *bpmn.Element, keys map[string]string) error {
	for _, b := range el.Boundaries {
		if b.Kind == bpmn.KindBoundaryMessage {
			if err := r.subscribe(t, b, keys[b.ID]); err != nil {
				return err
			}
			continue
		}
		if b.Timer == nil {
			continue // an error boundary waits for a throw, not for time
		}
		j := waits.Job{Token: t.ID, Element: b.ID, Kind: waits.JobBoundary, State: waits.JobReady, Due: b.Timer.Due(r.tx.Now()), Max: 1}
		if err := r.addJob(j); err != nil {
			return err
		}
	}
	return nil
}
