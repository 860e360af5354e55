package process

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// A multi-instance activity runs as a body and inner instances. The token that arrives is the
// body: it evaluates the input once, arms the activity's boundary events, and waits
// (waitMulti) while one inner token per element does the activity's own work, each with the
// element and its loopCounter as its own variables. An inner token that finishes comes back
// here instead of leaving (runner.leave); when all have, or the completion condition holds,
// the body collects the outputs in input order and leaves. Every step happens in the
// transaction that holds the instance's lock, so inner instances finishing at the same time
// are counted one after the other and the body leaves exactly once.

// maxLoopInstances bounds the inner instances of one activity, so that a wrong collection
// cannot flood the task lists or the job table.
const maxLoopInstances = 1000

// enterLoop handles a token that reaches a multi-instance activity, or an inner instance that
// finished its work.
func (r *runner) enterLoop(p pending) error {
	if p.done {
		return r.innerDone(p.tok, p.el)
	}
	return r.execute(p.tok, p.el, true)
}

// multiInstance starts the body of a multi-instance activity: it reads the input, arms the
// boundary events on the body's token and starts the inner instances, all of them or the
// first. An input that cannot be read raises an incident before anything starts, so that a
// retry starts afresh.
func (r *runner) multiInstance(t *token, el *bpmn.Element) error {
	items, err := r.loopInput(t, el)
	if err != nil {
		return r.incident(t, el, err)
	}
	if stop, err := r.enterActivity(t, el); stop {
		return err
	}
	l := &loopState{Total: len(items)}
	if el.Loop.OutputCollection != "" {
		l.Results = make([]json.RawMessage, len(items))
		for i := range l.Results {
			l.Results[i] = json.RawMessage("null")
		}
	}
	how := "in parallel"
	if el.Loop.Sequential {
		l.Items, how = items, "one after another"
	}
	t.Loop, t.Wait = l, waitMulti
	r.record(el, evWaiting, fmt.Sprintf("%d instances %s", len(items), how))
	if len(items) == 0 {
		return r.completeLoop(t, el)
	}
	if el.Loop.Sequential {
		return r.startInner(t, el, items[0])
	}
	for _, item := range items {
		if err := r.startInner(t, el, item); err != nil {
			return err
		}
	}
	return nil
}

// loopInput evaluates the input collection into its elements as JSON, or the cardinality
// into as many null elements.
func (r *runner) loopInput(t *token, el *bpmn.Element) ([]json.RawMessage, error) {
	progs := r.st.v.Program().Loop(el.ID)
	if progs.Input == nil {
		n, err := r.loopCardinality(t, el, progs.Cardinality)
		return make([]json.RawMessage, n), err
	}
	out, err := expr.Run(progs.Input, r.st.envFor(t))
	if err != nil {
		return nil, fmt.Errorf("the input collection: %w", r.exprFailed(progs.Input, "", err))
	}
	rv := reflect.ValueOf(out)
	if out == nil || rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("the input collection %s gave %s, not a list", el.Loop.InputCollectionRaw, describeResult(out))
	}
	if rv.Len() > maxLoopInstances {
		return nil, fmt.Errorf("the input collection %s has %d elements, more than the limit of %d", el.Loop.InputCollectionRaw, rv.Len(), maxLoopInstances)
	}
	items := make([]json.RawMessage, rv.Len())
	for i := range items {
		raw, err := json.Marshal(rv.Index(i).Interface())
		if err != nil {
			return nil, fmt.Errorf("element %d of the input collection cannot be written as JSON: %v", i, err)
		}
		items[i] = raw
	}
	return items, nil
}

// loopCardinality evaluates loopCardinality to a whole number from 0 to maxLoopInstances.
func (r *runner) loopCardinality(t *token, el *bpmn.Element, prog *vm.Program) (int, error) {
	out, err := expr.Run(prog, r.st.envFor(t))
	if err != nil {
		return 0, fmt.Errorf("the loopCardinality: %w", r.exprFailed(prog, "", err))
	}
	v, err := value.FromNative(value.Type{Kind: value.KindInteger}, out)
	n, _ := strconv.Atoi(v.String())
	if err != nil || n < 0 || n > maxLoopInstances {
		return 0, fmt.Errorf("the loopCardinality %s gave %s; it must be a whole number from 0 to %d", el.Loop.CardinalityRaw, describeResult(out), maxLoopInstances)
	}
	return n, nil
}

