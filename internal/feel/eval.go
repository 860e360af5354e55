package feel

import (
	"fmt"
	"math"
	"time"
)

// Limits bound one evaluation. FEEL has loops (for, some, every, filters), so an expression's
// work is not bounded by its length alone.
type Limits struct {
	Steps int // nodes evaluated
	Items int // elements of one list, and characters of one string
}

// DefaultLimits are generous for conditions and mappings and small for a server.
var DefaultLimits = Limits{Steps: 100_000, Items: 10_000}

// LimitError reports an evaluation stopped by its limits.
type LimitError struct{ msg string }

func (e *LimitError) Error() string { return e.msg }

type evaluator struct {
	lim   Limits
	steps int
	env   map[string]any
	at    time.Time // now, read once per evaluation when the expression asks for it
}

func (e *evaluator) now() time.Time {
	if e.at.IsZero() {
		e.at = time.Now()
	}
	return e.at
}

// scope is the names bound inside an expression (iteration variables, a filter's item, a
// context's earlier entries), in front of the variables.
type scope struct {
	names  map[string]any
	parent *scope
}

func (e *evaluator) lookup(sc *scope, name string) any {
	for s := sc; s != nil; s = s.parent {
		if v, ok := s.names[name]; ok {
			return v
		}
	}
	return fromGo(e.env[name])
}

func (e *evaluator) step() {
	if e.steps++; e.steps > e.lim.Steps {
		panic(&LimitError{fmt.Sprintf("the expression needs more than %d steps", e.lim.Steps)})
	}
}

func (e *evaluator) checkItems(n int) {
	if n > e.lim.Items {
		panic(&LimitError{fmt.Sprintf("the expression builds a list or string longer than %d", e.lim.Items)})
	}
}

// Eval evaluates the expression over the variables in env with DefaultLimits. The result is
// a FEEL value; see ToGo.
func (x *Expr) Eval(env map[string]any) (any, error) {
	return x.EvalLimits(env, DefaultLimits)
}

// EvalLimits evaluates with the given limits. Only limits give an error: FEEL turns every other
// failure (a wrong type, a missing variable) into null.
func (x *Expr) EvalLimits(env map[string]any, lim Limits) (out any, err error) {
	e := &evaluator{lim: lim, env: env}
	defer func() {
		if r := recover(); r != nil {
			le, ok := r.(*LimitError)
			if !ok {
				panic(r)
			}
			out, err = nil, le
		}
	}()
	return x.root.eval(e, nil), nil
}

type node interface {
	eval(e *evaluator, sc *scope) any
}

type (
	litNode     struct{ v any }
	nameNode    struct{ name string }
	listNode    struct{ items []node }
	contextNode struct {
		keys []string
		vals []node
	}
	rangeNode struct {
		lo, hi         node
		loOpen, hiOpen bool
	}
	negNode   struct{ x node }
	arithNode struct {
		op   string
		l, r node
	}
	cmpNode struct {
		op   string
		l, r node
	}
	logicNode struct {
		or   bool
		l, r node
	}
	betweenNode struct{ x, lo, hi node }
	inNode      struct {
		x     node
		tests []node
	}
	testCmp struct {
		op string
		r  node
	}
	testEq       struct{ r node }
	ifNode       struct{ c, a, b node }
	instanceNode struct {
		x   node
		typ string
	}
	pathNode struct {
		x    node
		name string
	}
	filterNode struct{ x, f node }
	iterator   struct {
		name   string
		in, to node
	}
	forNode struct {
		its  []iterator
		body node
	}
	quantNode struct {
		every bool
		its   []iterator
		cond  node
	}
)

func (n *litNode) eval(e *evaluator, _ *scope) any { e.step(); return n.v }

func (n *nameNode) eval(e *evaluator, sc *scope) any { e.step(); return e.lookup(sc, n.name) }

func (n *listNode) eval(e *evaluator, sc *scope) any {
	e.step()
	out := make([]any, len(n.items))
	for i, it := range n.items {
		out[i] = it.eval(e, sc)
	}
	return out
}

func (n *contextNode) eval(e *evaluator, sc *scope) any {
	e.step()
	out := make(map[string]any, len(n.keys))
	inner := &scope{names: out, parent: sc}
	for i, k := range n.keys {
		out[k] = n.vals[i].eval(e, inner)
	}
	return out
}

func (n *rangeNode) eval(e *evaluator, sc *scope) any {
	e.step()
	return Range{Lo: n.lo.eval(e, sc), Hi: n.hi.eval(e, sc), LoOpen: n.loOpen, HiOpen: n.hiOpen}
}

