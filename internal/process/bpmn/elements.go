package bpmn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// elementReader interprets one supported BPMN element: it sets the kind and reads the
// configuration, reporting problems through pb.
type elementReader func(pb *processBuilder, n *node, e *Element)

var readers = map[string]elementReader{
	"startEvent":             (*processBuilder).startEvent,
	"endEvent":               (*processBuilder).endEvent,
	"intermediateCatchEvent": (*processBuilder).catchEvent,
	"intermediateThrowEvent": (*processBuilder).throwEvent,
	"boundaryEvent":          (*processBuilder).boundaryEvent,
	"task":                   (*processBuilder).task,
	"userTask":               (*processBuilder).userTask,
	"serviceTask":            (*processBuilder).serviceTask,
	"scriptTask":             (*processBuilder).scriptTask,
	"receiveTask":            (*processBuilder).receiveTask,
	"exclusiveGateway":       (*processBuilder).gateway,
	"parallelGateway":        (*processBuilder).gateway,
	"inclusiveGateway":       (*processBuilder).gateway,
	"eventBasedGateway":      (*processBuilder).eventGateway,
	"callActivity":           (*processBuilder).callActivity,
}

// containers are the refused elements that hold a flow of their own. Their content is read
// too, only to name every other unsupported element in the same error.
var containers = map[string]bool{"subProcess": true, "transaction": true, "adHocSubProcess": true}

// element reads one flow node. Anything without a reader is refused, naming its tag and id,
// but it is still registered so that flows to it resolve and cause no second problem.
func (pb *processBuilder) element(n *node) {
	e := &Element{ID: n.id(), Name: n.attr("", "name"), Tag: n.tag(), Documentation: documentation(n), Parent: pb.parentID()}
	if e.ID == "" {
		pb.unsupported(fieldOr(pb.p.ID, e.Tag), "an element %s in process %s has no id; every flow node needs one", e.Tag, pb.p.ID)
		return
	}
	if !pb.addID(e.ID, e.Tag) {
		return
	}
	pb.p.Elements[e.ID] = e
	pb.p.ElementOrder = append(pb.p.ElementOrder, e)
	pb.refs[e] = &elementRefs{def: n.attr("", "default"), incoming: childTexts(n, "incoming"), outgoing: childTexts(n, "outgoing")}
	pb.current = e.ID
	read := readers[n.XMLName.Local]
	if n.XMLName.Space != nsBPMN || read == nil {
		pb.refuse(e, refusalReason(n))
		if n.XMLName.Space == nsBPMN && containers[n.XMLName.Local] {
			pb.scanNested(n)
		}
		return
	}
	read(pb, n, e)
}

func refusalReason(n *node) string {
	switch n.XMLName.Local {
	case "transaction":
		return "transactions and compensation are not supported"
	}
	return ""
}

// refuse reports an element outside the supported subset, in the form
// "element inclusiveGateway (Gateway_01wr5g0) is not supported", with an optional reason.
func (pb *processBuilder) refuse(e *Element, reason string) {
	e.Kind = kindRefused
	msg := fmt.Sprintf("element %s (%s) is not supported", e.Tag, e.ID)
	if reason != "" {
		msg += ": " + reason
	}
	pb.unsupported(e.ID, "%s", msg)
}

// unsupported records a problem that names something Parley cannot run; such problems are
// reported even from inside refused containers.
func (pb *processBuilder) unsupported(field, format string, args ...any) {
	pb.list.Add(field, format, args...)
}

// problem records any other mistake. Inside a refused container only unsupported elements are
// worth naming, so there it is dropped.
func (pb *processBuilder) problem(field, format string, args ...any) {
	if !pb.nested {
		pb.list.Add(field, format, args...)
	}
}

