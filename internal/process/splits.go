package process

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
)

// split moves a token out of an element by the flows chosen for it (see chooseFlows): the
// first chosen flow takes the token, each other one a new token. This is the implicit split of
// a task or an event with several flows out, and the fork of an inclusive gateway. A condition
// that cannot be evaluated, or no flow to take, stops the token at the element with an
// incident whose retry chooses again; the element's own work is not done a second time.
func (r *runner) split(t *token, el *bpmn.Element) error {
	flows, err := r.chooseFlows(t, el)
	if err == nil && len(flows) == 0 {
		err = errors.New("no condition of its outgoing flows is true and it has no default flow")
	}
	if err != nil {
		return r.raise(t, el, err, waits.Job{Kind: waits.JobSplit, Max: 1})
	}
	if len(flows) > 1 || flows[0].Condition != "" || flows[0] == el.Default {
		ids := make([]string, len(flows))
		for i, f := range flows {
			ids[i] = f.ID
		}
		r.record(el, evTook, strings.Join(ids, ", "))
	}
	for i, f := range flows {
		next := t
		if i > 0 {
			next = r.st.toks.Fork(t, el.ID)
		}
		r.take(next, f)
	}
	return nil
}

// chooseFlows picks the outgoing flows a token leaves el by, in document order: every flow
// without a condition, every flow whose condition is true, and the default flow when no
// condition is true, as BPMN 2.0 has it for activities and inclusive gateways.
func (r *runner) chooseFlows(t *token, el *bpmn.Element) ([]*bpmn.Flow, error) {
	var out []*bpmn.Flow
	anyTrue := false
	for _, f := range el.Outgoing {
		if f == el.Default {
			continue
		}
		prog := r.st.v.Program().Condition(f.ID)
		if prog == nil {
			out = append(out, f)
			continue
		}
		ok, err := r.evalBool(r.st.envFor(t), prog, f.ConditionRaw)
		if err != nil {
			return nil, fmt.Errorf("the condition of sequence flow %s cannot be evaluated: %w", f.ID, err)
		}
		if ok {
			out = append(out, f)
			anyTrue = true
		}
	}
	if !anyTrue && el.Default != nil {
		out = append(out, el.Default)
	}
	return out, nil
}

// stepLimit stops a run that loops without a wait at the pending step. A token that was
// leaving its element is stopped as a split, so that a retry chooses its flows again rather
// than doing the element's work a second time.
func (r *runner) stepLimit(p pending, err error) error {
	if p.split {
		return r.raise(p.tok, p.el, err, waits.Job{Kind: waits.JobSplit, Max: 1})
	}
	return r.incident(p.tok, p.el, err)
}
