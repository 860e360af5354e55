package bpmn

import "strings"

// The kinds of escalations. An escalation tells an enclosing scope (a sub-process, or the call
// activity that started the instance) that something needs attention without stopping the
// work; as in Camunda 8, when nothing catches it the token goes on (or ends).
const (
	KindThrowEscalation Kind = "throwEscalation" // intermediate throw event: records the escalation and passes on
	KindEndEscalation   Kind = "endEscalation"   // end event: records the escalation and ends the token
)

// Escalation is the escalation a throw event raises.
type Escalation struct {
	// Ref is the id of the bpmn:escalation referred to.
	Ref string
	// Code is its escalationCode, which a catching event would match.
	Code string
	// Name is its name, for messages.
	Name string
}

// throwEvent reads an intermediate throw event: only escalations are thrown.
func (pb *processBuilder) throwEvent(n *node, e *Element) {
	defs := eventDefinitions(n)
	switch {
	case len(defs) == 1 && defs[0].XMLName.Local == "escalationEventDefinition":
		pb.escalation(defs[0], e, KindThrowEscalation)
	case len(defs) == 1 && defs[0].XMLName.Local == "linkEventDefinition":
		pb.linkEvent(defs[0], e, KindLinkThrow)
	default:
		what := "no event definition"
		if len(defs) > 0 {
			what = defs[0].XMLName.Local
		}
		pb.refuse(e, "it has "+what+"; only escalation and link throw events are supported")
	}
	pb.checkChildren(n, e)
	pb.extensions(n, e, nil)
}

// escalation reads an escalationEventDefinition, which must name a bpmn:escalation with a
// fixed code so that the history can say which escalation was raised.
func (pb *processBuilder) escalation(def *node, e *Element, kind Kind) {
	e.Kind = kind
	esc := &Escalation{Ref: strings.TrimSpace(def.attr("", "escalationRef"))}
	e.Escalation = esc
	n := pb.errors[esc.Ref]
	if esc.Ref == "" || n == nil || !n.is(nsBPMN, "escalation") {
		pb.problem(e.ID, "%s (%s) needs an escalation: escalationRef to a bpmn:escalation with an escalationCode", e.Tag, e.ID)
		return
	}
	esc.Code, esc.Name = strings.TrimSpace(n.attr("", "escalationCode")), n.attr("", "name")
	if esc.Code == "" || strings.HasPrefix(esc.Code, "=") || strings.HasPrefix(esc.Code, "${") {
		pb.problem(e.ID, "the escalation %s used by %s (%s) needs a fixed escalationCode", esc.Ref, e.Tag, e.ID)
	}
}