func describeResult(v any) string {
	if v == nil {
		return "null"
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%T %s", v, s)
}

// startInner starts the next inner instance of body with item (nil without a collection).
func (r *runner) startInner(body *token, el *bpmn.Element, item json.RawMessage) error {
	l := body.Loop
	inner := r.st.toks.Fork(body, el.ID)
	inner.Body, inner.Index = body.ID, l.Started
	inner.Vars = map[string]json.RawMessage{bpmn.LoopCounter: json.RawMessage(strconv.Itoa(l.Started + 1))}
	if name := el.Loop.InputElement; name != "" && item != nil {
		inner.Vars[name] = item
	}
	l.Started++
	return r.runInner(inner, el)
}

// runInner runs one inner instance of a multi-instance activity: the activity's own work for
// token t, which carries the instance's variables. It is the one place an activity kind is
// run as an inner instance, so new kinds (sub-processes, call activities) plug in here.
func (r *runner) runInner(t *token, el *bpmn.Element) error {
	// Input mappings give each inner instance its own locals, as in Camunda 8; output
	// mappings are written once, when the whole activity completes.
	if ok, err := r.mapInputs(t, el); !ok {
		return err
	}
	if el.Kind == bpmn.KindTask {
		r.record(el, evCompleted, "")
		r.leave(t, el)
		return nil
	}
	return r.execute(t, el, true)
}

// innerDone takes back an inner instance that finished: its output element is stored at its
// input position, and the body completes once every instance has, or the completion condition
// holds; a sequential body starts the next instance. A failing output element or condition
// raises an incident on the inner instance, whose retry runs it again.
func (r *runner) innerDone(t *token, el *bpmn.Element) error {
	body := r.st.toks.Token(t.Body)
	if body == nil || body.Loop == nil {
		r.st.toks.Remove(t)
		return nil
	}
	l, progs := body.Loop, r.st.v.Program().Loop(el.ID)
	r.tok = t
	env := r.st.envFor(t)
	var result json.RawMessage
	if progs.Output != nil {
		out, err := expr.Run(progs.Output, env)
		if err == nil {
			result, err = json.Marshal(out)
		}
		if err != nil {
			return r.incident(t, el, fmt.Errorf("the outputElement %s: %w", el.Loop.OutputElementRaw, r.exprFailed(progs.Output, "", err)))
		}
	}
	stop := false
	if progs.Completion != nil {
		counts := map[string]any{bpmn.NumberOfInstances: l.Total, bpmn.NumberOfCompletedInstances: l.Completed + 1,
			bpmn.NumberOfActiveInstances: l.Started - l.Completed - 1}
		for k, v := range env {
			if _, ok := counts[k]; !ok {
				counts[k] = v
			}
		}
		var err error
		if stop, err = r.evalBoolIn(progs.Completion, el.Loop.CompletionConditionRaw, counts); err != nil {
			return r.incident(t, el, fmt.Errorf("the completionCondition: %w", err))
		}
	}
	if result != nil && t.Index < len(l.Results) {
		l.Results[t.Index] = result
	}
	l.Completed++
	r.st.toks.Remove(t)
	switch {
	case stop:
		if err := r.cancelInner(body, el); err != nil {
			return err
		}
		return r.completeLoop(body, el)
	case l.Completed >= l.Total:
		return r.completeLoop(body, el)
	case el.Loop.Sequential && l.Started < l.Total:
		var item json.RawMessage
		if l.Started < len(l.Items) {
			item = l.Items[l.Started]
		}
		return r.startInner(body, el, item)
	}
	return nil
}

// evalBoolIn runs a boolean program against env.
func (r *runner) evalBoolIn(prog *vm.Program, raw string, env map[string]any) (bool, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return false, r.exprFailed(prog, "", err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("the expression `%s` gave %v, not true or false", raw, out)
	}
	return b, nil
}

// completeLoop stores the output collection and moves the body on.
func (r *runner) completeLoop(body *token, el *bpmn.Element) error {
	if name := el.Loop.OutputCollection; name != "" {
		parts := make([]string, len(body.Loop.Results))
		for i, raw := range body.Loop.Results {
			parts[i] = string(raw)
		}
		v, err := value.ParseField(name, value.Type{Kind: value.KindList}, json.RawMessage("["+strings.Join(parts, ",")+"]"))
		if err != nil {
			return r.incident(body, el, fmt.Errorf("the output collection: %w", err))
		}
		r.st.set(name, v)
	}
	body.Loop = nil
	if err := r.clearToken(body, el); err != nil {
		return err
	}
	r.record(el, evCompleted, "")
	r.take(body, el.Outgoing[0])
	return nil
}

// cancelInner cancels the inner instances still running for body, when a boundary event
// interrupts the activity or its completion condition holds.
func (r *runner) cancelInner(body *token, el *bpmn.Element) error {
	if body.Loop == nil {
		return nil
	}
	var inner []*token
	for _, t := range r.st.toks.Tokens {
		if t.Body == body.ID {
			inner = append(inner, t)
		}
	}
	for _, t := range inner {
		// An inner instance of a sub-process owns a scope: everything inside goes with it.
		if err := r.cancelScopeOf(t, "inner instance of "+el.ID+" cancelled"); err != nil {
			return err
		}
		if err := r.cancelTokenWaits(t); err != nil {
			return err
		}
		r.st.toks.Remove(t)
	}
	if len(inner) > 0 {
		r.record(el, evCancelled, fmt.Sprintf("%d inner instances", len(inner)))
	}
	return nil
}

// interruptLoop cancels the inner instances of a body whose activity a boundary event
// interrupts; any other token is left alone.
func (r *runner) interruptLoop(body *token, el *bpmn.Element) error {
	err := r.cancelInner(body, el)
	body.Loop = nil
	return err
}

// bodyOf returns the token that stands for the whole activity when an inner instance's
// error is caught by a boundary event of the activity: its body, with the other inner
// instances cancelled. Any other token is returned as it is.
func (r *runner) bodyOf(t *token, el *bpmn.Element) (*token, error) {
	body := r.st.toks.Token(t.Body)
	if t.Body == 0 || body == nil {
		return t, nil
	}
	return body, r.interruptLoop(body, el)
}
