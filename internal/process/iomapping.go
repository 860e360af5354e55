package process

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// jobOutputs is the kind of the incident of an element whose outputs failed after its work was
// done: a retry evaluates the outputs again and moves on, rather than redoing the element.
const jobOutputs = "outputs"

// ioPrograms are an element's compiled zeebe:ioMapping.
type ioPrograms struct {
	inputs  []localProgram
	outputs []assignProgram
}

// localProgram computes one local variable of a token.
type localProgram struct {
	name string
	prog *vm.Program
}

// compileIO compiles an element's mappings. An input sees the variables and the inputs before
// it; an output sees the variables and every local, and must fit the declared variable it
// writes, which publish checks here.
func (c *programs) compileIO(list *errs.List, e *bpmn.Element) {
	if e.IO == nil {
		return
	}
	if c.io == nil {
		c.io = map[string]*ioPrograms{}
	}
	io := &ioPrograms{}
	env := make(map[string]any, len(c.zero)+len(e.IO.Inputs))
	for k, v := range c.zero {
		env[k] = v
	}
	for _, in := range e.IO.Inputs {
		prog, err := c.compile(in.Source, env)
		if err != nil {
			list.Add(e.ID, "the zeebe:input %q of %s (for %s) does not compile: %s", in.SourceRaw, e.ID, in.Target, firstLine(err))
			continue
		}
		env[in.Target] = nil
		io.inputs = append(io.inputs, localProgram{name: in.Target, prog: prog})
	}
	for _, out := range e.IO.Outputs {
		if ap, ok := c.assignment(list, e.ID, out.Target, out.SourceRaw, out.Source, env); ok {
			io.outputs = append(io.outputs, ap)
		}
	}
	c.io[e.ID] = io
}

// addLocals makes an element's locals known to the expressions compiled for it.
func addLocals(env map[string]any, e *bpmn.Element) {
	if e.IO == nil {
		return
	}
	for _, in := range e.IO.Inputs {
		if _, declared := env[in.Target]; !declared {
			env[in.Target] = nil
		}
	}
}

// locals decodes the token's local variables.
func (t *token) locals() map[string]any {
	out := make(map[string]any, len(t.Vars))
	for k, raw := range t.Vars {
		var v any
		if err := json.Unmarshal(raw, &v); err == nil {
			out[k] = v
		}
	}
	return out
}

// mapInputs evaluates the inputs of the element a token enters into the token's locals. ok is
// false when an input failed and the token stopped with an incident.
func (r *runner) mapInputs(t *token, el *bpmn.Element) (ok bool, err error) {
	io := r.st.v.progs.io[el.ID]
	if io == nil || len(io.inputs) == 0 {
		return true, nil
	}
	// A copy: without locals envFor returns the shared environment, which inputs must not change.
	env := maps.Clone(r.st.envFor(t))
	for _, in := range io.inputs {
		v, err := expr.Run(in.prog, env)
		if err == nil {
			err = t.setLocal(in.name, v)
		}
		if err != nil {
			return false, r.incident(t, el, fmt.Errorf("the input %s: %w", in.name, r.exprFailed(in.prog, "", err)))
		}
		env[in.name] = v
	}
	t.LocalsOf = el.ID
	return true, nil
}

func (t *token) setLocal(name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("the value of %s cannot be stored: %w", name, err)
	}
	if t.Vars == nil {
		t.Vars = map[string]json.RawMessage{}
	}
	t.Vars[name] = raw
	return nil
}

// mapOutputs writes the outputs of the element a token completes to process variables and
// drops the element's locals. It returns false when an output failed and the token stopped
// with an incident; no variable is then changed.
func (r *runner) mapOutputs(t *token, el *bpmn.Element) bool {
	if io := r.st.v.progs.io[el.ID]; io != nil && len(io.outputs) > 0 {
		env := r.st.envFor(t)
		vals := make([]value.Value, len(io.outputs))
		for i, o := range io.outputs {
			v, err := r.evalAssign(o, env)
			if err != nil {
				// Raising only buffers a job, so it cannot fail here. Retrying it computes the
				// outputs again and leaves: the element's own work is done.
				_ = r.raise(t, el, err, job{kind: jobOutputs, max: 1})
				return false
			}
			vals[i] = v
		}
		for i, o := range io.outputs {
			r.st.setFor(t, o.variable, vals[i])
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
	if io := r.st.v.progs.io[t.LocalsOf]; io != nil {
		for _, in := range io.inputs {
			delete(t.Vars, in.name)
		}
	}
	if t.LocalsOf = ""; len(t.Vars) == 0 {
		t.Vars = nil
	}
}