// scanNested reads the content of a refused container with a scratch builder that reports only
// unsupported elements (multi-instance, compensation, cancel events, receive tasks...).
func (pb *processBuilder) scanNested(n *node) {
	inner := &processBuilder{builder: pb.builder, nested: true, ids: map[string]bool{}, generated: map[string]int{},
		p:    &Process{ID: pb.p.ID, Elements: map[string]*Element{}, Flows: map[string]*Flow{}},
		refs: map[*Element]*elementRefs{}}
	for i := range n.Children {
		if c := &n.Children[i]; !ownChild(c) {
			inner.child(c)
		}
	}
}

// ownChild reports whether a child of a container describes the container itself (its flow
// references, documentation, data, extensions, loop) rather than being a node of its inner
// flow: reading such a child as a flow node would report "an element incoming … has no id".
func ownChild(c *node) bool {
	if c.XMLName.Space != nsBPMN {
		return true
	}
	local := c.XMLName.Local
	return baseChildren[local] || local == "multiInstanceLoopCharacteristics" || local == "standardLoopCharacteristics"
}

// baseChildren are children any flow node may have. Data inputs and outputs only draw data
// objects, which Parley does not execute.
var baseChildren = map[string]bool{"documentation": true, "extensionElements": true, "incoming": true,
	"outgoing": true, "ioSpecification": true, "property": true, "dataInputAssociation": true,
	"dataOutputAssociation": true, "dataInput": true, "dataOutput": true, "inputSet": true, "outputSet": true}

