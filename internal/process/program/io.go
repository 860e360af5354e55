package program

import (
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
)

// IO is an element's compiled zeebe:ioMapping.
type IO struct {
	Inputs  []Local
	Outputs []Assign
}

// Local computes one local variable of a token.
type Local struct {
	Name string
	Prog *vm.Program
}

// compileIO compiles an element's mappings. An input sees the variables and the inputs before
// it; an output sees the variables and every local, and must fit the declared variable it
// writes, which publish checks here.
func (c *Program) compileIO(list *errs.List, e *bpmn.Element) {
	if e.IO == nil {
		return
	}
	if c.io == nil {
		c.io = map[string]*IO{}
	}
	io := &IO{}
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
		io.Inputs = append(io.Inputs, Local{Name: in.Target, Prog: prog})
	}
	for _, out := range e.IO.Outputs {
		if ap, ok := c.assignment(list, e.ID, out.Target, out.SourceRaw, out.Source, env); ok {
			io.Outputs = append(io.Outputs, ap)
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
