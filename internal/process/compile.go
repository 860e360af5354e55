package process

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// maxNodes bounds the size of one expression; expr-lang has no loops, and its VM bounds the
// memory one evaluation may use, so together every evaluation is bounded.
const maxNodes = 2000

// programs are a version's expressions compiled once against its variables' types. A version
// never changes, so they are kept as long as the version is cached.
type programs struct {
	conds   map[string]*vm.Program     // by flow id
	assigns map[string][]assignProgram // by element id, in order
	inputs  map[string][]inputProgram  // by element id, in document order
	outputs map[string][]assignProgram // by element id
	keys    map[string]*vm.Program     // correlation keys, by element id
	logins  map[string]*vm.Program     // user tasks' computed assignees, by element id
	types   map[string]value.Type      // declared variables
	zero    map[string]any             // the compile-time environment
	result  map[string]map[string]any  // extra names an output sees, by element id
	loops   map[string]*loopPrograms   // multi-instance activities, by element id
	io      map[string]*ioPrograms     // zeebe:ioMapping, by element id
}

// assignProgram sets a variable from an expression: a script assignment or a task output.
type assignProgram struct {
	variable string
	t        value.Type
	prog     *vm.Program
}

// inputProgram is a task input: one expression, or a template of literal text and
// {{ expression }} placeholders.
type inputProgram struct {
	name  string
	prog  *vm.Program
	tmpl  *template
	plain string
}

// template is literal parts with placeholders between them: parts[0] progs[0] parts[1] ... .
type template struct {
	parts []string
	progs []*vm.Program
}

// compileVersion compiles every expression of the process and checks every variable it names,
// returning all problems at once, each naming its element.
func compileVersion(p *bpmn.Process, vars []Variable) (*programs, error) {
	c := &programs{conds: map[string]*vm.Program{}, assigns: map[string][]assignProgram{},
		inputs: map[string][]inputProgram{}, outputs: map[string][]assignProgram{}, keys: map[string]*vm.Program{},
		logins: map[string]*vm.Program{}, types: map[string]value.Type{}, zero: map[string]any{}, result: map[string]map[string]any{}}
	for _, v := range vars {
		c.types[v.Name], c.zero[v.Name] = v.Type, v.Type.Zero()
	}
	var list errs.List
	for _, f := range p.FlowOrder {
		c.inScopes(p, f.From, func() { c.compileCondition(&list, f) })
	}
	for _, e := range p.ElementOrder {
		c.inScopes(p, e, func() { c.compileWithLoop(&list, e) })
	}
	return c, list.Err()
}

// inScopes runs fn with the names an element inside sub-processes sees besides the process
// variables (see namesAround).
func (c *programs) inScopes(p *bpmn.Process, e *bpmn.Element, fn func()) {
	env := namesAround(p, c.zero, e, false)
	outer := c.zero
	c.zero = env
	fn()
	c.zero = outer
}

// namesAround returns zero with the names an element sees besides the process variables: the
// loopCounter and input element of a multi-instance sub-process around it (and, with own, of
// the element itself), and the zeebe:input locals of the sub-processes around it, as envFor
// gives them at run time. Without any it is zero itself.
func namesAround(p *bpmn.Process, zero map[string]any, e *bpmn.Element, own bool) map[string]any {
	env := zero
	add := func(a *bpmn.Element, io bool) {
		if a.Loop == nil && (!io || a.IO == nil) {
			return
		}
		if len(env) == len(zero) {
			env = maps.Clone(zero)
		}
		if a.Loop != nil {
			setIfUnset(env, bpmn.LoopCounter, 0)
			if a.Loop.InputElement != "" {
				setIfUnset(env, a.Loop.InputElement, anyValue{})
			}
		}
		if io {
			addLocals(env, a)
		}
	}
	if own {
		add(e, false)
	}
	for a := p.Elements[e.Parent]; a != nil; a = p.Elements[a.Parent] {
		add(a, true)
	}
	return env
}

