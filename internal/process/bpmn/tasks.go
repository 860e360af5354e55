package bpmn

import (
	"strings"
)

// serviceConfig collects a service task's settings from each dialect before one is chosen:
// Parley's own elements win over Zeebe's, which win over Camunda 7 attributes.
type serviceConfig struct {
	parleyType, zeebeType string
	retries               int
	task                  ServiceTask
}

func (pb *processBuilder) serviceTask(n *node, e *Element) {
	e.Kind = KindServiceTask
	pb.activity(n, e)
	var c serviceConfig
	pb.extensions(n, e, extHandlers{
		"parley:task":          func(x *node) { pb.parleyTask(x, &c) },
		"zeebe:taskDefinition": func(x *node) { pb.zeebeTaskDefinition(x, &c) },
		"zeebe:ioMapping":      func(x *node) { pb.zeebeIOMapping(x, e, &c.task) },
		"zeebe:taskHeaders":    func(x *node) { zeebeHeaders(x, &c.task) },
	})
	e.Service = &c.task
	e.Service.Type = firstNonEmpty(c.parleyType, c.zeebeType, pb.camundaTopic(n, e))
	if e.Service.Retries == 0 {
		e.Service.Retries = c.retries
	}
	if e.Service.Type == "" {
		pb.problem(e.ID, "serviceTask (%s) has no task type: set parley:task type=\"...\" (or zeebe:taskDefinition type)", e.ID)
		return
	}
	pb.requireInputs(e)
	pb.checkHTTPErrors(e)
}

// camundaTopic maps a Camunda 7 external task (camunda:type="external" camunda:topic="x") to
// the job type x, which means the same thing: an outside worker fetches and completes it. Java
// delegates cannot run in Parley and are refused.
func (pb *processBuilder) camundaTopic(n *node, e *Element) string {
	for _, a := range []string{"class", "expression", "delegateExpression"} {
		if camundaAttr(n, a) != "" {
			pb.refuse(e, "camunda:"+a+" (Java code in the Camunda engine) is not supported; use a task type")
		}
	}
	if camundaAttr(n, "type") == "external" {
		return strings.TrimSpace(camundaAttr(n, "topic"))
	}
	return ""
}

func (pb *processBuilder) requireInputs(e *Element) {
	for _, name := range requiredInputs[e.Service.Type] {
		found := false
		for _, in := range e.Service.Inputs {
			found = found || in.Name == name
		}
		if !found {
			pb.problem(e.ID, "serviceTask (%s) of type %s needs the input %q (parley:input name=%q)", e.ID, e.Service.Type, name, name)
		}
	}
}

// parleyTask reads <parley:task type retries> with its parley:input and parley:output children.
func (pb *processBuilder) parleyTask(x *node, c *serviceConfig) {
	c.parleyType = strings.TrimSpace(x.attr("", "type"))
	if c.parleyType == "" {
		pb.problem(pb.current, "parley:task on %s has no type", pb.current)
	}
	c.task.Retries = pb.retries(x.attr("", "retries"), "parley:task")
	for i := range x.Children {
		y := &x.Children[i]
		switch {
		case y.is(Namespace, "input"):
			pb.parleyInput(y, &c.task)
		case y.is(Namespace, "output"):
			c.task.Outputs = append(c.task.Outputs, Output{
				Variable:   pb.variableAttr(y, "variable", "parley:output"),
				Expression: pb.expression(y.attr("", "expression"), "the output expression")})
		default:
			pb.problem(pb.current, "parley:task on %s may only contain parley:input and parley:output, not %s", pb.current, y.tag())
		}
	}
}

// parleyInput reads <parley:input name value|expression>: value is a template, expression one
// expression whose value is passed unchanged.
func (pb *processBuilder) parleyInput(y *node, t *ServiceTask) {
	in := Input{Name: strings.TrimSpace(y.attr("", "name"))}
	if in.Name == "" {
		pb.problem(pb.current, "a parley:input on %s has no name", pb.current)
	}
	switch {
	case y.hasAttr("", "value") && y.hasAttr("", "expression"):
		pb.problem(pb.current, "parley:input %q on %s has both value and expression", in.Name, pb.current)
	case y.hasAttr("", "expression"):
		in.Expression = pb.expression(y.attr("", "expression"), "the input "+in.Name)
	default:
		in.Value = y.attr("", "value")
		pb.template(in.Value, "the input "+in.Name)
	}
	t.Inputs = append(t.Inputs, in)
}

