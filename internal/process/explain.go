package process

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/value"
)

// An incident is read by the administrator who drew the process, not by a Go programmer, so
// its message says which element failed, which expression, and which value was missing or of
// the wrong kind, in the words of the process's variables. The expression runtime's own
// messages ("invalid operation: <nil> + <nil>", "interface conversion: interface {} is nil,
// not string") are translated here; one it does not know passes through without its position.

// elementLabel names an element as its author sees it: "script task 'Compute total' (Task_1)".
func elementLabel(el *bpmn.Element) string {
	kind := tagWords(el.Tag)
	if el.Name == "" {
		return fmt.Sprintf("%s %s", kind, el.ID)
	}
	return fmt.Sprintf("%s '%s' (%s)", kind, el.Name, el.ID)
}

// tagWords turns a BPMN tag such as scriptTask into "script task".
func tagWords(tag string) string {
	if tag == "" {
		return "element"
	}
	var b strings.Builder
	for i, r := range tag {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// exprFailed says why an expression failed at run time: which variables it needed a value of
// and did not get, or else what the runtime found wrong, without Go's own vocabulary.
func (r *runner) exprFailed(prog *vm.Program, src string, err error) error {
	if src == "" {
		src = program.Source(prog)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	names := r.unsetIdentifiers(prog)
	switch {
	case len(names) > 0 && nilFailure(msg):
		return fmt.Errorf("the expression `%s` needs %s, got nothing", src, r.wanted(names))
	case len(names) > 0:
		return fmt.Errorf("the expression `%s` failed: %s (%s no value)", src, plainRuntimeError(msg), hasNoValue(names))
	}
	return fmt.Errorf("the expression `%s` failed: %s", src, plainRuntimeError(msg))
}

// hasNoValue says which variables are unset: "`s` has" or "`a` and `b` have".
func hasNoValue(names []string) string {
	if len(names) == 1 {
		return "`" + names[0] + "` has"
	}
	return andList(quoted(names)) + " have"
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// nilFailure reports whether a runtime error is the runtime meeting an unset value.
func nilFailure(msg string) bool {
	return strings.Contains(msg, "<nil>") || strings.Contains(msg, "is nil") || strings.Contains(msg, "zero Value") ||
		strings.Contains(msg, "nil pointer")
}

// unsetIdentifiers lists, in the order they are written, the process variables an expression
// reads that have no value now.
func (r *runner) unsetIdentifiers(prog *vm.Program) []string {
	env := r.env()
	c := &identifiers{seen: map[string]bool{}}
	node := prog.Node()
	ast.Walk(&node, c)
	var out []string
	for _, name := range c.names {
		if v, ok := env[name]; ok && v == nil {
			out = append(out, name)
		}
	}
	return out
}

type identifiers struct {
	names []string
	seen  map[string]bool
}

func (c *identifiers) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && !c.seen[id.Value] {
		c.seen[id.Value] = true
		c.names = append(c.names, id.Value)
	}
}

// wanted says what the named variables should have held, grouped by kind in the order they
// are written: "a number for `a` and `b`" or "a number for `a` and text for `s`".
func (r *runner) wanted(names []string) string {
	var kinds []string
	byKind := map[string][]string{}
	for _, name := range names {
		kind := "a value"
		if x, ok := r.st.v.Variable(name); ok {
			kind = kindWords(x.Type.Kind)
		}
		if byKind[kind] == nil {
			kinds = append(kinds, kind)
		}
		byKind[kind] = append(byKind[kind], name)
	}
	parts := make([]string, len(kinds))
	for i, kind := range kinds {
		parts[i] = kind + " for " + andList(quoted(byKind[kind]))
	}
	return andList(parts)
}

// kindWords names what a value of a kind is, in words.
func kindWords(k value.Kind) string {
	switch k {
	case value.KindInteger, value.KindNumber:
		return "a number"
	case value.KindString:
		return "text"
	case value.KindBoolean:
		return "true or false"
	case value.KindDatetime:
		return "a date and time"
	case value.KindEmail:
		return "an email address"
	}
	return "a " + string(k)
}

var (
	exprPosition   = regexp.MustCompile(`\s*\(\d+:\d+\)$`)
	goConversion   = regexp.MustCompile(`interface conversion: interface \{\} is ([\w.\[\]*]+), not ([\w.\[\]*]+)`)
	goInvalidOp    = regexp.MustCompile(`invalid operation: (\S+) (\S+) (\S+)`)
	goTypeWordsMap = map[string]string{"string": "text", "int": "a whole number", "int64": "a whole number",
		"float64": "a number", "bool": "true or false", "time.Time": "a date and time", "<nil>": "nothing", "nil": "nothing"}
)

func goTypeWords(t string) string {
	if w, ok := goTypeWordsMap[t]; ok {
		return w
	}
	if strings.HasPrefix(t, "[]") {
		return "a list"
	}
	if strings.HasPrefix(t, "map[") {
		return "a record"
	}
	return t
}

// plainRuntimeError rewrites the runtime's messages that name Go types or internals.
func plainRuntimeError(msg string) string {
	msg = exprPosition.ReplaceAllString(msg, "")
	switch {
	case strings.Contains(msg, "divide by zero"):
		return "it divides by zero"
	case strings.Contains(msg, "index out of range"), strings.Contains(msg, "cannot slice"):
		return "it reads past the end of a text or list"
	}
	if m := goConversion.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("it needs %s and got %s", goTypeWords(m[2]), goTypeWords(m[1]))
	}
	if m := goInvalidOp.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s cannot be combined with %s by %s", goTypeWords(m[1]), goTypeWords(m[3]), m[2])
	}
	return msg
}
