package program

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

// A Program is a version's expressions compiled once against its variables' types. A version
// never changes, so its program is kept as long as the version is cached.
type Program struct {
	conds   map[string]*vm.Program    // by flow id
	assigns map[string][]Assign       // by element id, in order
	inputs  map[string][]Input        // by element id, in document order
	outputs map[string][]Assign       // by element id
	keys    map[string]*vm.Program    // correlation keys, by element id
	logins  map[string]*vm.Program    // user tasks' computed assignees, by element id
	types   map[string]value.Type     // declared variables
	zero    map[string]any            // the compile-time environment
	result  map[string]map[string]any // extra names an output sees, by element id
	loops   map[string]*Loop          // multi-instance activities, by element id
	io      map[string]*IO            // zeebe:ioMapping, by element id
}

// Assign sets a variable from an expression: a script assignment, a task output, an output
// mapping.
type Assign struct {
	Variable string
	Type     value.Type
	Prog     *vm.Program
}

// Input is a task input: one expression, or a template of literal text and
// {{ expression }} placeholders.
type Input struct {
	Name     string
	Prog     *vm.Program
	Template *Template
	Plain    string
}

// template is literal parts with placeholders between them: parts[0] progs[0] parts[1] ... .
type Template struct {
	Parts []string
	Progs []*vm.Program
}

// Compile compiles every expression of process p and checks every variable it names against
// the declared variables' types, returning all problems at once, each naming its element.
func Compile(p *bpmn.Process, types map[string]value.Type) (*Program, error) {
	c := &Program{conds: map[string]*vm.Program{}, assigns: map[string][]Assign{},
		inputs: map[string][]Input{}, outputs: map[string][]Assign{}, keys: map[string]*vm.Program{},
		logins: map[string]*vm.Program{}, types: map[string]value.Type{}, zero: map[string]any{}, result: map[string]map[string]any{}}
	for name, t := range types {
		c.types[name], c.zero[name] = t, t.Zero()
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

// Condition returns the condition of sequence flow id, nil when it has none.
func (c *Program) Condition(id string) *vm.Program { return c.conds[id] }

// Assigns returns the assignments of script task id, in order.
func (c *Program) Assigns(id string) []Assign { return c.assigns[id] }

// Inputs returns the inputs of service task id, in document order.
func (c *Program) Inputs(id string) []Input { return c.inputs[id] }

// Outputs returns the outputs of service task id.
func (c *Program) Outputs(id string) []Assign { return c.outputs[id] }

// Key returns the correlation key of message wait id, nil when it has none.
func (c *Program) Key(id string) *vm.Program { return c.keys[id] }

// Login returns the computed assignee of user task id, nil when it has none.
func (c *Program) Login(id string) *vm.Program { return c.logins[id] }

// IO returns the zeebe:ioMapping of element id, nil when it has none.
func (c *Program) IO(id string) *IO { return c.io[id] }

// Loop returns the loop expressions of multi-instance activity id, nil for any other element.
func (c *Program) Loop(id string) *Loop { return c.loops[id] }

// Type returns the type of the declared variable called name.
func (c *Program) Type(name string) (value.Type, bool) {
	t, ok := c.types[name]
	return t, ok
}

// inScopes runs fn with the names an element inside sub-processes sees besides the process
// variables (see namesAround).
func (c *Program) inScopes(p *bpmn.Process, e *bpmn.Element, fn func()) {
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

func (c *Program) compile(src string, env map[string]any, opts ...expr.Option) (*vm.Program, error) {
	if f, ok := bpmn.FEELSource(src); ok {
		return c.compileFEEL(src, f, env, opts...)
	}
	all := append([]expr.Option{expr.Env(typedEnv(env)), expr.MaxNodes(maxNodes)}, opts...)
	return expr.Compile(src, all...)
}

func (c *Program) compileCondition(list *errs.List, f *bpmn.Flow) {
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

func (c *Program) compileElement(list *errs.List, e *bpmn.Element) {
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
func (c *Program) assignment(list *errs.List, el, variable, raw, src string, env map[string]any, opts ...expr.Option) (Assign, bool) {
	t, ok := c.types[variable]
	if !ok {
		list.Add(el, "%s assigns the unknown variable %q; declare it in the process's variables", el, variable)
		return Assign{}, false
	}
	if raw == "" {
		raw = src
	}
	prog, err := c.compile(src, env, opts...)
	if err != nil {
		list.Add(el, "the expression %q of %s (for %s) does not compile: %s", raw, el, variable, firstLine(err))
		return Assign{}, false
	}
	if err := Fits(prog.Node().Type(), t); err != nil {
		list.Add(el, "the expression %q of %s cannot be assigned to %s: %v", raw, el, variable, err)
		return Assign{}, false
	}
	return Assign{Variable: variable, Type: t, Prog: prog}, true
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	moneyType = reflect.TypeOf(value.Money{})
)

// Fits checks at publish that an expression whose static type is got can fill a variable of
// type t. An expression whose type expr cannot know (a field of a JSON body) is checked again
// with the value when it runs.
func Fits(got reflect.Type, t value.Type) error {
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
func (c *Program) checkUserTask(list *errs.List, e *bpmn.Element) {
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
func (c *Program) compileMessage(list *errs.List, e *bpmn.Element) {
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

func (c *Program) compileTemplate(s string, env map[string]any) (*Template, error) {
	parts, srcs, err := parseTemplate(s)
	if err != nil {
		return nil, err
	}
	t := &Template{Parts: parts}
	for _, src := range srcs {
		prog, err := c.compile(src, env)
		if err != nil {
			return nil, fmt.Errorf("the placeholder {{ %s }} does not compile: %s", src, firstLine(err))
		}
		t.Progs = append(t.Progs, prog)
	}
	return t, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
