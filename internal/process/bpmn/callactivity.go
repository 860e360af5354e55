package bpmn

import (
	"strconv"
	"strings"
)

// CallActivity is what a callActivity starts: an instance of another published Parley process,
// named by its code, which the calling token waits for.
type CallActivity struct {
	// Process is the code of the called process, as written in calledElement, in
	// zeebe:calledElement processId or in parley:call process.
	Process string
	// Version is the called version; 0 means the newest published one when the call starts.
	Version int
	// Inputs set the child's variables from expressions over the caller's; Outputs set the
	// caller's variables from expressions over the child's when it completes.
	Inputs  []Mapping
	Outputs []Mapping
	// PropagateAll copies back, when the child completes, every child variable that the caller
	// declares under the same name with a compatible type. Zeebe's default: on unless output
	// mappings are written.
	PropagateAll bool
	// PropagateParent gives the child every caller variable that the child declares under the
	// same name with a compatible type, before the input mappings. Zeebe's default: on.
	PropagateParent bool
}

// callConfig collects a call activity's settings from each dialect before one is chosen:
// Parley's own elements win over Zeebe's, which win over the BPMN attribute.
type callConfig struct {
	parley, zeebe     string
	version           int
	propagate, parent string
	io                ServiceTask
	ins, outs         []Mapping
}

func (pb *processBuilder) callActivity(n *node, e *Element) {
	e.Kind = KindCallActivity
	pb.activity(n, e)
	var c callConfig
	pb.camundaBinding(n, e, &c)
	pb.extensions(n, e, extHandlers{
		"parley:call":         func(x *node) { pb.parleyCall(x, &c) },
		"parley:in":           func(x *node) { c.ins = append(c.ins, pb.parleyMapping(x, "parley:in")) },
		"parley:out":          func(x *node) { c.outs = append(c.outs, pb.parleyMapping(x, "parley:out")) },
		"zeebe:calledElement": func(x *node) { pb.zeebeCalledElement(x, e, &c) },
		"zeebe:ioMapping":     func(x *node) { pb.zeebeIOMapping(x, nil, &c.io) },
		"camunda:in":          func(x *node) { pb.camundaMapping(x, &c, true) },
		"camunda:out":         func(x *node) { pb.camundaMapping(x, &c, false) },
	})
	call := &CallActivity{Process: firstNonEmpty(c.parley, c.zeebe, strings.TrimSpace(n.attr("", "calledElement"))), Version: c.version}
	e.Call = call
	for _, in := range c.io.Inputs {
		call.Inputs = append(call.Inputs, Mapping{Source: in.Expression, SourceRaw: in.Expression, Target: in.Name})
	}
	for _, o := range c.io.Outputs {
		call.Outputs = append(call.Outputs, Mapping{Source: o.Expression, SourceRaw: o.Expression, Target: o.Variable})
	}
	call.Inputs, call.Outputs = append(call.Inputs, c.ins...), append(call.Outputs, c.outs...)
	call.PropagateAll = xmlBool(c.propagate, len(call.Outputs) == 0)
	call.PropagateParent = xmlBool(c.parent, true)
	switch {
	case call.Process == "":
		pb.problem(e.ID, "callActivity (%s) names no process to call: write the called process's code in calledElement (or zeebe:calledElement processId, or parley:call process)", e.ID)
	case strings.HasPrefix(call.Process, "=") || strings.HasPrefix(call.Process, "${"):
		pb.problem(e.ID, "callActivity (%s) calls %q, an expression; Parley needs the fixed code of a process", e.ID, call.Process)
	}
}

// parleyCall reads <parley:call process="code" version="3" propagateAll="false">.
func (pb *processBuilder) parleyCall(x *node, c *callConfig) {
	c.parley = strings.TrimSpace(x.attr("", "process"))
	if v := strings.TrimSpace(x.attr("", "version")); v != "" {
		c.version = pb.calledVersion(v, "parley:call version")
	}
	if v := x.attr("", "propagateAll"); v != "" {
		c.propagate = v
	}
	if v := x.attr("", "propagateParent"); v != "" {
		c.parent = v
	}
}

// camundaMapping reads Camunda 7's camunda:in and camunda:out: source (a variable) or
// sourceExpression (JUEL) into target, or variables="all", which propagates every variable of
// the same name that way.
func (pb *processBuilder) camundaMapping(x *node, c *callConfig, in bool) {
	tag := x.tag()
	switch {
	case x.hasAttr("", "businessKey"):
		pb.problem(pb.current, "%s businessKey on %s is not supported: Parley instances have no business key", tag, pb.current)
	case strings.TrimSpace(x.attr("", "variables")) == "all" && in:
		c.parent = "true"
	case strings.TrimSpace(x.attr("", "variables")) == "all":
		c.propagate = "true"
	default:
		raw := firstNonEmpty(x.attr("", "sourceExpression"), strings.TrimSpace(x.attr("", "source")))
		m := Mapping{Source: pb.expression(raw, tag+" source"), SourceRaw: raw, Target: pb.variableAttr(x, "target", tag)}
		if in {
			c.ins = append(c.ins, m)
		} else {
			c.outs = append(c.outs, m)
		}
	}
}

// parleyMapping reads <parley:in source="expr" target="childVar"/> and its parley:out twin.
func (pb *processBuilder) parleyMapping(x *node, tag string) Mapping {
	raw := x.attr("", "source")
	return Mapping{Source: pb.expression(raw, tag+" source"), SourceRaw: raw, Target: pb.variableAttr(x, "target", tag)}
}

// zeebeCalledElement reads <zeebe:calledElement processId propagateAllChildVariables
// propagateAllParentVariables bindingType versionTag>. Parley publishes each process on its
// own, so a binding to "the version deployed with this file" has no meaning and is refused; a
// version tag must be a Parley version number.
func (pb *processBuilder) zeebeCalledElement(x *node, e *Element, c *callConfig) {
	c.zeebe = strings.TrimSpace(x.attr("", "processId"))
	c.propagate = firstNonEmpty(c.propagate, x.attr("", "propagateAllChildVariables"))
	c.parent = x.attr("", "propagateAllParentVariables")
	switch b := strings.TrimSpace(x.attr("", "bindingType")); b {
	case "", "latest":
	case "versionTag":
		c.version = pb.calledVersion(x.attr("", "versionTag"), "zeebe:calledElement versionTag")
	case "deployment":
		pb.refuse(e, "bindingType \"deployment\" calls the version deployed with this file, and Parley publishes each process on its own; use \"latest\", or \"versionTag\" with a version number")
	default:
		pb.problem(e.ID, "zeebe:calledElement bindingType %q on %s is not one of latest, versionTag", b, e.ID)
	}
}

// camundaBinding reads Camunda 7's camunda:calledElementBinding: latest, or version with
// camunda:calledElementVersion.
func (pb *processBuilder) camundaBinding(n *node, e *Element, c *callConfig) {
	switch b := strings.TrimSpace(camundaAttr(n, "calledElementBinding")); b {
	case "", "latest":
	case "version":
		c.version = pb.calledVersion(camundaAttr(n, "calledElementVersion"), "camunda:calledElementVersion")
	default:
		pb.refuse(e, "camunda:calledElementBinding \""+b+"\" is not supported; use latest, or version with camunda:calledElementVersion")
	}
}

func (pb *processBuilder) calledVersion(s, what string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		pb.problem(pb.current, "%s %q on %s must be a version number (1, 2, ...)", what, s, pb.current)
		return 0
	}
	return n
}
