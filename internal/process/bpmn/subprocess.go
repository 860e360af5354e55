package bpmn

import "strings"

// The kinds of scopes. A sub-process is a flow drawn inside an activity: a token that reaches
// it waits there while tokens of its own run the inner flow from its none start event; when
// none is left inside, the sub-process completes and the waiting token leaves it. An event
// sub-process has no flows in or out: its start event listens while the scope around it (the
// process or a sub-process) runs, and starts it when the event happens.
const (
	KindSubProcess      Kind = "subProcess"      // embedded sub-process: a scope with its own tokens
	KindEventSubProcess Kind = "eventSubProcess" // subProcess triggeredByEvent="true": started by its start event
	// KindEventStart is the start event of an event sub-process: a timer, a message, an error
	// or an escalation, interrupting the enclosing scope or running beside it.
	KindEventStart Kind = "eventStart"
	// KindBoundaryEscalation catches an escalation raised inside the sub-process it sits on, or
	// in the instance the call activity it sits on started.
	KindBoundaryEscalation Kind = "boundaryEscalation"
)

// The reader of sub-processes is registered at init: it reads nested elements through the
// readers table itself, which a static initializer may not refer to.
func init() { readers["subProcess"] = (*processBuilder).subProcess }

// subProcess reads an embedded or event sub-process and the flow inside it. The inner elements
// share the process's maps (ids are unique in a file); each knows its container by Parent.
func (pb *processBuilder) subProcess(n *node, e *Element) {
	e.Kind = KindSubProcess
	if xmlBool(n.attr("", "triggeredByEvent"), false) {
		e.Kind = KindEventSubProcess
	}
	if xmlBool(n.attr("", "isForCompensation"), false) {
		pb.refuse(e, "compensation handlers (isForCompensation) are not supported")
	}
	for i := range n.Children {
		c := &n.Children[i]
		switch local := c.XMLName.Local; {
		case c.XMLName.Space != nsBPMN:
		case local == "multiInstanceLoopCharacteristics" && loopable[e.Kind]:
			pb.loop(c, e)
		case local == "multiInstanceLoopCharacteristics" || local == "standardLoopCharacteristics":
			pb.refuse(e, "it has "+local+" (loops and multi-instance are not supported)")
		}
	}
	pb.extensions(n, e, nil)
	outer := pb.parent
	pb.parent = e
	for i := range n.Children {
		if c := &n.Children[i]; !ownChild(c) {
			pb.child(c)
		}
	}
	pb.parent = outer
}

// parentID is the id of the sub-process being read, "" at the process level.
func (pb *processBuilder) parentID() string {
	if pb.parent == nil {
		return ""
	}
	return pb.parent.ID
}

// inEventSub reports whether the element being read lies directly in an event sub-process,
// where a start event carries the trigger.
func (pb *processBuilder) inEventSub() bool {
	return pb.parent != nil && pb.parent.Kind == KindEventSubProcess
}

// eventStart reads the start event of an event sub-process: exactly one timer, message, error
// or escalation definition; isInterrupting decides whether it cancels the enclosing scope.
func (pb *processBuilder) eventStart(n *node, e *Element) {
	e.Kind = KindEventStart
	e.Interrupting = xmlBool(n.attr("", "isInterrupting"), true)
	defs := eventDefinitions(n)
	what := "no event definition"
	if len(defs) > 0 {
		what = defs[0].XMLName.Local
	}
	switch {
	case len(defs) != 1:
		pb.refuse(e, "an event sub-process starts with exactly one timer, message, error or escalation event, and this one has "+what)
	case what == "timerEventDefinition":
		pb.timer(defs[0], e)
	case what == "messageEventDefinition":
		pb.messageWait(defs[0], e)
	case what == "errorEventDefinition":
		e.Error = pb.errorRef(defs[0], e)
		if !e.Interrupting {
			pb.problem(e.ID, "the error start event %s has isInterrupting=\"false\"; an error always interrupts its scope", e.ID)
		}
	case what == "escalationEventDefinition":
		pb.escalationCatch(defs[0], e)
	default:
		pb.refuse(e, "it has "+what+"; event sub-processes start with a timer, message, error or escalation event")
	}
	pb.checkChildren(n, e)
	if e.Message != nil {
		pb.extensions(n, e, pb.messageHandlers(e.Message))
		return
	}
	pb.extensions(n, e, nil)
}