// zeebeTaskDefinition reads <zeebe:taskDefinition type retries>. Zeebe allows FEEL in both; a
// type computed at run time cannot be checked at import, so it is refused.
func (pb *processBuilder) zeebeTaskDefinition(x *node, c *serviceConfig) {
	c.zeebeType = strings.TrimSpace(x.attr("", "type"))
	if strings.HasPrefix(c.zeebeType, "=") {
		pb.problem(pb.current, "zeebe:taskDefinition type %q on %s is an expression; Parley needs a fixed type", c.zeebeType, pb.current)
	}
	c.retries = pb.retries(x.attr("", "retries"), "zeebe:taskDefinition")
}

// zeebeIOMapping maps zeebe:input (source → target) to task inputs and zeebe:output to outputs.
// A source without "=" is a literal in Zeebe, so it becomes a quoted string.
// A call activity passes no element: its inputs are the called instance's variables, not
// locals of its own.
func (pb *processBuilder) zeebeIOMapping(x *node, e *Element, t *ServiceTask) {
	for i := range x.Children {
		y := &x.Children[i]
		src, target := y.attr("", "source"), strings.TrimSpace(y.attr("", "target"))
		out, err := feelOrStatic(src)
		if err != nil {
			pb.problem(pb.current, "%s source %q on %s cannot be used: %v", y.tag(), src, pb.current, err)
		}
		switch {
		case y.is(nsZeebe, "input"):
			t.Inputs = append(t.Inputs, Input{Name: target, Expression: out})
			if e != nil {
				pb.ioLocals(e, t.Inputs[len(t.Inputs)-1], src)
			}
		case y.is(nsZeebe, "output") && isIdentifier(target):
			t.Outputs = append(t.Outputs, Output{Variable: target, Expression: out})
		case y.is(nsZeebe, "output"):
			pb.problem(pb.current, "zeebe:output target %q on %s must be a variable name", target, pb.current)
		}
	}
}

func zeebeHeaders(x *node, t *ServiceTask) {
	for i := range x.Children {
		if y := &x.Children[i]; y.is(nsZeebe, "header") {
			if t.Headers == nil {
				t.Headers = map[string]string{}
			}
			t.Headers[y.attr("", "key")] = y.attr("", "value")
		}
	}
}

func (pb *processBuilder) scriptTask(n *node, e *Element) {
	e.Kind = KindScriptTask
	pb.activity(n, e, "script")
	s := &Script{}
	e.Script = s
	if format := n.attr("", "scriptFormat"); format != "" || n.child(nsBPMN, "script") != nil {
		pb.refuse(e, "it uses scriptFormat "+quoteID(format)+", which is not supported; write the script as parley:script assignments")
		return
	}
	found := false
	pb.extensions(n, e, extHandlers{
		"parley:script": func(x *node) { found = true; pb.parleyScript(x, s) },
		"zeebe:script":  func(x *node) { found = true; pb.zeebeScript(x, s) },
	})
	if !found {
		pb.problem(e.ID, "scriptTask (%s) has no script: add parley:script with parley:assign elements", e.ID)
	}
}

// parleyScript reads <parley:script> with <parley:assign variable expression> children.
func (pb *processBuilder) parleyScript(x *node, s *Script) {
	for i := range x.Children {
		y := &x.Children[i]
		if !y.is(Namespace, "assign") {
			pb.problem(pb.current, "parley:script on %s may only contain parley:assign, not %s", pb.current, y.tag())
			continue
		}
		raw := y.attr("", "expression")
		s.Assignments = append(s.Assignments, Assignment{Variable: pb.variableAttr(y, "variable", "parley:assign"),
			Expression: pb.expression(raw, "the expression"), ExpressionRaw: raw})
	}
}

// zeebeScript reads <zeebe:script expression="=..." resultVariable="x">, which is one assignment.
func (pb *processBuilder) zeebeScript(x *node, s *Script) {
	raw := x.attr("", "expression")
	out, err := feelOrStatic(raw)
	if err != nil {
		pb.problem(pb.current, "the zeebe:script expression %q of %s cannot be used: %v", raw, pb.current, err)
	}
	s.Assignments = append(s.Assignments, Assignment{Variable: pb.variableAttr(x, "resultVariable", "zeebe:script"),
		Expression: out, ExpressionRaw: raw})
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
