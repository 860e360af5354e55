package process

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/value"
)

// parallel forks a token onto every outgoing flow; with several incoming flows it first joins:
// the token waits until a token has arrived on every incoming flow, then one goes on.
func (r *runner) parallel(p pending) {
	el := p.el
	if len(el.Incoming) > 1 {
		p.tok.Wait = waitJoin
		if p.via != nil {
			p.tok.Flow = p.via.ID
		}
		arrived := r.joinTokens(el)
		if arrived == nil {
			r.record(el, evWaiting, "")
			return
		}
		for _, t := range arrived[1:] {
			r.st.toks.Remove(t)
		}
		p.tok = arrived[0]
		r.record(el, evJoined, "")
	} else {
		r.record(el, evCompleted, "")
	}
	for i, f := range el.Outgoing {
		t := p.tok
		if i > 0 {
			t = r.st.toks.Fork(p.tok, el.ID)
		}
		r.take(t, f)
	}
}

// joinTokens returns one waiting token per incoming flow of a join, or nil while a flow has
// none yet. Extra tokens on a flow stay for the join's next firing.
func (r *runner) joinTokens(el *bpmn.Element) []*token {
	out := make([]*token, 0, len(el.Incoming))
	for _, f := range el.Incoming {
		var found *token
		for _, t := range r.st.toks.Tokens {
			if t.El == el.ID && t.Wait == waitJoin && t.Flow == f.ID {
				found = t
				break
			}
		}
		if found == nil {
			return nil
		}
		out = append(out, found)
	}
	return out
}

// exclusive takes the first outgoing flow, in document order, whose condition is true, else
// the default flow. When neither exists the instance stops here with an incident: ending
// quietly or guessing a branch would be worse.
func (r *runner) exclusive(t *token, el *bpmn.Element) error {
	if len(el.Outgoing) == 1 && el.Outgoing[0].Condition == "" {
		r.record(el, evCompleted, "")
		r.leave(t, el)
		return nil
	}
	for _, f := range el.Outgoing {
		prog := r.st.v.Program().Condition(f.ID)
		if prog == nil {
			continue
		}
		ok, err := r.evalBool(r.st.envFor(t), prog, f.ConditionRaw)
		if err != nil {
			return r.incident(t, el, fmt.Errorf("the condition of sequence flow %s cannot be evaluated: %w", f.ID, err))
		}
		if ok {
			r.record(el, evCompleted, "took "+f.ID)
			r.take(t, f)
			return nil
		}
	}
	if el.Default != nil {
		r.record(el, evCompleted, "took the default flow "+el.Default.ID)
		r.take(t, el.Default)
		return nil
	}
	return r.incident(t, el, errors.New("no condition of its outgoing flows is true and it has no default flow"))
}

func (r *runner) evalBool(env map[string]any, prog *vm.Program, raw string) (bool, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return false, r.exprFailed(prog, raw, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("the expression `%s` gave %v, not true or false", raw, out)
	}
	return b, nil
}

// script evaluates the task's assignments in order; each sees the ones before it. The values
// are checked against the variables' types, and a failure leaves every variable unchanged.
func (r *runner) script(t *token, el *bpmn.Element) error {
	assigns := r.st.v.Program().Assigns(el.ID)
	vals := make([]value.Value, len(assigns))
	old := make([]value.Value, len(assigns))
	env := r.st.envFor(t)
	for i, a := range assigns {
		v, err := r.evalAssign(a, env)
		if err != nil {
			for j := i - 1; j >= 0; j-- {
				r.st.setFor(t, assigns[j].Variable, old[j])
			}
			return r.incident(t, el, err)
		}
		old[i], vals[i] = r.st.valueFor(t, a.Variable), v
		r.st.setFor(t, a.Variable, v)
		env[a.Variable] = v.Native()
	}
	r.record(el, evCompleted, "")
	r.leave(t, el)
	return nil
}

// evalAssign evaluates an assignment and turns its result into a value of the variable's type.
func (r *runner) evalAssign(a program.Assign, env map[string]any) (value.Value, error) {
	out, err := expr.Run(a.Prog, env)
	if err != nil {
		return value.Value{}, fmt.Errorf("the value of %s: %w", a.Variable, r.exprFailed(a.Prog, "", err))
	}
	v, err := value.Options{AllowNull: true}.FromNative(a.Type, out)
	if err != nil {
		return value.Value{}, value.InField(a.Variable, err)
	}
	// An expression can build any well-formed id, from an http answer say; only a link to a
	// record that exists may enter the context.
	if err := value.CheckRefs(r.ctx, refs{s: r.s, tx: r.tx}, a.Variable, v); err != nil {
		return value.Value{}, err
	}
	return v, nil
}

// timerCatch waits until the timer's due time; the job worker fires it.
func (r *runner) timerCatch(t *token, el *bpmn.Element) error {
	t.Wait = waitTimer
	due := el.Timer.Due(r.tx.Now())
	if err := r.addJob(waits.Job{Token: t.ID, Element: el.ID, Kind: waits.JobTimer, State: waits.JobReady, Due: due, Max: 1}); err != nil {
		return err
	}
	r.record(el, evWaiting, "until "+due.UTC().Format("2006-01-02T15:04:05Z07:00"))
	return nil
}
