package bpmn

import (
	"strconv"
	"strings"
)

// extHandlers maps an extension element's tag (parley:task, zeebe:taskDefinition, ...) to the
// function that reads it for the element being built.
type extHandlers map[string]func(x *node)

// ignoredExtensions are Zeebe and Camunda extension elements whose meaning Parley can do without:
// forms and properties for other tools, retry back-off, and scheduling hints.
var ignoredExtensions = map[string]bool{
	"zeebe:properties": true, "zeebe:formDefinition": true, "zeebe:userTask": true,
	"zeebe:taskSchedule": true, "zeebe:priorityDefinition": true, "zeebe:versionTag": true,
	"zeebe:userTaskForm": true, "camunda:properties": true, "camunda:failedJobRetryTimeCycle": true,
}

// extensions reads the extension elements of n with the handlers of its kind. An unknown Parley
// element is a mistake (probably a typo); a Zeebe or Camunda element that is neither read nor
// known to be harmless is refused, because ignoring it (a listener, a loop, a called element)
// would change what the process does. Other namespaces belong to other tools and are ignored.
func (pb *processBuilder) extensions(n *node, e *Element, handlers extHandlers) {
	if ext := n.child(nsBPMN, "extensionElements"); ext != nil {
		pb.extensionList(ext, e, handlers)
	}
}

func (pb *processBuilder) extensionList(ext *node, e *Element, handlers extHandlers) {
	for i := range ext.Children {
		x := &ext.Children[i]
		tag := x.tag()
		switch {
		case handlers[tag] != nil:
			handlers[tag](x)
		case tag == "zeebe:ioMapping":
			pb.ioMapping(x, e)
		case ignoredExtensions[tag]:
		case x.XMLName.Space == Namespace:
			pb.problem(e.ID, "the extension element %s is not allowed on %s (%s)", tag, e.Tag, e.ID)
		case x.XMLName.Space == nsZeebe || x.XMLName.Space == nsCamunda || x.XMLName.Space == nsCamundaLegacy:
			pb.unsupported(e.ID, "the extension element %s on %s (%s) is not supported", tag, e.Tag, e.ID)
		}
	}
}

// processExtensions checks the process's own extension elements with the same rules, so that
// for example a process-level execution listener is refused rather than ignored.
func (pb *processBuilder) processExtensions(ext *node) {
	pb.extensionList(ext, &Element{ID: pb.p.ID, Tag: "process"}, nil)
}

// camundaAttr reads a Camunda 7 attribute in either of its namespaces.
func camundaAttr(n *node, local string) string {
	if v := n.attr(nsCamunda, local); v != "" {
		return v
	}
	return n.attr(nsCamundaLegacy, local)
}

// messageHandlers reads parley:message, which names the variable that receives the message.
func (pb *processBuilder) messageHandlers(m *MessageWait) extHandlers {
	return extHandlers{"parley:message": func(x *node) {
		m.Variable = pb.variableAttr(x, "variable", "parley:message")
	}}
}

// variableAttr reads an attribute that names a process variable; the name must be usable in
// expressions, so it must be an identifier.
func (pb *processBuilder) variableAttr(x *node, attr, tag string) string {
	v := strings.TrimSpace(x.attr("", attr))
	if !isIdentifier(v) {
		pb.problem(pb.current, "%s %s=%q must name a variable (letters, digits and _)", tag, attr, v)
	}
	return v
}

func isIdentifier(s string) bool {
	return s != "" && nameLen(s) == len(s) && !exprKeywords[s]
}

// splitList reads a comma-separated list such as candidateGroups="sales, support".
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// retries reads a retry count; a FEEL expression is refused since the count is fixed per version.
func (pb *processBuilder) retries(s, tag string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1000 {
		pb.problem(pb.current, "%s retries=%q must be a whole number from 0 to 1000", tag, s)
		return 0
	}
	return n
}

// expression translates an expression attribute of an extension element and checks it.
func (pb *processBuilder) expression(src, what string) string {
	out, _, err := Translate(src)
	if err != nil {
		pb.problem(pb.current, "%s %q of %s cannot be used: %v", what, src, pb.current, err)
	}
	return out
}

// template checks the {{ ... }} placeholders of a template value.
func (pb *processBuilder) template(src, what string) {
	if _, err := templateExpressions(src); err != nil {
		pb.problem(pb.current, "%s %q of %s cannot be used: %v", what, src, pb.current, err)
	}
}