func (n *negNode) eval(e *evaluator, sc *scope) any {
	e.step()
	switch x := n.x.eval(e, sc).(type) {
	case float64:
		return -x
	case Duration:
		return -x
	case Months:
		return -x
	}
	return nil
}

func (n *arithNode) eval(e *evaluator, sc *scope) any {
	e.step()
	l, r := n.l.eval(e, sc), n.r.eval(e, sc)
	if l == nil || r == nil {
		return nil
	}
	if a, ok := l.(float64); ok {
		if b, ok := r.(float64); ok {
			return numArith(n.op, a, b)
		}
	}
	if n.op == "+" {
		if a, ok := l.(string); ok {
			if b, ok := r.(string); ok {
				e.checkItems(len(a) + len(b))
				return a + b
			}
		}
	}
	return temporalArith(n.op, l, r)
}

func numArith(op string, a, b float64) any {
	switch op {
	case "+":
		return tidy(a + b)
	case "-":
		return tidy(a - b)
	case "*":
		return tidy(a * b)
	case "/":
		if b == 0 {
			return nil
		}
		return tidy(a / b)
	}
	return tidy(math.Pow(a, b))
}

func (n *cmpNode) eval(e *evaluator, sc *scope) any {
	e.step()
	return compareOp(n.op, n.l.eval(e, sc), n.r.eval(e, sc))
}

func compareOp(op string, l, r any) any {
	switch op {
	case "=":
		return equal(l, r)
	case "!=":
		return not(equal(l, r))
	}
	c, ok := compare(l, r)
	if !ok {
		return nil
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func not(v any) any {
	if b, ok := v.(bool); ok {
		return !b
	}
	return nil
}

// eval follows FEEL's truth tables: false and x is false, true or x is true, whatever x is;
// otherwise anything that is not a boolean makes the result null.
func (n *logicNode) eval(e *evaluator, sc *scope) any {
	e.step()
	l := n.l.eval(e, sc)
	if b, ok := l.(bool); ok && b == n.or {
		return b
	}
	r := n.r.eval(e, sc)
	if b, ok := r.(bool); ok && b == n.or {
		return b
	}
	if _, ok := l.(bool); ok {
		if _, ok := r.(bool); ok {
			return !n.or
		}
	}
	return nil
}

func (n *betweenNode) eval(e *evaluator, sc *scope) any {
	e.step()
	x := n.x.eval(e, sc)
	return and3(compareOp(">=", x, n.lo.eval(e, sc)), compareOp("<=", x, n.hi.eval(e, sc)))
}

func and3(a, b any) any {
	if a == false || b == false {
		return false
	}
	if a == true && b == true {
		return true
	}
	return nil
}

// test is a node that checks a value: a unary test of in.
type test interface {
	test(e *evaluator, sc *scope, x any) any
}

func (n *inNode) eval(e *evaluator, sc *scope) any {
	e.step()
	x := n.x.eval(e, sc)
	var result any = false
	for _, t := range n.tests {
		var r any
		if tt, ok := t.(test); ok {
			r = tt.test(e, sc, x)
		} else {
			r = (&testEq{r: t}).test(e, sc, x)
		}
		if r == true {
			return true
		}
		if r == nil {
			result = nil
		}
	}
	return result
}

func (n *testCmp) eval(e *evaluator, sc *scope) any {
	e.step()
	return nil // a test standing alone has no value; in reads it through test
}

func (n *testCmp) test(e *evaluator, sc *scope, x any) any {
	e.step()
	return compareOp(n.op, x, n.r.eval(e, sc))
}

func (n *testEq) eval(e *evaluator, sc *scope) any { return n.r.eval(e, sc) }

// test compares for equality, or checks membership when the right side is a range or a list.
func (n *testEq) test(e *evaluator, sc *scope, x any) any {
	e.step()
	switch r := n.r.eval(e, sc).(type) {
	case Range:
		return inRange(r, x)
	case []any:
		if _, isList := x.([]any); !isList {
			return listContains(r, x)
		}
		return equal(x, r)
	case nil:
		return x == nil
	default:
		return equal(x, r)
	}
}

func inRange(r Range, x any) any {
	lo, hi := ">=", "<="
	if r.LoOpen {
		lo = ">"
	}
	if r.HiOpen {
		hi = "<"
	}
	var a, b any = true, true
	if r.Lo != nil {
		a = compareOp(lo, x, r.Lo)
	}
	if r.Hi != nil {
		b = compareOp(hi, x, r.Hi)
	}
	return and3(a, b)
}

func listContains(list []any, x any) any {
	for _, v := range list {
		if equal(v, x) == true {
			return true
		}
	}
	return false
}

func (n *ifNode) eval(e *evaluator, sc *scope) any {
	e.step()
	if n.c.eval(e, sc) == true {
		return n.a.eval(e, sc)
	}
	return n.b.eval(e, sc)
}

func (n *instanceNode) eval(e *evaluator, sc *scope) any {
	e.step()
	v := n.x.eval(e, sc)
	switch n.typ {
	case "Any":
		return v != nil
	case "Null":
		return v == nil
	}
	return typeName(v) == n.typ
}

func (n *pathNode) eval(e *evaluator, sc *scope) any {
	e.step()
	return path(n.x.eval(e, sc), n.name)
}

// path reads a context's entry, the entry of every context of a list, or a property of a date,
// time or duration.
func path(v any, name string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[name]
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = path(it, name)
		}
		return out
	}
	return property(v, name)
}

