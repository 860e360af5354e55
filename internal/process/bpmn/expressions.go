package bpmn

import (
	"errors"
	"strings"

	"github.com/parleychat/parley/internal/errs"
)

// Use says where an expression appears, which decides what the engine compiles it against and
// what type it must have.
type Use string

// The places where a process holds expressions.
const (
	UseCondition      Use = "condition"      // a sequence flow's condition: boolean, over the process variables
	UseAssignment     Use = "assignment"     // a script assignment: the type of its variable
	UseInput          Use = "input"          // a service task input given as an expression
	UseTemplate       Use = "template"       // one {{ ... }} placeholder of a task input's text
	UseOutput         Use = "output"         // a service task output: over the task's result
	UseCorrelationKey Use = "correlationKey" // a message wait's key: string or number
	UseAssignee       Use = "assignee"       // a user task's computed login: string
)

// Expression is one expr-lang expression of a process, with where it comes from.
type Expression struct {
	// Element is the id of the element or sequence flow that holds the expression.
	Element string
	Use     Use
	// Name is the variable assigned, or the input's name; empty for conditions and keys.
	Name   string
	Source string
}

// Expressions lists every expression of the process in document order.
func (p *Process) Expressions() []Expression {
	var out []Expression
	for _, f := range p.FlowOrder {
		if f.Condition != "" {
			out = append(out, Expression{Element: f.ID, Use: UseCondition, Source: f.Condition})
		}
	}
	for _, e := range p.ElementOrder {
		out = append(out, elementExpressions(e)...)
	}
	return out
}

func elementExpressions(e *Element) []Expression {
	var out []Expression
	add := func(use Use, name, src string) {
		out = append(out, Expression{Element: e.ID, Use: use, Name: name, Source: src})
	}
	if e.Service != nil {
		for _, in := range e.Service.Inputs {
			if in.Expression != "" {
				add(UseInput, in.Name, in.Expression)
			}
			placeholders, _ := templateExpressions(in.Value)
			for _, src := range placeholders {
				add(UseTemplate, in.Name, src)
			}
		}
		for _, o := range e.Service.Outputs {
			add(UseOutput, o.Variable, o.Expression)
		}
	}
	if e.Script != nil {
		for _, a := range e.Script.Assignments {
			add(UseAssignment, a.Variable, a.Expression)
		}
	}
	if e.User != nil && e.User.Assignee.Expression != "" {
		add(UseAssignee, "", e.User.Assignee.Expression)
	}
	if e.Message != nil && e.Message.CorrelationKey != "" {
		add(UseCorrelationKey, "", e.Message.CorrelationKey)
	}
	return out
}

// CheckExpressions is the hook where the engine type-checks a process against its declared
// variables: compile is called for every expression (typically expr.Compile with an environment
// built from the variables and, for UseCondition, expr.AsBool()), and every failure is returned
// at once as an invalid error whose problems name the element or flow.
func (p *Process) CheckExpressions(compile func(Expression) error) error {
	var list errs.List
	for _, x := range p.Expressions() {
		if err := compile(x); err != nil {
			list.Add(x.Element, "the %s expression %q of %s does not compile: %v", x.Use, x.Source, x.Element, firstLine(err.Error()))
		}
	}
	return list.Err()
}

// templateExpressions returns the expressions inside the {{ ... }} placeholders of a template,
// each checked for syntax. Text outside placeholders is literal.
func templateExpressions(s string) ([]string, error) {
	var out []string
	for {
		start := strings.Index(s, "{{")
		if start < 0 {
			return out, nil
		}
		end := strings.Index(s[start+2:], "}}")
		if end < 0 {
			return nil, errors.New("a {{ placeholder is not closed with }}")
		}
		src := strings.TrimSpace(s[start+2 : start+2+end])
		if err := checkSyntax(src); err != nil {
			return nil, err
		}
		out = append(out, src)
		s = s[start+2+end+2:]
	}
}
