package program

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// Loop is the compiled expressions of a multi-instance activity; Input is nil when its count
// comes from Cardinality instead.
type Loop struct {
	Input, Cardinality, Output, Completion *vm.Program
}

// compileWithLoop compiles an element's expressions; those of a multi-instance activity see
// the inner instance's own variables too, and its loop expressions are compiled and checked.
func (c *Program) compileWithLoop(list *errs.List, e *bpmn.Element) {
	if e.Loop == nil {
		c.compileElement(list, e)
		return
	}
	outer := c.zero
	inner := make(map[string]any, len(outer)+2)
	for k, v := range outer {
		inner[k] = v
	}
	inner[bpmn.LoopCounter] = 0
	if e.Loop.InputElement != "" {
		inner[e.Loop.InputElement] = anyValue{} // any element of any list
	}
	c.zero = inner
	c.compileElement(list, e)
	c.zero = outer
	c.compileLoop(list, e, outer, inner)
}

// compileLoop compiles the input collection or cardinality against the process variables,
// and the output element and completion condition against an inner instance's.
func (c *Program) compileLoop(list *errs.List, e *bpmn.Element, outer, inner map[string]any) {
	l, p := e.Loop, &Loop{}
	if c.loops == nil {
		c.loops = map[string]*Loop{}
	}
	c.loops[e.ID] = p
	fail := func(what, raw string, err error) {
		list.Add(e.ID, "the %s %q of %s cannot be used: %s", what, raw, e.ID, firstLine(err))
	}
	var err error
	if l.InputCollection != "" {
		if p.Input, err = c.compile(l.InputCollection, outer); err == nil {
			if k := p.Input.Node().Type(); k != nil && k.Kind() != reflect.Interface && k.Kind() != reflect.Slice && k.Kind() != reflect.Array {
				err = fmt.Errorf("it gives %s, not a list", describeGoType(k))
			}
		}
		if err != nil {
			fail("inputCollection", l.InputCollectionRaw, err)
		}
	} else if l.Cardinality != "" {
		if p.Cardinality, err = c.compile(l.Cardinality, outer); err == nil {
			if k := p.Cardinality.Node().Type(); k != nil && k.Kind() != reflect.Interface && (k.Kind() < reflect.Int || k.Kind() > reflect.Uint64) {
				err = fmt.Errorf("it gives %s, not a whole number", describeGoType(k))
			}
		}
		if err != nil {
			fail("loopCardinality", l.CardinalityRaw, err)
		}
	}
	if l.OutputCollection != "" {
		if t, ok := c.types[l.OutputCollection]; !ok || t.Kind != value.KindList {
			list.Add(e.ID, "the outputCollection %q of %s must be a declared variable of type list", l.OutputCollection, e.ID)
		}
	}
	if l.OutputElement != "" {
		if p.Output, err = c.compile(l.OutputElement, inner); err != nil {
			fail("outputElement", l.OutputElementRaw, err)
		}
	}
	if l.CompletionCondition != "" {
		env := make(map[string]any, len(inner)+3)
		for k, v := range inner {
			env[k] = v
		}
		env[bpmn.NumberOfInstances], env[bpmn.NumberOfCompletedInstances], env[bpmn.NumberOfActiveInstances] = 0, 0, 0
		if p.Completion, err = c.compile(l.CompletionCondition, env, expr.AsBool()); err != nil {
			fail("completionCondition", l.CompletionConditionRaw, err)
		}
	}
}

// anyValue marks, in a compile-time environment, a name whose value may be of any type, such
// as the element of a list: expressions using it are checked when they run.
type anyValue struct{}

// typedEnv gives expr the environment to compile against: env itself, or, when a name in it
// may be of any type, its types with that name's unknown.
func typedEnv(env map[string]any) any {
	var m types.Map
	for k, v := range env {
		if _, ok := v.(anyValue); ok {
			if m == nil {
				m = make(types.Map, len(env))
			}
			m[k] = types.Any
		}
	}
	if m == nil {
		return env
	}
	for k, v := range env {
		if _, ok := v.(anyValue); !ok {
			m[k] = types.TypeOf(v)
		}
	}
	return m
}