func (n *filterNode) eval(e *evaluator, sc *scope) any {
	e.step()
	x := n.x.eval(e, sc)
	list, ok := x.([]any)
	if !ok {
		if x == nil {
			return nil
		}
		list = []any{x}
	}
	// A filter that is a number picks an element: 1 is the first, -1 the last.
	if lit, ok := n.f.(*litNode); ok {
		if _, isNum := lit.v.(float64); isNum {
			return index(list, lit.v)
		}
	}
	if neg, ok := n.f.(*negNode); ok {
		if lit, ok := neg.x.(*litNode); ok {
			return index(list, (&negNode{lit}).eval(e, sc))
		}
	}
	var out []any
	for i, it := range list {
		names := map[string]any{"item": it}
		if ctx, ok := it.(map[string]any); ok {
			for k, v := range ctx {
				names[k] = v
			}
		}
		r := n.f.eval(e, &scope{names: names, parent: sc})
		if num, ok := r.(float64); ok && i == 0 {
			return index(list, num)
		}
		if r == true {
			out = append(out, it)
		}
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func index(list []any, v any) any {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		return nil
	}
	i := int(f)
	switch {
	case i > 0 && i <= len(list):
		return list[i-1]
	case i < 0 && -i <= len(list):
		return list[len(list)+i]
	}
	return nil
}

// domain is the list an iterator runs over: a list, a range of whole numbers (for i in 1..3),
// or a single value.
func (e *evaluator) domain(it iterator, sc *scope) []any {
	from := it.in.eval(e, sc)
	if it.to != nil {
		return numbers(e, from, it.to.eval(e, sc))
	}
	switch x := from.(type) {
	case []any:
		return x
	case Range:
		lo, hi := x.Lo, x.Hi
		a, okA := lo.(float64)
		b, okB := hi.(float64)
		if !okA || !okB {
			return nil
		}
		if x.LoOpen {
			a++
		}
		if x.HiOpen {
			b--
		}
		return numbers(e, a, b)
	case nil:
		return nil
	}
	return []any{from}
}

func numbers(e *evaluator, from, to any) []any {
	a, okA := from.(float64)
	b, okB := to.(float64)
	if !okA || !okB || a != math.Trunc(a) || b != math.Trunc(b) {
		return nil
	}
	e.checkItems(int(math.Abs(b-a)) + 1)
	var out []any
	for i := a; ; {
		out = append(out, i)
		if i == b {
			return out
		}
		if a < b {
			i++
		} else {
			i--
		}
	}
}

// each calls fn for every combination of the iterators' values, in order, until fn says stop.
func (e *evaluator) each(its []iterator, sc *scope, fn func(*scope) bool) bool {
	if len(its) == 0 {
		return fn(sc)
	}
	for _, v := range e.domain(its[0], sc) {
		if !e.each(its[1:], &scope{names: map[string]any{its[0].name: v}, parent: sc}, fn) {
			return false
		}
	}
	return true
}

func (n *forNode) eval(e *evaluator, sc *scope) any {
	e.step()
	out := []any{}
	e.each(n.its, sc, func(inner *scope) bool {
		// partial is the list built so far, as FEEL defines it.
		inner = &scope{names: map[string]any{"partial": out}, parent: inner}
		out = append(out, n.body.eval(e, inner))
		e.checkItems(len(out))
		return true
	})
	return out
}

func (n *quantNode) eval(e *evaluator, sc *scope) any {
	e.step()
	var result any = n.every
	e.each(n.its, sc, func(inner *scope) bool {
		r := n.cond.eval(e, inner)
		if r == !n.every {
			result = r
			return false
		}
		if r != n.every {
			result = nil
		}
		return true
	})
	return result
}