// escalationCatch reads the escalation a boundary event or an event sub-process start catches:
// without an escalationRef, or with an escalation that has no code, it catches every one.
func (pb *processBuilder) escalationCatch(def *node, e *Element) {
	esc := &Escalation{Ref: strings.TrimSpace(def.attr("", "escalationRef"))}
	e.Escalation = esc
	if esc.Ref == "" {
		return
	}
	n := pb.errors[esc.Ref]
	if n == nil || !n.is(nsBPMN, "escalation") {
		pb.problem(e.ID, "%s (%s) refers to escalation %s, which is not defined", e.Tag, e.ID, esc.Ref)
		return
	}
	esc.Code, esc.Name = strings.TrimSpace(n.attr("", "escalationCode")), n.attr("", "name")
	if strings.HasPrefix(esc.Code, "=") || strings.HasPrefix(esc.Code, "${") {
		pb.problem(e.ID, "the escalation %s used by %s (%s) needs a fixed escalationCode", esc.Ref, e.Tag, e.ID)
	}
}

// checkScopes checks the rules of sub-processes once the flows are linked: a sub-process has
// exactly one none start event inside; an event sub-process exactly one start event and no
// flows or boundary events of its own; and no sequence flow crosses the border of a scope,
// since a token enters and leaves a sub-process only through the sub-process itself.
func (pb *processBuilder) checkScopes() {
	for _, e := range pb.p.ElementOrder {
		switch e.Kind {
		case KindSubProcess:
			pb.scopeStart(e, KindStart, "needs exactly one none start event inside")
		case KindEventSubProcess:
			pb.scopeStart(e, KindEventStart, "needs exactly one start event inside (timer, message, error or escalation)")
			if len(e.Incoming)+len(e.Outgoing) > 0 || len(e.Boundaries) > 0 {
				pb.problem(e.ID, "event sub-process %s cannot have sequence flows or boundary events; its start event starts it", e.ID)
			}
			if host := pb.p.Elements[e.Parent]; host != nil {
				host.EventSubs = append(host.EventSubs, e)
			} else if e.Parent == "" {
				pb.p.EventSubs = append(pb.p.EventSubs, e)
			}
		case KindEventStart:
			if host := pb.p.Elements[e.Parent]; host != nil && host.Start != e {
				pb.problem(e.ID, "%s (%s) cannot be reached: an event sub-process has one start event", e.Tag, e.ID)
			}
		}
	}
	for _, f := range pb.p.FlowOrder {
		if f.From != nil && f.To != nil && f.From.Parent != f.To.Parent && f.From.Kind != kindRefused && f.To.Kind != kindRefused {
			pb.problem(f.ID, "sequenceFlow (%s) crosses the border of a sub-process (from %s to %s); a token enters and leaves a sub-process through the sub-process itself",
				f.ID, f.Source, f.Target)
		}
	}
}

// refusedAround reports whether e lies inside a refused sub-process: only its unsupported
// content is worth naming there, as its flow will never run.
func (pb *processBuilder) refusedAround(e *Element) bool {
	for p := pb.p.Elements[e.Parent]; p != nil; p = pb.p.Elements[p.Parent] {
		if p.Kind == kindRefused {
			return true
		}
	}
	return false
}

// scopeStart finds the one start event of kind inside the sub-process e.
func (pb *processBuilder) scopeStart(e *Element, kind Kind, rule string) {
	var found []*Element
	refused := false
	for _, x := range pb.p.ElementOrder {
		if x.Parent == e.ID && x.Tag == "startEvent" {
			refused = refused || x.Kind == kindRefused
			if x.Kind == kind {
				found = append(found, x)
			}
		}
	}
	switch {
	case len(found) == 1:
		e.Start = found[0]
	case len(found) == 0 && refused:
		// The start event is already reported as unsupported.
	default:
		pb.problem(e.ID, "%s (%s) %s; it has %d", e.Tag, e.ID, rule, len(found))
	}
}
