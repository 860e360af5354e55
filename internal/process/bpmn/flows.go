package bpmn

import (
	"strings"

	"github.com/robfig/cron/v3"
)

// Next lists where a token can go from e: along its flows, onto its boundary events, into a
// sub-process at its start event, or, from a link throw event, to the link catch event of the
// same name.
func (e *Element) Next() []*Element {
	out := append([]*Element(nil), e.Boundaries...)
	if e.Kind == KindSubProcess && e.Start != nil {
		out = append(out, e.Start)
	}
	for _, f := range e.Outgoing {
		out = append(out, f.To)
	}
	if e.LinkTo != nil {
		out = append(out, e.LinkTo)
	}
	return out
}

// isStart reports whether an element of this kind is a start event of any kind.
func (k Kind) isStart() bool {
	return k == KindStart || k == KindMessageStart || k == KindTimerStart
}

// chooses reports whether an element of this kind picks its outgoing flows by their
// conditions alone, so that an unconditional flow beside conditional ones would be ambiguous.
func (k Kind) chooses() bool { return k == KindExclusiveGateway || k == KindInclusiveGateway }

// mayHaveDefault reports whether the BPMN default attribute means something on this kind:
// gateways that choose, and activities, whose default flow is taken when none of their
// conditional flows is.
func (k Kind) mayHaveDefault() bool {
	switch k {
	case KindExclusiveGateway, KindInclusiveGateway, KindTask, KindUserTask, KindServiceTask, KindScriptTask, KindReceiveTask:
		return true
	}
	return false
}

// linkEvent reads the name of a linkEventDefinition, which pairs a throw with its catch.
func (pb *processBuilder) linkEvent(def *node, e *Element, kind Kind) {
	e.Kind = kind
	e.Link = strings.TrimSpace(def.attr("", "name"))
	if e.Link == "" {
		pb.problem(e.ID, "the link event %s (%s) has no name; a link throw jumps to the link catch event with its name", e.Tag, e.ID)
	}
}

// checkLinks pairs each link throw event with the one link catch event of its name in the
// process. Two catches with one name would make the jump ambiguous, and a throw without a
// catch would lose its token.
func (pb *processBuilder) checkLinks() {
	catches := map[string]*Element{}
	for _, e := range pb.p.ElementOrder {
		if e.Kind != KindLinkCatch || e.Link == "" {
			continue
		}
		if other := catches[e.Link]; other != nil {
			pb.problem(e.ID, "link catch events %s and %s both have the name %q; a link name is caught once per process", other.ID, e.ID, e.Link)
			continue
		}
		catches[e.Link] = e
	}
	for _, e := range pb.p.ElementOrder {
		if e.Kind != KindLinkThrow || e.Link == "" {
			continue
		}
		if e.LinkTo = catches[e.Link]; e.LinkTo == nil {
			pb.problem(e.ID, "link throw event %s (%s) jumps to the link %q, and no link catch event of process %s has that name", e.Tag, e.ID, e.Link, pb.p.ID)
		}
	}
}

// linkThrows are the link throw events that jump to a catch.
func (pb *processBuilder) linkThrows(catch *Element) []*Element {
	var out []*Element
	for _, e := range pb.p.ElementOrder {
		if e.LinkTo == catch {
			out = append(out, e)
		}
	}
	return out
}

// processStartEvent reads a start event with an event definition: a message start event, started by
// a published message of its name, or a timer start event, started on its schedule.
func (pb *processBuilder) processStartEvent(defs []*node, e *Element) {
	switch what := defs[0].XMLName.Local; {
	case len(defs) > 1:
		pb.refuse(e, "a start event with several event definitions is not supported")
	case what == "messageEventDefinition":
		e.Kind = KindMessageStart
		pb.messageWait(defs[0], e)
		if e.Message.Name == "" {
			pb.problem(e.ID, "message start event %s (%s) needs a message with a name (messageRef to a bpmn:message)", e.Tag, e.ID)
		}
	case what == "timerEventDefinition":
		e.Kind = KindTimerStart
		pb.timer(defs[0], e)
	default:
		pb.refuse(e, "only none, message and timer start events are supported, and this one has "+what)
	}
}

// checkMessageStarts refuses two message start events of one message in a process: a message
// starts one instance of a process, and which event it started at would be a guess.
func (pb *processBuilder) checkMessageStarts() {
	seen := map[string]string{}
	for _, e := range pb.p.Starts {
		if e.Kind != KindMessageStart || e.Message == nil || e.Message.Name == "" {
			continue
		}
		if other, dup := seen[e.Message.Name]; dup {
			pb.problem(e.ID, "message start events %s and %s both start on the message %q; a process has one start event per message", other, e.ID, e.Message.Name)
		}
		seen[e.Message.Name] = e.ID
	}
}

// cronParser reads cron cycles as Zeebe writes them (Spring's format): six fields, seconds
// first, with ? for "any day", and the @hourly, @daily… shortcuts.
var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// timerCron reads a timer start event's cron cycle, evaluated in UTC as Zeebe does.
func (pb *processBuilder) timerCron(t *Timer, e *Element) {
	sched, err := cronParser.Parse(t.Cycle)
	if err != nil {
		pb.problem(e.ID, "the timer cycle %q of %s (%s) is neither a repetition such as R3/PT1H nor a cron expression such as 0 0 9 * * MON-FRI: %v%s",
			t.Cycle, e.Tag, e.ID, err, expressionHint(t.Cycle))
		return
	}
	t.cron = sched
}
