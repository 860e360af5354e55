package bpmn

import "strings"

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
// Zeebe writes a static value as is and an expression with "="; of expressions only a plain
// variable name is understood (it becomes UserVariable), the rest is refused.
func (pb *processBuilder) zeebeAssignment(x *node) *Assignee {
	a := &Assignee{}
	if v := strings.TrimSpace(x.attr("", "assignee")); strings.HasPrefix(v, "=") {
		a.UserVariable = pb.assigneeVariable(strings.TrimSpace(v[1:]), v, "zeebe:assignmentDefinition")
	} else {
		a.User = v
	}
	a.Groups = pb.staticGroups(x.attr("", "candidateGroups"), "=", "zeebe:assignmentDefinition")
	if strings.TrimSpace(x.attr("", "candidateUsers")) != "" {
		pb.unsupported(pb.current, "zeebe:assignmentDefinition candidateUsers on %s is not supported; use a group", pb.current)
	}
	return a
}

// camundaAssignment reads the Camunda 7 attributes camunda:assignee and
// camunda:candidateGroups; ${name} in the assignee names a variable.
func (pb *processBuilder) camundaAssignment(n *node) Assignee {
	var a Assignee
	v := strings.TrimSpace(camundaAttr(n, "assignee"))
	if strings.HasPrefix(v, "${") || strings.HasPrefix(v, "#{") {
		a.UserVariable = pb.assigneeVariable(strings.TrimSuffix(v[2:], "}"), v, "camunda:assignee")
	} else if strings.Contains(v, "${") || strings.Contains(v, "#{") {
		// kermit_${loopCounter}: a login built per inner instance, which is not a login.
		pb.unsupported(pb.current, "camunda:assignee %q of %s mixes text and an expression, which is not supported; name a login or a user variable", v, pb.current)
	} else {
		a.User = v
	}
	a.Groups = pb.staticGroups(camundaAttr(n, "candidateGroups"), "${", "camunda:candidateGroups")
	if strings.TrimSpace(camundaAttr(n, "candidateUsers")) != "" {
		pb.unsupported(pb.current, "camunda:candidateUsers on %s is not supported; use a group", pb.current)
	}
	return a
}

func (pb *processBuilder) assigneeVariable(name, raw, tag string) string {
	name = strings.TrimSpace(name)
	if !isIdentifier(name) {
		pb.unsupported(pb.current, "%s assignee %q on %s is not supported: only a variable name or a fixed login is", tag, raw, pb.current)
	}
	return name
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
