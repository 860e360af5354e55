package bpmn

// validate checks the structure of a read process: one start, flows in and out where they must
// be, gateway rules, and that every element lies on a path from the start to an end. Elements
// already refused are left out of the checks, so that one mistake gives one problem.
func (pb *processBuilder) validate() {
	pb.checkStart()
	pb.checkScopes()
	pb.checkMessageStarts()
	pb.checkLinks()
	for _, e := range pb.p.ElementOrder {
		if e.Kind != kindRefused && !pb.refusedAround(e) {
			pb.checkFlows(e)
			pb.checkSplit(e)
			pb.checkEventGateway(e)
		}
	}
	if len(pb.p.Starts) > 0 {
		pb.checkReachability()
	}
}

func (pb *processBuilder) checkStart() {
	var none []*Element
	for _, e := range pb.p.ElementOrder {
		switch {
		case e.Parent != "" && (e.Kind == KindMessageStart || e.Kind == KindTimerStart):
			pb.problem(e.ID, "%s (%s) is inside a sub-process, which starts only at a none start event; put message and timer starts on the process or in an event sub-process", e.Tag, e.ID)
		case e.Parent != "":
		case e.Kind == KindStart:
			none = append(none, e)
			pb.p.Starts = append(pb.p.Starts, e)
		case e.Kind == KindMessageStart || e.Kind == KindTimerStart:
			pb.p.Starts = append(pb.p.Starts, e)
		}
	}
	if len(pb.p.Starts) == 0 {
		pb.problem(pb.p.ID, "process %s has no none start event", pb.p.ID)
		return
	}
	if len(none) == 0 {
		return
	}
	pb.p.Start = none[0]
	for _, e := range none[1:] {
		pb.problem(e.ID, "process %s has more than one none start event (%s and %s); Parley starts every instance at one", pb.p.ID, none[0].ID, e.ID)
	}
}

// checkFlows checks the number of flows in and out of an element for its kind.
func (pb *processBuilder) checkFlows(e *Element) {
	switch {
	case e.Kind == KindEventSubProcess:
		return // checkScopes: it has no flows at all
	case (e.Kind.isStart() || e.Kind == KindEventStart || e.Kind.IsBoundary() || e.Kind == KindLinkCatch) && len(e.Incoming) > 0:
		pb.problem(e.ID, "%s (%s) cannot have incoming flows", e.Tag, e.ID)
	case e.Kind.IsEnd() && len(e.Outgoing) > 0:
		pb.problem(e.ID, "%s (%s) is an end event and cannot have outgoing flows", e.Tag, e.ID)
	case e.Kind == KindLinkThrow && len(e.Outgoing) > 0:
		pb.problem(e.ID, "%s (%s) is a link throw event and cannot have outgoing flows; its token goes on at the link catch event %q", e.Tag, e.ID, e.Link)
	}
	if !e.Kind.IsEnd() && e.Kind != KindLinkThrow && len(e.Outgoing) == 0 {
		pb.problem(e.ID, "%s (%s) has no outgoing flow; every path must finish at an end event", e.Tag, e.ID)
	}
	if e.Default != nil && !e.Kind.mayHaveDefault() {
		pb.problem(e.ID, "%s (%s) has a default flow; only exclusive and inclusive gateways and tasks may have one", e.Tag, e.ID)
	}
}

// checkSplit checks conditions. Exclusive and inclusive gateways choose: when such a gateway
// has several ways out, each must be conditional or the default, or the choice would be
// ambiguous. A parallel or event-based gateway never evaluates a condition, so one written
// there would be ignored. Any other element takes every unconditional flow and each
// conditional one whose condition is true (see Element.Default).
func (pb *processBuilder) checkSplit(e *Element) {
	for _, f := range e.Outgoing {
		switch {
		case f.ConditionRaw != "" && (e.Kind == KindParallelGateway || e.Kind == KindEventGateway):
			pb.problem(f.ID, "sequenceFlow (%s) has a condition but leaves %s (%s), which never evaluates one", f.ID, e.Tag, e.ID)
		case f == e.Default && f.ConditionRaw != "":
			pb.problem(f.ID, "sequenceFlow (%s) is the default flow of %s and cannot also have a condition", f.ID, e.ID)
		case e.Kind.chooses() && len(e.Outgoing) > 1 && f != e.Default && f.ConditionRaw == "":
			pb.problem(f.ID, "sequenceFlow (%s) leaves %s (%s) without a condition and is not its default flow", f.ID, e.Tag, e.ID)
		}
	}
}

