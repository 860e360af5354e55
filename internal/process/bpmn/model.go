package bpmn

import (
	"time"

	"github.com/robfig/cron/v3"
)

// Definitions is one parsed BPMN file: its processes, its drawing, and the bytes it came from.
type Definitions struct {
	// ID is the id attribute of the definitions root element.
	ID string
	// Processes lists every process of the file in document order. Only executable processes are
	// parsed and checked; a process with isExecutable="false" is listed with its ID and Name only,
	// so that the UI can label its pool, and has no elements.
	Processes []*Process
	// Diagram is the BPMN DI of the file, for drawing.
	Diagram Diagram
	// Raw is the file exactly as it was given, kept so that a published version can be shown and
	// downloaded byte for byte.
	Raw []byte
}

// Main returns the first executable process, which is the one Parley starts. A file always has
// one after a successful Parse.
func (d *Definitions) Main() *Process {
	for _, p := range d.Processes {
		if p.Executable {
			return p
		}
	}
	return nil
}

// Process is one executable process: a graph of elements joined by sequence flows.
type Process struct {
	ID         string
	Name       string
	Executable bool
	// Elements holds every flow node by id, boundary events included.
	Elements map[string]*Element
	// Flows holds every sequence flow by id. Flows written without an id get a generated one
	// ("flow_<source>_<target>"), so that an engine can always name where a token is.
	Flows map[string]*Flow
	// ElementOrder and FlowOrder list the same values in document order, for deterministic walks.
	ElementOrder []*Element
	FlowOrder    []*Flow
	// Start is the none start event where manual and automatic starts begin; nil when the
	// process starts only by message or timer start events.
	Start *Element
	// EventSubs are the event sub-processes drawn directly in the process (not inside a
	// sub-process); their start events listen while the instance runs.
	EventSubs []*Element
	// Starts lists every start event, none, message and timer, in document order.
	Starts []*Element
}

// Kind is what an element does when a token reaches it.
type Kind string

// The kinds of the supported subset. Everything else is refused by Parse.
const (
	KindStart            Kind = "start"            // none start event
	KindEndNone          Kind = "endNone"          // none end event: the token ends
	KindEndTerminate     Kind = "endTerminate"     // terminate end event: the instance ends
	KindTask             Kind = "task"             // plain task: passes the token on at once
	KindUserTask         Kind = "userTask"         // waits for a person to complete it
	KindServiceTask      Kind = "serviceTask"      // runs a built-in action or waits for an outside worker
	KindScriptTask       Kind = "scriptTask"       // evaluates assignments, then passes on
	KindExclusiveGateway Kind = "exclusiveGateway" // takes the first true condition, else the default
	KindParallelGateway  Kind = "parallelGateway"  // forks to every outgoing flow; joins all incoming
	KindTimerCatch       Kind = "timerCatch"       // waits until a duration has passed or a date is reached
	KindMessageCatch     Kind = "messageCatch"     // waits for a message (see MessageWait)
	KindReceiveTask      Kind = "receiveTask"      // waits for a message, as an activity that may carry boundary events
	KindBoundaryTimer    Kind = "boundaryTimer"    // timer on a user, service or receive task
	KindBoundaryMessage  Kind = "boundaryMessage"  // message on a user, service or receive task
	KindEventGateway     Kind = "eventGateway"     // waits on the catch events after it; the first to fire wins
	KindInclusiveGateway Kind = "inclusiveGateway" // forks to every true condition; joins what can still arrive
	KindLinkThrow        Kind = "linkThrow"        // link throw event: the token jumps to the catch of its name
	KindLinkCatch        Kind = "linkCatch"        // link catch event: where a link throw's token goes on
	KindMessageStart     Kind = "messageStart"     // message start event: a published message starts an instance
	KindTimerStart       Kind = "timerStart"       // timer start event: instances start on a schedule
	KindCallActivity     Kind = "callActivity"     // starts an instance of another process and waits for it

	// kindRefused marks an element that Parse has already reported as unsupported. It only
	// exists while checking, so that flows to it resolve and do not cause a second problem.
	kindRefused Kind = "refused"
)

// IsEnd reports whether a token that reaches an element of this kind is consumed.
func (k Kind) IsEnd() bool {
	return k == KindEndNone || k == KindEndTerminate || k == KindEndError || k == KindEndEscalation
}

// IsBoundary reports whether an element of this kind sits on an activity's border.
func (k Kind) IsBoundary() bool {
	return k == KindBoundaryTimer || k == KindBoundaryMessage || k == KindBoundaryError || k == KindBoundaryEscalation
}