// setIfUnset gives a name its compile-time value unless an inner scope already named it.
func setIfUnset(env map[string]any, name string, v any) {
	if _, ok := env[name]; !ok {
		env[name] = v
	}
}

func (c *programs) compile(src string, env map[string]any, opts ...expr.Option) (*vm.Program, error) {
	if f, ok := bpmn.FEELSource(src); ok {
		return c.compileFEEL(src, f, env, opts...)
	}
	all := append([]expr.Option{expr.Env(typedEnv(env)), expr.MaxNodes(maxNodes)}, opts...)
	return expr.Compile(src, all...)
}

func (c *programs) compileCondition(list *errs.List, f *bpmn.Flow) {
	if f.Condition == "" {
		return
	}
	prog, err := c.compile(f.Condition, c.zero, expr.AsBool())
	if err != nil {
		list.Add(f.ID, "the condition %q of sequenceFlow %s is not a boolean expression over the process variables: %s", f.ConditionRaw, f.ID, firstLine(err))
		return
	}
	c.conds[f.ID] = prog
}

func (c *programs) compileElement(list *errs.List, e *bpmn.Element) {
	c.compileIO(list, e)
	switch {
	case e.Script != nil:
		for _, a := range e.Script.Assignments {
			if ap, ok := c.assignment(list, e.ID, a.Variable, a.ExpressionRaw, a.Expression, c.zero); ok {
				c.assigns[e.ID] = append(c.assigns[e.ID], ap)
			}
		}
	case e.Service != nil:
		c.compileService(list, e)
	case e.User != nil:
		c.checkUserTask(list, e)
	case e.Message != nil:
		c.compileMessage(list, e)
	case e.Call != nil:
		c.compileCall(list, e)
	}
}

// assignment compiles an expression whose value goes into a declared variable, checking that
// the expression's type fits the variable's.
func (c *programs) assignment(list *errs.List, el, variable, raw, src string, env map[string]any, opts ...expr.Option) (assignProgram, bool) {
	t, ok := c.types[variable]
	if !ok {
		list.Add(el, "%s assigns the unknown variable %q; declare it in the process's variables", el, variable)
		return assignProgram{}, false
	}
	if raw == "" {
		raw = src
	}
	prog, err := c.compile(src, env, opts...)
	if err != nil {
		list.Add(el, "the expression %q of %s (for %s) does not compile: %s", raw, el, variable, firstLine(err))
		return assignProgram{}, false
	}
	if err := fits(prog.Node().Type(), t); err != nil {
		list.Add(el, "the expression %q of %s cannot be assigned to %s: %v", raw, el, variable, err)
		return assignProgram{}, false
	}
	return assignProgram{variable: variable, t: t, prog: prog}, true
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	moneyType = reflect.TypeOf(value.Money{})
)

// fits checks at publish that an expression whose static type is got can fill a variable of
// type t. An expression whose type expr cannot know (a field of a JSON body) is checked again
// with the value when it runs.
func fits(got reflect.Type, t value.Type) error {
	if got == nil || got.Kind() == reflect.Interface {
		return nil
	}
	ok := false
	switch t.Kind {
	case value.KindInteger:
		ok = got.Kind() >= reflect.Int && got.Kind() <= reflect.Uint64
	case value.KindNumber:
		ok = got.Kind() >= reflect.Int && got.Kind() <= reflect.Float64
	case value.KindBoolean:
		ok = got.Kind() == reflect.Bool
	case value.KindDatetime:
		ok = got == timeType
	case value.KindMoney:
		ok = got == moneyType || got.Kind() == reflect.Map
	case value.KindFile:
		ok = got == reflect.TypeOf(value.File{}) || got.Kind() == reflect.Map
	case value.KindFiles:
		ok = got.Kind() == reflect.Slice
	case value.KindList:
		ok = got.Kind() == reflect.Slice || got.Kind() == reflect.Array
	case value.KindObject:
		ok = got.Kind() == reflect.Map || got.Kind() == reflect.Struct
	default:
		ok = got.Kind() == reflect.String
	}
	if !ok {
		return fmt.Errorf("the expression gives %s, the variable is %s", describeGoType(got), t)
	}
	return nil
}