// checkChildren refuses an element with a child that changes its behaviour in a way Parley
// would otherwise silently ignore, such as loop characteristics.
func (pb *processBuilder) checkChildren(n *node, e *Element, extra ...string) {
	for i := range n.Children {
		c := &n.Children[i]
		local := c.XMLName.Local
		switch {
		case c.XMLName.Space != nsBPMN, baseChildren[local], strings.HasSuffix(local, "EventDefinition"):
		case contains(extra, local):
		case local == "multiInstanceLoopCharacteristics" && loopable[e.Kind]:
			pb.loop(c, e)
		case local == "multiInstanceLoopCharacteristics" || local == "standardLoopCharacteristics":
			pb.refuse(e, "it has "+local+" (loops and multi-instance are not supported)")
		default:
			pb.refuse(e, "it has "+local)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// eventDefinitions returns an event's definition children (timerEventDefinition, ...).
func eventDefinitions(n *node) []*node {
	var defs []*node
	for i := range n.Children {
		c := &n.Children[i]
		if c.XMLName.Space == nsBPMN && strings.HasSuffix(c.XMLName.Local, "EventDefinition") {
			defs = append(defs, c)
		}
	}
	return defs
}

func (pb *processBuilder) startEvent(n *node, e *Element) {
	if pb.inEventSub() {
		pb.eventStart(n, e)
		return
	}
	e.Kind = KindStart
	if defs := eventDefinitions(n); len(defs) > 0 {
		pb.processStartEvent(defs, e)
	}
	pb.checkChildren(n, e)
	if e.Kind == KindMessageStart {
		pb.extensions(n, e, pb.messageHandlers(e.Message))
		return
	}
	pb.extensions(n, e, nil)
}

func (pb *processBuilder) endEvent(n *node, e *Element) {
	e.Kind = KindEndNone
	switch defs := eventDefinitions(n); {
	case len(defs) == 1 && defs[0].XMLName.Local == "terminateEventDefinition":
		e.Kind = KindEndTerminate
	case len(defs) == 1 && defs[0].XMLName.Local == "errorEventDefinition":
		pb.errorEnd(defs[0], e)
	case len(defs) == 1 && defs[0].XMLName.Local == "escalationEventDefinition":
		pb.escalation(defs[0], e, KindEndEscalation)
	case len(defs) > 0:
		pb.refuse(e, "it has "+defs[0].XMLName.Local+"; only none, terminate, error and escalation end events are supported")
	}
	pb.checkChildren(n, e)
	pb.extensions(n, e, nil)
}

func (pb *processBuilder) catchEvent(n *node, e *Element) {
	defs := eventDefinitions(n)
	switch {
	case len(defs) != 1:
		pb.refuse(e, "an intermediate catch event needs exactly one timer or message definition")
	case defs[0].XMLName.Local == "timerEventDefinition":
		e.Kind = KindTimerCatch
		pb.timer(defs[0], e)
	case defs[0].XMLName.Local == "messageEventDefinition":
		e.Kind = KindMessageCatch
		pb.messageWait(defs[0], e)
	case defs[0].XMLName.Local == "linkEventDefinition":
		pb.linkEvent(defs[0], e, KindLinkCatch)
	default:
		pb.refuse(e, "it has "+defs[0].XMLName.Local+"; only timer, message and link catch events are supported")
	}
	pb.checkChildren(n, e)
	if e.Kind == KindMessageCatch {
		pb.extensions(n, e, pb.messageHandlers(e.Message))
		return
	}
	pb.extensions(n, e, nil)
}

// boundaryEvent reads a boundary event: a timer or a message, interrupting or not.
func (pb *processBuilder) boundaryEvent(n *node, e *Element) {
	e.Kind = KindBoundaryTimer
	e.AttachedTo = strings.TrimSpace(n.attr("", "attachedToRef"))
	e.Interrupting = xmlBool(n.attr("", "cancelActivity"), true)
	defs := eventDefinitions(n)
	what := "no event definition"
	if len(defs) > 0 {
		what = defs[0].XMLName.Local
	}
	switch {
	case len(defs) == 1 && what == "errorEventDefinition":
		pb.errorBoundary(defs[0], e)
	case len(defs) == 1 && what == "escalationEventDefinition":
		e.Kind = KindBoundaryEscalation
		pb.escalationCatch(defs[0], e)
	case len(defs) != 1 || (what != "timerEventDefinition" && what != "messageEventDefinition"):
		pb.refuse(e, "it has "+what+"; only timer, message and error boundary events are supported")
	case what == "messageEventDefinition":
		e.Kind = KindBoundaryMessage
		pb.messageWait(defs[0], e)
	default:
		pb.timer(defs[0], e)
	}
	pb.checkChildren(n, e)
	if e.Kind == KindBoundaryMessage {
		pb.extensions(n, e, pb.messageHandlers(e.Message))
		return
	}
	pb.extensions(n, e, nil)
}

// eventGateway reads an event-based gateway. Only the exclusive kind that continues a running
// instance is supported; what may follow it is checked once the flows are linked.
func (pb *processBuilder) eventGateway(n *node, e *Element) {
	e.Kind = KindEventGateway
	switch {
	case xmlBool(n.attr("", "instantiate"), false):
		pb.refuse(e, "event-based gateways that start instances (instantiate=\"true\") are not supported")
	case strings.EqualFold(strings.TrimSpace(n.attr("", "eventGatewayType")), "parallel"):
		pb.refuse(e, "parallel event-based gateways (eventGatewayType=\"Parallel\") are not supported")
	}
	pb.checkChildren(n, e)
	pb.extensions(n, e, nil)
}

func (pb *processBuilder) gateway(n *node, e *Element) {
	e.Kind = KindExclusiveGateway
	switch n.XMLName.Local {
	case "parallelGateway":
		e.Kind = KindParallelGateway
	case "inclusiveGateway":
		e.Kind = KindInclusiveGateway
	}
	pb.checkChildren(n, e)
	pb.extensions(n, e, nil)
}

// activity checks what every task may carry but Parley does not run: compensation handlers.
func (pb *processBuilder) activity(n *node, e *Element, extra ...string) {
	if xmlBool(n.attr("", "isForCompensation"), false) {
		pb.refuse(e, "compensation handlers (isForCompensation) are not supported")
	}
	pb.checkChildren(n, e, extra...)
}

func (pb *processBuilder) task(n *node, e *Element) {
	e.Kind = KindTask
	pb.activity(n, e)
	pb.extensions(n, e, nil)
}

// receiveTask reads a receive task: the message wait of a catch event, written on an activity
// (messageRef on the task itself), so that boundary events can sit on it.
func (pb *processBuilder) receiveTask(n *node, e *Element) {
	e.Kind = KindReceiveTask
	if xmlBool(n.attr("", "instantiate"), false) {
		pb.refuse(e, "receive tasks that start instances (instantiate=\"true\") are not supported")
	}
	pb.messageWait(n, e)
	pb.activity(n, e)
	pb.extensions(n, e, pb.messageHandlers(e.Message))
}

// timer reads a timer definition: a fixed ISO 8601 duration or an RFC 3339 date.
func (pb *processBuilder) timer(def *node, e *Element) {
	t := &Timer{}
	e.Timer = t
	dur, date, cycle := def.child(nsBPMN, "timeDuration"), def.child(nsBPMN, "timeDate"), def.child(nsBPMN, "timeCycle")
	switch {
	case cycle != nil && (dur != nil || date != nil):
		pb.problem(e.ID, "the timer of %s (%s) has a timeCycle and also a timeDuration or a timeDate", e.Tag, e.ID)
	case cycle != nil:
		t.Cycle = cycle.text()
		pb.timerCycle(t, e)
	case dur != nil && date != nil:
		pb.problem(e.ID, "the timer of %s (%s) has both a timeDuration and a timeDate", e.Tag, e.ID)
	case dur != nil:
		t.Duration = dur.text()
		pb.timerDuration(t, e)
	case date != nil:
		t.Date = date.text()
		pb.timerDate(t, e)
	default:
		pb.problem(e.ID, "the timer of %s (%s) has neither a timeDuration nor a timeDate", e.Tag, e.ID)
	}
}

// timerCycle reads an ISO 8601 repetition, Rn/duration or R/duration, with or without a start
// date (Rn/start/duration), or on a timer start event a cron expression. Only a timer start event, a non-interrupting boundary timer or a
// non-interrupting event sub-process start may repeat: anywhere else the first firing moves
// the token on for good.
func (pb *processBuilder) timerCycle(t *Timer, e *Element) {
	if e.Kind == KindTimerStart && !strings.HasPrefix(t.Cycle, "R") {
		pb.timerCron(t, e)
		return
	}
	repeats := e.Kind == KindTimerStart || ((e.Kind == KindBoundaryTimer || e.Kind == KindEventStart) && !e.Interrupting)
	if !repeats {
		pb.refuse(e, fmt.Sprintf("timer cycles (timeCycle %q) are supported on timer start events, non-interrupting boundary events and non-interrupting event sub-process starts only", t.Cycle))
		return
	}
	reps, period, ok := strings.Cut(t.Cycle, "/")
	start, err := time.Time{}, error(nil)
	if first, second, two := strings.Cut(period, "/"); two {
		start, period, err = cycleStart(first, second)
	}
	n, count := 0, strings.TrimPrefix(reps, "R")
	switch {
	case err != nil:
	case !ok || count == reps:
		err = errors.New("it is not a repetition such as R3/PT1H")
	case count != "":
		n, err = strconv.Atoi(count)
		if err == nil && (n < 1 || n > 1000) {
			err = errors.New("the number of repetitions must be 1 to 1000")
		}
	}
	var d Duration
	if err == nil {
		d, err = ParseDuration(period)
	}
	if err == nil && !d.AddTo(time.Unix(0, 0)).After(time.Unix(0, 0)) {
		err = errors.New("the period must be longer than zero")
	}
	if err != nil {
		pb.problem(e.ID, "the timer cycle %q of %s (%s) cannot be read: %v%s", t.Cycle, e.Tag, e.ID, err, expressionHint(t.Cycle))
		return
	}
	t.duration, t.repeat, t.start = d, n, start
}

// cycleStart reads the two parts after the count of a cycle with a start date, such as
// 2030-01-01T10:00:00Z and PT1H in R3/2030-01-01T10:00:00Z/PT1H, and returns the start and the
// period. A cycle that ends at a date instead (R/PT1H/2030-01-01T10:00:00Z, or start/end) is
// refused: its last firing would depend on a date, where a count says it plainly.
func cycleStart(first, second string) (time.Time, string, error) {
	if strings.HasPrefix(first, "P") || !strings.HasPrefix(second, "P") {
		return time.Time{}, "", errors.New("a cycle that ends at a date is not supported; give a count instead, as in R3/PT1H, or a start date, as in R3/2030-01-01T10:00:00Z/PT1H")
	}
	start, err := time.Parse(time.RFC3339, first)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("the start date %q is not an RFC 3339 time such as 2030-01-01T10:00:00Z", first)
	}
	// The next firing is counted in periods from the start, in time.Duration's range.
	if start.Year() < 1970 {
		return time.Time{}, "", fmt.Errorf("the start date %q is before 1970", first)
	}
	return start, second, nil
}

func (pb *processBuilder) timerDuration(t *Timer, e *Element) {
	d, err := ParseDuration(t.Duration)
	if err != nil {
		pb.problem(e.ID, "the timer of %s (%s) cannot be read: %v%s", e.Tag, e.ID, err, expressionHint(t.Duration))
		return
	}
	t.duration = d
}

func (pb *processBuilder) timerDate(t *Timer, e *Element) {
	at, err := time.Parse(time.RFC3339, t.Date)
	if err != nil {
		pb.problem(e.ID, "the timer of %s (%s) has the date %q, which is not an RFC 3339 time such as 2030-01-31T09:00:00Z%s",
			e.Tag, e.ID, t.Date, expressionHint(t.Date))
		return
	}
	t.date = at
}

// expressionHint explains why a timer written as an expression is refused.
func expressionHint(s string) string {
	if strings.HasPrefix(s, "=") || strings.HasPrefix(s, "${") || strings.HasPrefix(s, "#{") {
		return " (expressions in timers are not supported; write a fixed value)"
	}
	return ""
}

// messageWait reads a message definition. A referenced bpmn:message with a zeebe:subscription
// correlation key makes it a correlated wait; otherwise it is the session wait.
func (pb *processBuilder) messageWait(def *node, e *Element) {
	m := &MessageWait{}
	e.Message = m
	ref := strings.TrimSpace(def.attr("", "messageRef"))
	if ref == "" {
		return
	}
	msg := pb.messages[ref]
	if msg == nil {
		pb.problem(e.ID, "%s (%s) refers to message %s, which is not defined", e.Tag, e.ID, ref)
		return
	}
	m.Name = msg.attr("", "name")
	ext := msg.child(nsBPMN, "extensionElements")
	if ext == nil {
		return
	}
	if sub := ext.child(nsZeebe, "subscription"); sub != nil && strings.TrimSpace(sub.attr("", "correlationKey")) != "" {
		m.CorrelationKeyRaw = strings.TrimSpace(sub.attr("", "correlationKey"))
		key, err := feelOrStatic(m.CorrelationKeyRaw)
		if err != nil {
			pb.problem(e.ID, "the correlation key %q of %s (%s) cannot be used: %v", m.CorrelationKeyRaw, e.Tag, e.ID, err)
		}
		m.CorrelationKey = key
	}
}

func documentation(n *node) string {
	var parts []string
	for i := range n.Children {
		if c := &n.Children[i]; c.is(nsBPMN, "documentation") && c.text() != "" {
			parts = append(parts, c.text())
		}
	}
	return strings.Join(parts, "\n\n")
}

func childTexts(n *node, local string) []string {
	var out []string
	for i := range n.Children {
		if c := &n.Children[i]; c.is(nsBPMN, local) {
			out = append(out, c.text())
		}
	}
	return out
}
