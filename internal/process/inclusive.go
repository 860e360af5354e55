package process

import "github.com/parleychat/parley/internal/process/bpmn"

// inclusive runs an inclusive gateway. With one incoming flow it only forks: every flow whose
// condition is true, else the default (split). With several it is also a join, as BPMN 2.0
// defines it: a token that arrives waits, and the gateway fires once no other token of the
// instance can still reach it, taking one waiting token from each incoming flow that has one.
// It so waits only for the branches that were really taken and are still running.
func (r *runner) inclusive(p pending) error {
	el := p.el
	if len(el.Incoming) < 2 {
		r.record(el, evCompleted, "")
		return r.split(p.tok, el)
	}
	p.tok.Wait = waitJoin
	if p.via != nil {
		p.tok.Flow = p.via.ID
	}
	if !r.inclusiveReady(el, p.tok.Scope) {
		r.record(el, evWaiting, "")
		return nil
	}
	return r.joinInclusive(el, p.tok.Scope)
}

// fireInclusiveJoins fires every inclusive join that has waiting tokens and that no other
// token can reach any more: the run calls it whenever its queue is empty, since a token that
// ended, took another branch or was cancelled may be what such a join waited for. It reports
// whether one fired, which queued tokens to run.
func (r *runner) fireInclusiveJoins() (bool, error) {
	type join struct {
		el    string
		scope int
	}
	fired := false
	seen := map[join]bool{}
	for _, t := range append([]*token(nil), r.st.toks.Tokens...) {
		el := r.st.v.Process.Elements[t.El]
		at := join{t.El, t.Scope}
		if t.Wait != waitJoin || el == nil || el.Kind != bpmn.KindInclusiveGateway || seen[at] {
			continue
		}
		seen[at] = true
		if r.inclusiveReady(el, t.Scope) {
			if err := r.joinInclusive(el, t.Scope); err != nil {
				return false, err
			}
			fired = true
		}
	}
	return fired, nil
}

// inclusiveReady reports whether no token of the join's scope, other than those at the join,
// can reach it: along flows, onto boundary events, through link events, from wherever it is
// now, waiting, failed or about to move. Tokens of other scopes do not count: those inside a
// sub-process reach the join only through the token waiting at the sub-process, which is in
// the join's scope, and the token that owns the join's own scope never moves until the scope
// is done.
func (r *runner) inclusiveReady(el *bpmn.Element, scope int) bool {
	var from []*bpmn.Element
	for _, t := range r.st.toks.Tokens {
		if t.El == el.ID || t.Scope != scope {
			continue
		}
		if x := r.st.v.Process.Elements[t.El]; x != nil {
			from = append(from, x)
		}
	}
	seen := make(map[*bpmn.Element]bool, len(from))
	for len(from) > 0 {
		x := from[len(from)-1]
		from = from[:len(from)-1]
		if x == el {
			return false
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		from = append(from, x.Next()...)
	}
	return true
}

// joinInclusive fires an inclusive join: one waiting token from each incoming flow that has
// one goes on as a single token, and the gateway forks. Further tokens on a flow stay for the
// next firing.
func (r *runner) joinInclusive(el *bpmn.Element, scope int) error {
	var keep *token
	for _, f := range el.Incoming {
		for _, t := range r.st.toks.Tokens {
			if t.El != el.ID || t.Scope != scope || t.Wait != waitJoin || t.Flow != f.ID {
				continue
			}
			if keep == nil {
				keep = t
			} else {
				r.st.toks.Remove(t)
			}
			break
		}
	}
	if keep == nil {
		return nil
	}
	r.record(el, evJoined, "")
	keep.Wait, keep.Flow = "", ""
	return r.split(keep, el)
}
