package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// callPlan compiles (once) the mappings of call activity el of version parent for the called
// version child, checking each against the child's declared variables.
func (s *Service) callPlan(parent *Version, el *bpmn.Element, child *Version) (*program.CallPlan, error) {
	key := versionKey(parent.Code, parent.Number) + "\x00" + el.ID + "\x00" + versionKey(child.Code, child.Number)
	if p, ok := s.calls.Load(key); ok {
		return p.(*program.CallPlan), nil
	}
	p, err := program.CompileCall(parent.Program(), parent.Process, el, child.Program(), child.Code)
	if err != nil {
		return nil, fmt.Errorf("the mappings of callActivity (%s) do not fit version %d of process '%s': %v", el.ID, child.Number, child.Code, err)
	}
	actual, _ := s.calls.LoadOrStore(key, p)
	return actual.(*program.CallPlan), nil
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
	for _, a := range plan.Ins {
		val, err := r.evalAssign(a, env)
		if err != nil {
			return nil, fmt.Errorf("the input mapping for %s of process '%s': %w", a.Variable, v.Code, err)
		}
		vars[a.Variable] = val
	}
	checked, err := v.CheckInputs(vars)
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
	vals := make([]value.Value, len(plan.Outs))
	for i, a := range plan.Outs {
		if vals[i], err = r.evalAssign(a, env); err != nil {
			return fmt.Errorf("the output mapping for %s from instance %s: %w", a.Variable, child.id, err)
		}
	}
	if el.Call.PropagateAll {
		got := map[string]value.Value{}
		copyCompatible(got, child.vars, r.st.v)
		for name, val := range got {
			r.st.set(name, val)
		}
	}
	for i, a := range plan.Outs {
		r.st.set(a.Variable, vals[i])
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
