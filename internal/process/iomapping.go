package process

import (
	"fmt"
	"maps"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/value"
)

// mapInputs evaluates the inputs of the element a token enters into the token's locals. ok is
// false when an input failed and the token stopped with an incident.
func (r *runner) mapInputs(t *token, el *bpmn.Element) (ok bool, err error) {
	io := r.st.v.Program().IO(el.ID)
	if io == nil || len(io.Inputs) == 0 {
		return true, nil
	}
	// A copy: without locals envFor returns the shared environment, which inputs must not change.
	env := maps.Clone(r.st.envFor(t))
	for _, in := range io.Inputs {
		v, err := expr.Run(in.Prog, env)
		if err == nil {
			err = t.SetLocal(in.Name, v)
		}
		if err != nil {
			return false, r.incident(t, el, fmt.Errorf("the input %s: %w", in.Name, r.exprFailed(in.Prog, "", err)))
		}
		env[in.Name] = v
	}
	t.LocalsOf = el.ID
	return true, nil
}

// mapOutputs writes the outputs of the element a token completes to process variables and
// drops the element's locals. It returns false when an output failed and the token stopped
// with an incident; no variable is then changed.
func (r *runner) mapOutputs(t *token, el *bpmn.Element) bool {
	if io := r.st.v.Program().IO(el.ID); io != nil && len(io.Outputs) > 0 {
		env := r.st.envFor(t)
		vals := make([]value.Value, len(io.Outputs))
		for i, o := range io.Outputs {
			v, err := r.evalAssign(o, env)
			if err != nil {
				// Raising only buffers a job, so it cannot fail here. Retrying it computes the
				// outputs again and leaves: the element's own work is done.
				_ = r.raise(t, el, err, waits.Job{Kind: waits.JobOutputs, Max: 1})
				return false
			}
			vals[i] = v
		}
		for i, o := range io.Outputs {
			r.st.setFor(t, o.Variable, vals[i])
		}
	}
	r.dropLocals(t)
	return true
}

// dropLocals removes the locals an element's inputs gave the token. It is the element that set
// them, which is not always the one the token leaves: an interrupting boundary event takes the
// token of its activity.
func (r *runner) dropLocals(t *token) {
	if t.LocalsOf == "" {
		return
	}
	if io := r.st.v.Program().IO(t.LocalsOf); io != nil {
		for _, in := range io.Inputs {
			delete(t.Vars, in.Name)
		}
	}
	if t.LocalsOf = ""; len(t.Vars) == 0 {
		t.Vars = nil
	}
}