func describeGoType(t reflect.Type) string {
	switch {
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case t.Kind() == reflect.String:
		return "a string"
	case t == timeType:
		return "a datetime"
	case t == reflect.TypeOf(value.File{}):
		return "a file"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Map:
		return "an object"
	}
	return "a " + t.String()
}

// checkUserTask checks that a task's form fields and assignee variable are declared, and
// compiles an assignee computed by an expression.
func (c *programs) checkUserTask(list *errs.List, e *bpmn.Element) {
	for _, f := range e.User.Form {
		if _, ok := c.types[f.Variable]; !ok {
			list.Add(e.ID, "the form of userTask %s names the unknown variable %q", e.ID, f.Variable)
		}
	}
	if v := e.User.Assignee.UserVariable; v != "" {
		if t, ok := c.types[v]; !ok || t.Kind != value.KindUser {
			list.Add(e.ID, "userTask %s is assigned to the variable %q, which must be a declared variable of type user", e.ID, v)
		}
	}
	if a := e.User.Assignee; a.Expression != "" {
		prog, err := c.compile(a.Expression, c.zero)
		if err == nil {
			if k := prog.Node().Type(); k != nil && k.Kind() != reflect.Interface && k.Kind() != reflect.String {
				err = fmt.Errorf("it gives %s; a login is a string", describeGoType(k))
			}
		}
		if err != nil {
			list.Add(e.ID, "the assignee %q of userTask %s cannot be used: %s", a.ExpressionRaw, e.ID, firstLine(err))
			return
		}
		c.logins[e.ID] = prog
	}
}

// compileMessage checks a message wait: the variable that receives the text must be a string,
// and a correlation key must give a string or a number.
func (c *programs) compileMessage(list *errs.List, e *bpmn.Element) {
	m := e.Message
	if m.Variable != "" {
		if t, ok := c.types[m.Variable]; !ok || t.Kind != value.KindString {
			list.Add(e.ID, "%s stores the message in %q, which must be a declared variable of type string", e.ID, m.Variable)
		}
	}
	if m.CorrelationKey == "" {
		return
	}
	prog, err := c.compile(m.CorrelationKey, c.zero)
	if err == nil {
		if k := prog.Node().Type(); k != nil && k.Kind() != reflect.Interface && k.Kind() != reflect.String && k.Kind() != reflect.Int {
			err = fmt.Errorf("it gives %s; a key must be a string or an integer", describeGoType(k))
		}
	}
	if err != nil {
		list.Add(e.ID, "the correlation key %q of %s cannot be used: %s", m.CorrelationKeyRaw, e.ID, firstLine(err))
		return
	}
	c.keys[e.ID] = prog
}

// parseTemplate splits "Hello {{ name }}!" into literal parts and placeholder sources.
func parseTemplate(s string) (parts, srcs []string, err error) {
	for {
		start := strings.Index(s, "{{")
		if start < 0 {
			return append(parts, s), srcs, nil
		}
		end := strings.Index(s[start+2:], "}}")
		if end < 0 {
			return nil, nil, fmt.Errorf("a {{ placeholder is not closed with }}")
		}
		parts = append(parts, s[:start])
		srcs = append(srcs, strings.TrimSpace(s[start+2:start+2+end]))
		s = s[start+2+end+2:]
	}
}

func (c *programs) compileTemplate(s string, env map[string]any) (*template, error) {
	parts, srcs, err := parseTemplate(s)
	if err != nil {
		return nil, err
	}
	t := &template{parts: parts}
	for _, src := range srcs {
		prog, err := c.compile(src, env)
		if err != nil {
			return nil, fmt.Errorf("the placeholder {{ %s }} does not compile: %s", src, firstLine(err))
		}
		t.progs = append(t.progs, prog)
	}
	return t, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
