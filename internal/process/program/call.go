package program

import (
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
)

// CallPlan is a call activity's mappings compiled for one called version: the inputs over the
// caller's variables, typed as the child's; the outputs over the child's variables, typed as
// the caller's. Both versions are immutable, so a plan is compiled once per pair.
type CallPlan struct {
	Ins  []Assign
	Outs []Assign
}

// compileCall checks at publish what does not depend on the called process, which is only
// resolved when the call starts: the inputs compile over the variables, and the outputs set
// declared variables.
func (c *Program) compileCall(list *errs.List, e *bpmn.Element) {
	for _, m := range e.Call.Inputs {
		if _, err := c.compile(m.Source, c.zero); err != nil {
			list.Add(e.ID, "the input mapping %q of callActivity %s (for %s) does not compile: %s", m.SourceRaw, e.ID, m.Target, firstLine(err))
		}
	}
	for _, m := range e.Call.Outputs {
		if _, ok := c.types[m.Target]; !ok {
			list.Add(e.ID, "the output mapping of callActivity %s sets the unknown variable %q; declare it in the process's variables", e.ID, m.Target)
		}
	}
}

// CompileCall compiles the mappings of call activity el, drawn in process proc of the caller,
// for the called program callee of process code: the inputs over the caller's variables (and
// the names el sees), typed as the callee's; the outputs over the callee's variables, typed as
// the caller's. Every problem comes back at once.
func CompileCall(caller *Program, proc *bpmn.Process, el *bpmn.Element, callee *Program, code string) (*CallPlan, error) {
	var list errs.List
	p := &CallPlan{}
	in := &Program{types: callee.types}
	callerEnv := namesAround(proc, caller.zero, el, true)
	for _, m := range el.Call.Inputs {
		if _, ok := callee.types[m.Target]; !ok {
			list.Add(m.Target, "process '%s' has no variable %q for the input mapping %q", code, m.Target, m.SourceRaw)
		} else if a, ok := in.assignment(&list, el.ID, m.Target, m.SourceRaw, m.Source, callerEnv); ok {
			p.Ins = append(p.Ins, a)
		}
	}
	out := &Program{types: caller.types}
	for _, m := range el.Call.Outputs {
		if a, ok := out.assignment(&list, el.ID, m.Target, m.SourceRaw, m.Source, callee.zero); ok {
			p.Outs = append(p.Outs, a)
		}
	}
	return p, list.Err()
}