// Element is one flow node of a process.
type Element struct {
	ID   string
	Name string
	Kind Kind
	// Tag is the BPMN element name as written (for example intermediateCatchEvent), for messages.
	Tag string
	// Documentation is the text of the element's documentation children, for task inboxes.
	Documentation string
	// Incoming and Outgoing are in the document order of the sequence flows, which is also the
	// order in which an exclusive gateway tries its conditions.
	Incoming []*Flow
	Outgoing []*Flow
	// Default is the flow an exclusive gateway takes when no condition is true; it is also in
	// Outgoing. Nil when there is none.
	Default *Flow
	// AttachedTo is the id of the activity a boundary event sits on.
	AttachedTo string
	// Interrupting is true for a boundary event that cancels its activity; a non-interrupting
	// one starts a second token beside the activity's, which keeps waiting.
	Interrupting bool
	// Boundaries lists the boundary events attached to this activity, so that an engine can arm
	// them when the activity starts and disarm them when it ends.
	Boundaries []*Element

	// The configuration that belongs to the kind; nil for other kinds.
	Timer   *Timer       // timerCatch, boundaryTimer
	Service *ServiceTask // serviceTask
	User    *UserTask    // userTask
	Script  *Script      // scriptTask
	Message *MessageWait // messageCatch, receiveTask, boundaryMessage
	Error   *ErrorEvent  // endError, boundaryError
	// Escalation is what a throwEscalation or endEscalation element raises, or what an
	// escalation boundary event or event sub-process start catches (empty code: any).
	Escalation *Escalation

	// Parent is the id of the sub-process (embedded or event) the element is drawn in; empty
	// for an element of the process itself.
	Parent string
	// Start is, on a sub-process, its single none start event; on an event sub-process, the
	// start event that triggers it.
	Start *Element `json:"-"`
	// EventSubs are, on a sub-process, the event sub-processes drawn directly inside it.
	EventSubs []*Element `json:"-"`
	// Link is the name of a link event; LinkTo is the catch event a link throw jumps to.
	Link   string
	LinkTo *Element `json:"-"`
	// Loop makes the activity multi-instance (multiInstanceLoopCharacteristics); nil otherwise.
	Loop *Loop
	// IO is the element's zeebe:ioMapping; nil when it has none.
	IO   *IOMapping
	Call *CallActivity // callActivity
}

// Flow is a sequence flow.
type Flow struct {
	ID     string
	Name   string
	Source string
	Target string
	// Condition is the flow's condition translated to expr-lang syntax; empty when the flow has
	// none. ConditionRaw is the text as written and Dialect the language it was written in.
	Condition    string
	ConditionRaw string
	Dialect      Dialect
	// From and To are the elements at both ends, set by Parse.
	From *Element `json:"-"`
	To   *Element `json:"-"`
}

// Timer is the definition of a timer event. Exactly one of Duration, Date and Cycle is set.
type Timer struct {
	// Duration is an ISO 8601 duration such as PT5M or P1M, as written.
	Duration string
	// Date is an RFC 3339 time such as 2030-01-01T09:00:00Z, as written.
	Date string
	// Cycle is an ISO 8601 repetition such as R3/PT1H (three times, an hour apart) or R/PT1H
	// (until the activity ends), optionally with a start date (R3/2030-01-01T10:00:00Z/PT1H), as
	// written. Only a timer start event, a non-interrupting boundary timer or event sub-process
	// start accepts one: on any other timer a repetition could never happen.
	Cycle string

	duration Duration
	date     time.Time
	start    time.Time // a cycle's start date: the firings are start, start+period, …
	repeat   int
	cron     cron.Schedule // a timer start event's cron cycle, such as 0 0 9 * * MON-FRI
}

// Repetitions is how many times a cycle fires: 1 for a duration or a date, 0 for a cycle
// without a bound (R/PT1H), which fires until its activity ends.
func (t *Timer) Repetitions() int {
	if t.Cycle == "" {
		return 1
	}
	return t.repeat
}

// Due returns when a timer that starts at from fires. A date in the past is returned as is; the
// engine fires such a timer at once.
func (t *Timer) Due(from time.Time) time.Time {
	if t.Date != "" {
		return t.date
	}
	if t.cron != nil {
		return t.cron.Next(from.UTC())
	}
	if !t.start.IsZero() {
		return t.nextOnGrid(from)
	}
	return t.duration.AddTo(from)
}

// nextOnGrid returns the first firing of a cycle with a start date that is after from: the start
// itself while it is ahead, else start plus the fewest whole periods that pass from. A start in
// the past thus keeps its times of day (a daily cycle from 10:00 fires at 10:00), as Camunda
// computes it, rather than firing at once for a date already gone. Each candidate is the start
// plus k periods, not k additions of one, so that P1M from January 31 gives March 31, not 28.
func (t *Timer) nextOnGrid(from time.Time) time.Time {
	if from.Before(t.start) {
		return t.start
	}
	at := func(k int) time.Time {
		d := t.duration
		return Duration{Years: d.Years * k, Months: d.Months * k, Weeks: d.Weeks * k, Days: d.Days * k, Clock: d.Clock * time.Duration(k)}.AddTo(t.start)
	}
	// Guess k from the length of the first period, then correct it: calendar periods vary a
	// little in length, so the guess is close but may be off either way.
	k := int(from.Sub(t.start) / at(1).Sub(t.start))
	for k > 0 && at(k).After(from) {
		k--
	}
	for !at(k).After(from) {
		k++
	}
	return at(k)
}
