package feel

import (
	"fmt"
	"strings"
)

// Expr is a parsed FEEL expression, ready to be evaluated any number of times.
type Expr struct {
	src  string
	root node
}

// String returns the source the expression was parsed from.
func (x *Expr) String() string { return x.src }

// maxDepth bounds how deeply an expression may nest, so that parsing and evaluation cannot
// exhaust the stack.
const maxDepth = 64

// Parse reads one FEEL expression (DMN 1.3 §10.3), without the "=" Zeebe writes in front.
func Parse(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tEOF {
		return nil, fmt.Errorf("the expression is empty")
	}
	p := &parser{toks: toks}
	root, err := p.run()
	if err != nil {
		return nil, err
	}
	return &Expr{src: src, root: root}, nil
}

type parser struct {
	toks  []token
	p     int
	depth int
}

type syntaxError struct{ msg string }

func (p *parser) fail(format string, args ...any) {
	panic(syntaxError{fmt.Sprintf(format, args...)})
}

func (p *parser) run() (n node, err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", se.msg)
		}
	}()
	n = p.expr()
	if t := p.peek(); t.kind != tEOF {
		p.fail("unexpected %s at %d", describe(t), t.pos)
	}
	return n, nil
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) peek() token        { return p.toks[p.p] }
func (p *parser) peekAt(k int) token { return p.toks[min(p.p+k, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

// is reports whether the next token is the operator or keyword s.
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.kind == tOp || t.kind == tName) && t.text == s
}

func (p *parser) accept(s string) bool {
	if p.is(s) {
		p.p++
		return true
	}
	return false
}

func (p *parser) expect(s string) {
	if !p.accept(s) {
		t := p.peek()
		p.fail("expected %q but found %s at %d", s, describe(t), t.pos)
	}
}

func (p *parser) enter() {
	if p.depth++; p.depth > maxDepth {
		p.fail("the expression nests deeper than %d levels", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) expr() node {
	p.enter()
	defer p.leave()
	switch {
	case p.accept("if"):
		c := p.expr()
		p.expect("then")
		a := p.expr()
		p.expect("else")
		return &ifNode{c, a, p.expr()}
	case p.accept("for"):
		its := p.iterators()
		p.expect("return")
		return &forNode{its, p.expr()}
	case p.is("some") || p.is("every"):
		every := p.next().text == "every"
		its := p.iterators()
		p.expect("satisfies")
		return &quantNode{every, its, p.expr()}
	}
	return p.or()
}

func (p *parser) iterators() []iterator {
	var its []iterator
	for {
		name := p.name("an iteration variable")
		p.expect("in")
		it := iterator{name: name, in: p.or()}
		if p.accept("..") {
			it.to = p.or()
		}
		its = append(its, it)
		if !p.accept(",") {
			return its
		}
	}
}

func (p *parser) name(what string) string {
	t := p.next()
	if t.kind != tName || keywords[t.text] {
		p.fail("expected %s but found %s at %d", what, describe(t), t.pos)
	}
	return t.text
}

var keywords = map[string]bool{"and": true, "or": true, "in": true, "between": true, "instance": true,
	"of": true, "if": true, "then": true, "else": true, "for": true, "return": true, "some": true,
	"every": true, "satisfies": true, "true": true, "false": true, "null": true, "function": true}

func (p *parser) or() node {
	n := p.and()
	for p.accept("or") {
		n = &logicNode{or: true, l: n, r: p.and()}
	}
	return n
}

func (p *parser) and() node {
	n := p.comparison()
	for p.accept("and") {
		n = &logicNode{l: n, r: p.comparison()}
	}
	return n
}

var comparisons = map[string]bool{"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// comparison reads one comparison. Chains such as a < b < c are refused: FEEL would compare
// a boolean with c, which is never what was meant.
func (p *parser) comparison() node {
	n := p.instanceOf()
	t := p.peek()
	switch {
	case t.kind == tOp && comparisons[t.text]:
		p.next()
		n = &cmpNode{op: t.text, l: n, r: p.instanceOf()}
	case p.accept("between"):
		lo := p.instanceOf()
		p.expect("and")
		n = &betweenNode{x: n, lo: lo, hi: p.instanceOf()}
	case p.accept("in"):
		n = &inNode{x: n, tests: p.unaryTests()}
	default:
		return n
	}
	if t := p.peek(); t.kind == tOp && comparisons[t.text] || p.is("between") || p.is("in") {
		p.fail("comparisons cannot be chained (%s at %d); join them with and, or add parentheses", describe(t), t.pos)
	}
	return n
}

// unaryTests reads the right side of in: one test, or a parenthesised list of tests.
func (p *parser) unaryTests() []node {
	if !p.is("(") {
		return []node{p.unaryTest()}
	}
	p.next()
	var tests []node
	for {
		t := p.unaryTest()
		if eq, ok := t.(*testEq); ok && len(tests) == 0 && p.accept("..") {
			// (a..b]: a range whose start is open, not a list of tests.
			return []node{&testEq{r: p.postfix(p.rangeEnd(eq.r, true))}}
		}
		tests = append(tests, t)
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return tests
}

// unaryTest reads "< 5", "[1..10]", or an expression compared for equality (or membership, when
// it gives a list or a range).
func (p *parser) unaryTest() node {
	t := p.peek()
	if t.kind == tOp && comparisons[t.text] && t.text != "=" {
		p.next()
		return &testCmp{op: t.text, r: p.instanceOf()}
	}
	if t.kind == tOp && t.text == "=" {
		p.next()
	}
	return &testEq{r: p.instanceOf()}
}

func (p *parser) instanceOf() node {
	n := p.additive()
	if p.accept("instance") {
		p.expect("of")
		n = &instanceNode{x: n, typ: p.typeName()}
	}
	return n
}

var typeNames = []string{"days and time duration", "years and months duration", "date and time", "number",
	"string", "boolean", "date", "time", "list", "context", "range", "function", "Any", "Null"}

func (p *parser) typeName() string {
	for _, tn := range typeNames {
		words := strings.Split(tn, " ")
		ok := true
		for i, w := range words {
			t := p.peekAt(i)
			ok = ok && t.kind == tName && t.text == w
		}
		if ok {
			p.p += len(words)
			return tn
		}
	}
	t := p.peek()
	p.fail("unknown type %s after instance of at %d", describe(t), t.pos)
	return ""
}

func (p *parser) additive() node {
	n := p.multiplicative()
	for p.is("+") || p.is("-") {
		op := p.next().text
		n = &arithNode{op: op, l: n, r: p.multiplicative()}
	}
	return n
}

func (p *parser) multiplicative() node {
	n := p.power()
	for p.is("*") || p.is("/") {
		op := p.next().text
		n = &arithNode{op: op, l: n, r: p.power()}
	}
	return n
}

func (p *parser) power() node {
	n := p.unary()
	for p.accept("**") {
		n = &arithNode{op: "**", l: n, r: p.unary()}
	}
	return n
}

func (p *parser) unary() node {
	if p.accept("-") {
		p.enter()
		defer p.leave()
		return &negNode{p.unary()}
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(n node) node {
	for {
		switch {
		case p.accept("."):
			n = &pathNode{x: n, name: p.name("a name after .")}
		case p.accept("["):
			f := p.expr()
			p.expect("]")
			n = &filterNode{x: n, f: f}
		default:
			return n
		}
	}
}

func (p *parser) primary() node {
	p.enter()
	defer p.leave()
	t := p.next()
	switch t.kind {
	case tNumber:
		return &litNode{t.num}
	case tString:
		return &litNode{t.text}
	case tTemporal:
		v := temporalLiteral(t.text)
		if v == nil {
			p.fail("@%q is not a date, time, date and time or duration", t.text)
		}
		return &litNode{v}
	case tEOF:
		p.fail("the expression ends too early")
	case tOp:
		return p.bracketed(t)
	}
	switch t.text {
	case "true", "false":
		return &litNode{t.text == "true"}
	case "null":
		return &litNode{nil}
	case "function":
		p.fail("function definitions are not supported")
	}
	p.p--
	if n := p.call(); n != nil {
		return n
	}
	p.p++
	if keywords[t.text] {
		p.fail("unexpected %s at %d", describe(t), t.pos)
	}
	return &nameNode{t.text}
}

// call reads a call of a built-in function, whose name may have several words (string length,
// date and time); it returns nil when the tokens are no call.
func (p *parser) call() node {
	unknown := ""
	for k := 4; k >= 1; k-- {
		words := make([]string, 0, k)
		for i := 0; i < k; i++ {
			if t := p.peekAt(i); t.kind == tName {
				words = append(words, t.text)
			}
		}
		name := strings.Join(words, " ")
		if len(words) != k || !p.peekIsAt(k, "(") {
			continue
		}
		b, ok := builtins[name]
		if !ok {
			if unknown == "" && !hasKeyword(words) {
				unknown = name
			}
			continue
		}
		p.p += k + 1
		return p.arguments(name, b)
	}
	if unknown != "" {
		p.fail("unknown function %s()", unknown)
	}
	return nil
}

func hasKeyword(words []string) bool {
	for _, w := range words {
		if keywords[w] {
			return true
		}
	}
	return false
}

// argName reads the name of a named argument, which may have several words (start position),
// and returns it with the number of words; k is 0 when no "name:" follows.
func (p *parser) argName() (string, int) {
	var words []string
	for k := 0; p.peekAt(k).kind == tName; k++ {
		words = append(words, p.peekAt(k).text)
		if p.peekIsAt(k+1, ":") {
			return strings.Join(words, " "), k + 1
		}
	}
	return "", 0
}

func (p *parser) peekIsAt(k int, s string) bool {
	t := p.peekAt(k)
	return t.kind == tOp && t.text == s
}

func (p *parser) arguments(name string, b *builtin) node {
	c := &callNode{name: name, fn: b}
	for !p.accept(")") {
		if len(c.args) > 0 {
			p.expect(",")
		}
		if name, k := p.argName(); k > 0 {
			p.p += k + 1
			c.names = append(c.names, name)
		} else if len(c.names) > 0 {
			p.fail("in %s(), positional arguments cannot follow named ones", name)
		}
		c.args = append(c.args, p.expr())
	}
	if err := c.bind(); err != nil {
		p.fail("%v", err)
	}
	return c
}

// bracketed reads what starts with punctuation: (expr), ranges, lists and contexts.
func (p *parser) bracketed(t token) node {
	switch t.text {
	case "(":
		n := p.expr()
		if p.accept("..") {
			return p.rangeEnd(n, true)
		}
		p.expect(")")
		return n
	case "]":
		n := p.expr()
		p.expect("..")
		return p.rangeEnd(n, true)
	case "[":
		var items []node
		for !p.accept("]") {
			if len(items) > 0 {
				p.expect(",")
			}
			items = append(items, p.expr())
			if len(items) == 1 && p.accept("..") {
				return p.rangeEnd(items[0], false)
			}
		}
		return &listNode{items}
	case "{":
		c := &contextNode{}
		for !p.accept("}") {
			if len(c.keys) > 0 {
				p.expect(",")
			}
			k := p.next()
			switch {
			case k.kind == tString:
			case k.kind == tName:
				// A key may have several words: {first name: "Ann"}.
				for p.peek().kind == tName {
					k.text += " " + p.next().text
				}
			default:
				p.fail("expected a key but found %s at %d", describe(k), k.pos)
			}
			p.expect(":")
			c.keys = append(c.keys, k.text)
			c.vals = append(c.vals, p.expr())
		}
		return c
	case "<", "<=", ">", ">=":
		// A unary test standing alone, as in a list of tests: (< 5).
		return &testCmp{op: t.text, r: p.instanceOf()}
	}
	p.fail("unexpected %s at %d", describe(t), t.pos)
	return nil
}

func (p *parser) rangeEnd(lo node, loOpen bool) node {
	hi := p.expr()
	r := &rangeNode{lo: lo, hi: hi, loOpen: loOpen}
	switch {
	case p.accept("]"):
	case p.accept(")"), p.accept("["):
		r.hiOpen = true
	default:
		t := p.peek()
		p.fail("a range must end with ] or ) but found %s at %d", describe(t), t.pos)
	}
	return r
}
