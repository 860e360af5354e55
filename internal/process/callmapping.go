package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// callPlan is a call activity's mappings compiled for one called version: the inputs over the
// caller's variables, typed as the child's; the outputs over the child's variables, typed as
// the caller's. Both versions are immutable, so a plan is compiled once per pair.
type callPlan struct {
	ins  []assignProgram
	outs []assignProgram
}

// compileCall checks at publish what does not depend on the called process, which is only
// resolved when the call starts: the inputs compile over the variables, and the outputs set
// declared variables.
func (c *programs) compileCall(list *errs.List, e *bpmn.Element) {
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

// callPlan compiles (once) the mappings of call activity el of version parent for the called
// version child, checking each against the child's declared variables.
func (s *Service) callPlan(parent *Version, el *bpmn.Element, child *Version) (*callPlan, error) {
	key := versionKey(parent.Code, parent.Number) + "\x00" + el.ID + "\x00" + versionKey(child.Code, child.Number)
	if p, ok := s.calls.Load(key); ok {
		return p.(*callPlan), nil
	}
	var list errs.List
	p := &callPlan{}
	in := &programs{types: child.progs.types}
	callerEnv := namesAround(parent.Process, parent.progs.zero, el, true)
	for _, m := range el.Call.Inputs {
		if _, ok := child.Variable(m.Target); !ok {
			list.Add(m.Target, "process '%s' has no variable %q for the input mapping %q", child.Code, m.Target, m.SourceRaw)
		} else if a, ok := in.assignment(&list, el.ID, m.Target, m.SourceRaw, m.Source, callerEnv); ok {
			p.ins = append(p.ins, a)
		}
	}
	out := &programs{types: parent.progs.types}
	for _, m := range el.Call.Outputs {
		if a, ok := out.assignment(&list, el.ID, m.Target, m.SourceRaw, m.Source, child.progs.zero); ok {
			p.outs = append(p.outs, a)
		}
	}
	if err := list.Err(); err != nil {
		return nil, fmt.Errorf("the mappings of callActivity (%s) do not fit version %d of process '%s': %v", el.ID, child.Number, child.Code, err)
	}
	actual, _ := s.calls.LoadOrStore(key, p)
	return actual.(*callPlan), nil
}

// callInputs computes the variables the child starts with: each caller variable it declares
// under the same name with a compatible type, as Zeebe passes all variables down (unless
// propagateAllParentVariables is off), then the input mappings over those. The result is checked as
// any start's inputs are, so a required variable left unset is named.
func (r *runner) callInputs(el *bpmn.Element, v *Version) (map[string]value.Value, error) {
	plan, err := r.s.callPlan(r.st.v, el, v)
	if err != nil {
		return nil, err
	}
	vars := map[string]value.Value{}
	if el.Call.PropagateParent {
		copyCompatible(vars, r.st.vars, v)
	}
	// The running token's view: an inner instance of a multi-instance call activity sees its
	// element, and a call inside sub-processes their locals.
	env := r.env()
	for _, a := range plan.ins {
		val, err := r.evalAssign(a, env)
		if err != nil {
			return nil, fmt.Errorf("the input mapping for %s of process '%s': %w", a.variable, v.Code, err)
		}
		vars[a.variable] = val
	}
	checked, err := v.checkInputs(vars)
	if err != nil {
		return nil, fmt.Errorf("process '%s' called by callActivity (%s) cannot start: %v", v.Code, el.ID, err)
	}
	return checked, nil
}

// callOutputs sets the caller's variables from a completed child: first every variable of the
// same name and a compatible type when the call propagates all, then the output mappings.
// Every output is computed before any is set, so a failing one changes nothing.
func (r *runner) callOutputs(el *bpmn.Element, child *state) error {
	plan, err := r.s.callPlan(r.st.v, el, child.v)
	if err != nil {
		return err
	}
	env := child.environment()
	vals := make([]value.Value, len(plan.outs))
	for i, a := range plan.outs {
		if vals[i], err = r.evalAssign(a, env); err != nil {
			return fmt.Errorf("the output mapping for %s from instance %s: %w", a.variable, child.id, err)
		}
	}
	if el.Call.PropagateAll {
		got := map[string]value.Value{}
		copyCompatible(got, child.vars, r.st.v)
		for name, val := range got {
			r.st.set(name, val)
		}
	}
	for i, a := range plan.outs {
		r.st.set(a.variable, vals[i])
	}
	return nil
}

// copyCompatible copies into dst each value of src that version to declares under the same
// name with a type the value can be assigned to; others are left out silently, as a variable
// one side does not have is not the other side's business.
func copyCompatible(dst, src map[string]value.Value, to *Version) {
	for name, val := range src {
		if x, ok := to.Variable(name); ok && !val.IsNull() && value.Assignable(val.Type(), x.Type) {
			dst[name] = val
		}
	}
}

// CallRef is one end of a call: the instance, the call activity's id in the calling
// instance, and the instance's process and state.
type CallRef struct {
	Instance string `json:"instance"`
	Element  string `json:"element"`
	Process  string `json:"process"`
	Version  int    `json:"version"`
	State    string `json:"state"`
}

// callRefs returns the instance that called instance id (nil when none did) and the instances
// its call activities started, oldest first.
func callRefs(ctx context.Context, tx *store.Tx, id string) (*CallRef, []CallRef, error) {
	var parent *CallRef
	var p CallRef
	err := tx.QueryRow(ctx, `SELECT p.id, i.parent_element, p.code, p.version, p.state FROM process_instances i
		JOIN process_instances p ON p.id = i.parent_id WHERE i.id = ?`, id).Scan(&p.Instance, &p.Element, &p.Process, &p.Version, &p.State)
	switch {
	case err == nil:
		parent = &p
	case !errs.Is(err, errs.NotFound):
		return nil, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, parent_element, code, version, state FROM process_instances
		WHERE parent_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var children []CallRef
	for rows.Next() {
		var c CallRef
		if err := rows.Scan(&c.Instance, &c.Element, &c.Process, &c.Version, &c.State); err != nil {
			return nil, nil, err
		}
		children = append(children, c)
	}
	return parent, children, rows.Err()
}

// callWarnings is a publish hook: a call activity whose process (or pinned version) is not
// published is not refused, since Camunda resolves the called process when the call starts and
// processes are often published callee last; but the author hears that the call would stop
// with an incident now.
func (s *Service) callWarnings(ctx context.Context, tx *store.Tx, v *Version) ([]Warning, error) {
	var out []Warning
	for _, el := range v.Process.ElementOrder {
		c := el.Call
		if c == nil || (c.Process == v.Code && c.Version == 0) {
			continue
		}
		_, problem, err := s.calledVersion(ctx, tx, el)
		if err != nil {
			return nil, err
		}
		if problem != nil {
			out = append(out, Warning{Source: "bpmn", Message: problem.Error() + "; the call stops with an incident until it is"})
		}
	}
	return out, nil
}
