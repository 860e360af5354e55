package bpmn

import (
	"fmt"
	"strings"
)

// userConfig collects who a user task goes to from each dialect; parley:assignee wins over
// zeebe:assignmentDefinition, which wins over Camunda 7 attributes.
type userConfig struct {
	parley, zeebe *Assignee
}

func (pb *processBuilder) userTask(n *node, e *Element) {
	e.Kind = KindUserTask
	pb.activity(n, e)
	u := &UserTask{}
	e.User = u
	var c userConfig
	pb.extensions(n, e, extHandlers{
		"parley:assignee":            func(x *node) { c.parley = pb.parleyAssignee(x) },
		"parley:form":                func(x *node) { pb.parleyForm(x, u) },
		"parley:due":                 func(x *node) { pb.parleyDue(x, u) },
		"zeebe:assignmentDefinition": func(x *node) { c.zeebe = pb.zeebeAssignment(x) },
	})
	switch {
	case c.parley != nil:
		u.Assignee = *c.parley
	case c.zeebe != nil:
		u.Assignee = *c.zeebe
	default:
		u.Assignee = pb.camundaAssignment(n)
	}
}

// parleyAssignee reads <parley:assignee user= userVariable= group= sessionOperator=>.
func (pb *processBuilder) parleyAssignee(x *node) *Assignee {
	a := &Assignee{
		User:            strings.TrimSpace(x.attr("", "user")),
		Groups:          splitList(x.attr("", "group")),
		SessionOperator: xmlBool(x.attr("", "sessionOperator"), false),
	}
	if x.hasAttr("", "userVariable") {
		a.UserVariable = pb.variableAttr(x, "userVariable", "parley:assignee")
	}
	set := 0
	for _, b := range []bool{a.User != "", a.UserVariable != "", a.SessionOperator} {
		if b {
			set++
		}
	}
	if set > 1 {
		pb.problem(pb.current, "parley:assignee on %s sets more than one of user, userVariable and sessionOperator", pb.current)
	}
	return a
}

// parleyForm reads <parley:form> with <parley:field variable label required> children.
func (pb *processBuilder) parleyForm(x *node, u *UserTask) {
	for i := range x.Children {
		y := &x.Children[i]
		if !y.is(Namespace, "field") {
			pb.problem(pb.current, "parley:form on %s may only contain parley:field, not %s", pb.current, y.tag())
			continue
		}
		u.Form = append(u.Form, FormField{
			Variable: pb.variableAttr(y, "variable", "parley:field"),
			Label:    y.attr("", "label"),
			Required: xmlBool(y.attr("", "required"), false),
		})
	}
}

// parleyDue reads <parley:due duration="PT1H">.
func (pb *processBuilder) parleyDue(x *node, u *UserTask) {
	u.Due = strings.TrimSpace(x.attr("", "duration"))
	d, err := ParseDuration(u.Due)
	if err != nil {
		pb.problem(pb.current, "parley:due on %s cannot be read: %v", pb.current, err)
	}
	u.due = d
}

// zeebeAssignment reads <zeebe:assignmentDefinition assignee candidateGroups candidateUsers>.
// Zeebe writes a static value as is and an expression with "=": a plain variable name becomes
// UserVariable (a variable of type user), any other expression computes a login.
func (pb *processBuilder) zeebeAssignment(x *node) *Assignee {
	a := &Assignee{}
	v := strings.TrimSpace(x.attr("", "assignee"))
	expression, isExpr := strings.CutPrefix(v, "=")
	switch expression = strings.TrimSpace(expression); {
	case isExpr && isIdentifier(expression):
		a.UserVariable = expression
	case isExpr:
		pb.assigneeExpression(a, v, "zeebe:assignmentDefinition assignee", translateFEEL)
	default:
		a.User = v
	}
	a.Groups = pb.staticGroups(x.attr("", "candidateGroups"), "=", "zeebe:assignmentDefinition")
	if strings.TrimSpace(x.attr("", "candidateUsers")) != "" {
		pb.unsupported(pb.current, "zeebe:assignmentDefinition candidateUsers on %s is not supported; use a group", pb.current)
	}
	return a
}

// camundaAssignment reads the Camunda 7 attributes camunda:assignee and
// camunda:candidateGroups; ${name} alone in the assignee names a variable, and any other text
// with ${...} in it is a template that computes a login.
func (pb *processBuilder) camundaAssignment(n *node) Assignee {
	var a Assignee
	v := strings.TrimSpace(camundaAttr(n, "assignee"))
	name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "${"), "#{"), "}"))
	switch {
	case (strings.HasPrefix(v, "${") || strings.HasPrefix(v, "#{")) && strings.HasSuffix(v, "}") && isIdentifier(name):
		a.UserVariable = name
	case strings.Contains(v, "${") || strings.Contains(v, "#{"):
		pb.assigneeExpression(&a, v, "camunda:assignee", juelTemplate)
	default:
		a.User = v
	}
	a.Groups = pb.staticGroups(camundaAttr(n, "candidateGroups"), "${", "camunda:candidateGroups")
	if strings.TrimSpace(camundaAttr(n, "candidateUsers")) != "" {
		pb.unsupported(pb.current, "camunda:candidateUsers on %s is not supported; use a group", pb.current)
	}
	return a
}

// assigneeExpression sets the expression that computes a task's login, or says why the text
// written cannot be one.
func (pb *processBuilder) assigneeExpression(a *Assignee, raw, tag string, translate func(string) (string, error)) {
	src, err := translate(strings.TrimPrefix(raw, "="))
	if err != nil {
		pb.unsupported(pb.current, "%s %q on %s cannot be read: %v", tag, raw, pb.current, err)
		return
	}
	a.Expression, a.ExpressionRaw = src, raw
}

// juelTemplate translates Camunda 7 text with ${...} (or #{...}) parts, such as
// kermit_${loopCounter}, into an expr-lang expression that joins the text and each part's
// value as a string: "kermit_" + string(loopCounter).
func juelTemplate(s string) (string, error) {
	var parts []string
	for s != "" {
		start := exprStart(s)
		if start < 0 {
			parts = append(parts, quote(s))
			break
		}
		if start > 0 {
			parts = append(parts, quote(s[:start]))
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return "", fmt.Errorf("the %s at %q is not closed with }", s[start:start+2], s[start:])
		}
		body, err := translateJUEL(s[start+2 : start+end])
		if err != nil {
			return "", err
		}
		parts = append(parts, "string("+body+")")
		s = s[start+end+1:]
	}
	return strings.Join(parts, " + "), nil
}

// exprStart is where the first ${ or #{ of s starts, or -1.
func exprStart(s string) int {
	dollar, hash := strings.Index(s, "${"), strings.Index(s, "#{")
	if dollar < 0 || (hash >= 0 && hash < dollar) {
		return hash
	}
	return dollar
}

// staticGroups reads a comma-separated group list; a list computed by an expression is refused.
func (pb *processBuilder) staticGroups(v, exprPrefix, tag string) []string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, exprPrefix) || strings.HasPrefix(v, "#{") {
		pb.unsupported(pb.current, "%s candidate groups %q on %s are an expression; only a fixed list is supported", tag, v, pb.current)
		return nil
	}
	return splitList(v)
}