// checkEventGateway checks what follows an event-based gateway: at least two ways out, each
// to a timer or message intermediate catch event that only the gateway leads to, so that the
// gateway alone decides which one may fire. Two waits for the same message would make the
// choice depend on the order of subscriptions, so a message may be waited for once.
func (pb *processBuilder) checkEventGateway(e *Element) {
	if e.Kind != KindEventGateway {
		return
	}
	if len(e.Outgoing) < 2 {
		pb.problem(e.ID, "%s (%s) has %d outgoing flows; an event-based gateway chooses between at least two catch events", e.Tag, e.ID, len(e.Outgoing))
	}
	messages := map[string]string{}
	for _, f := range e.Outgoing {
		to := f.To
		switch {
		case to.Kind == kindRefused:
		case to.Kind != KindTimerCatch && to.Kind != KindMessageCatch:
			pb.problem(f.ID, "%s (%s) leads to %s (%s); only timer and message intermediate catch events may follow an event-based gateway", e.Tag, e.ID, to.Tag, to.ID)
		case len(to.Incoming) > 1:
			pb.problem(to.ID, "%s (%s) follows event-based gateway %s and has other incoming flows; a catch event after such a gateway is reached from it only", to.Tag, to.ID, e.ID)
		case to.Kind == KindMessageCatch:
			name := to.Message.Name + "\x00" + to.Message.CorrelationKeyRaw
			if other, dup := messages[name]; dup {
				pb.problem(to.ID, "%s (%s) waits for the same message as %s after event-based gateway %s", to.Tag, to.ID, other, e.ID)
			}
			messages[name] = to.ID
		}
	}
}

// checkReachability finds elements no token can reach from the start, and reachable elements
// from which no path leads to an end event (a token there could never finish).
func (pb *processBuilder) checkReachability() {
	// An event sub-process is entered by its start event, not by a flow, and a token ends
	// there: both it and its start are where walks begin.
	roots := append([]*Element(nil), pb.p.Starts...)
	var ends []*Element
	for _, e := range pb.p.ElementOrder {
		if e.Kind == KindEventSubProcess || e.Kind == KindEventStart {
			roots = append(roots, e)
		}
	}
	reached := walk(roots, (*Element).Next)
	for _, e := range pb.p.ElementOrder {
		if e.Kind.IsEnd() || e.Kind == KindEventSubProcess || (e.Kind == kindRefused && len(e.Outgoing) == 0) {
			ends = append(ends, e)
		}
	}
	finishes := walk(ends, pb.predecessors)
	for _, e := range pb.p.ElementOrder {
		switch {
		case e.Kind == kindRefused || pb.refusedAround(e):
		case !reached[e]:
			pb.problem(e.ID, "%s (%s) cannot be reached from the start event", e.Tag, e.ID)
		case !finishes[e]:
			pb.problem(e.ID, "%s (%s) has no path to an end event", e.Tag, e.ID)
		}
	}
}

// walk returns every element reachable from the roots through next.
func walk(roots []*Element, next func(*Element) []*Element) map[*Element]bool {
	seen := map[*Element]bool{}
	queue := append([]*Element(nil), roots...)
	for _, e := range roots {
		seen[e] = true
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		for _, n := range next(e) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return seen
}

// predecessors are the elements a token can come from into e; a boundary event's token comes
// from the activity it is attached to.
func (pb *processBuilder) predecessors(e *Element) []*Element {
	var in []*Element
	for _, f := range e.Incoming {
		in = append(in, f.From)
	}
	if host := pb.p.Elements[e.AttachedTo]; e.Kind.IsBoundary() && host != nil {
		in = append(in, host)
	}
	if e.Kind == KindLinkCatch {
		in = append(in, pb.linkThrows(e)...)
	}
	return in
}
