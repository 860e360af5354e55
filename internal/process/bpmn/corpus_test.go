package bpmn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmntest"
)

// corpusCase is the import outcome MANIFEST.md gives for one file: either the elements where an
// instance started with no inputs first waits (id → kind; a gateway listed here is where it
// stops with an error), or the ids the refusal must name with a phrase it must contain.
type corpusCase struct {
	waits   map[string]Kind
	refused []string
	phrase  string
	check   func(t *testing.T, d *Definitions)
}

var corpus = map[string]corpusCase{
	"start-end-none.bpmn": {waits: map[string]Kind{}},
	"service-task-single.bpmn": {waits: map[string]Kind{"Activity_1yyow37": KindServiceTask},
		check: func(t *testing.T, d *Definitions) { wantService(t, d, "Activity_1yyow37", "TestType", 0) }},
	"service-tasks-two-steps.bpmn": {waits: map[string]Kind{"id-step1": KindServiceTask},
		check: func(t *testing.T, d *Definitions) {
			wantService(t, d, "id-step1", "type-step-1", 3)
			wantService(t, d, "id-step2", "type-step-2", 1)
		}},
	"task-none-not-executable.bpmn": {refused: []string{"Definitions_1"}, phrase: "no executable process"},
	"exclusive-gateway-feel-default.bpmn": {waits: map[string]Kind{"task-default": KindServiceTask},
		check: checkFEELGateway},
	"exclusive-gateway-juel-no-default.bpmn": {waits: map[string]Kind{"exclusiveGw": KindExclusiveGateway},
		check: checkJUELGateway},
	"inclusive-gateway-plain-conditions.bpmn": {waits: map[string]Kind{"Gateway_01wr5g0": KindInclusiveGateway},
		check: checkInclusiveGateway},
	"parallel-fork-join-service-tasks.bpmn": {waits: map[string]Kind{"id-a-1": KindServiceTask, "id-a-2": KindServiceTask},
		check: checkForkJoin},
	"parallel-user-tasks-assignment.bpmn": {waits: map[string]Kind{"assignee-task1": KindUserTask, "assignee-task2": KindUserTask},
		check: checkParallelUsers},
	"parallel-fork-implicit-join-missing-type.bpmn": {refused: []string{"id-a-1", "id-b-1"}, phrase: "no task type"},
	"timer-catch-parallel-terminate.bpmn": {waits: map[string]Kind{"Activity_InvokeDummyWorker": KindServiceTask, "TimerEvent_Wait30d": KindTimerCatch},
		check: checkTimers},
	"event-based-gateway-timer-message.bpmn": {waits: map[string]Kind{"Gateway_05yj0i5": KindEventGateway},
		check: checkEventGateway},
	"message-catch-simple.bpmn":     {waits: map[string]Kind{"msg": KindMessageCatch}, check: checkCorrelatedMessage},
	"user-task-boundary-timer.bpmn": {waits: map[string]Kind{"firstLineSupport": KindUserTask}, check: checkBoundaryTimer},
	"complex-gateway-only.bpmn":     {refused: []string{"Gateway"}, phrase: "element complexGateway (Gateway) is not supported"},
	"transaction-compensation-cancel.bpmn": {refused: []string{"tx", "bookHotel", "compensateBookHotelEvt", "undoBookHotel", "failure", "catchCancelTx", "afterCancellation"},
		phrase: "element transaction (tx) is not supported"},
	"event-subprocess-error.bpmn":            {waits: map[string]Kind{"error-task": KindServiceTask}, check: checkErrorEventSubs},
	"multi-instance-parallel-user-task.bpmn": {waits: map[string]Kind{"miTasks": KindUserTask}, check: checkComputedAssignee},
	"script-task-juel.bpmn": {refused: []string{"theScriptTaskWithExistingProcessVariableName", "theScriptTaskWithNewProcessVariableName", "theScriptTaskWithNoResultVariable"},
		phrase: "scriptFormat juel"},
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(bpmntest.Dir(t), "*.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, ok := corpus[name]
			if !ok {
				t.Fatalf("no expectation for %s; add its MANIFEST outcome to the corpus table", name)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			runCorpusCase(t, data, c)
		})
	}
	for name := range corpus {
		if !seen[name] {
			t.Errorf("%s is expected in the corpus but missing", name)
		}
	}
}

func runCorpusCase(t *testing.T, data []byte, c corpusCase) {
	d, err := Parse(data)
	if c.refused != nil {
		wantRefused(t, err, c.phrase, c.refused...)
		return
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if string(d.Raw) != string(data) {
		t.Error("Raw is not the input")
	}
	if got := firstWaits(d.Main()); !equalKinds(got, c.waits) {
		t.Errorf("first waits = %v, want %v", got, c.waits)
	}
	if c.check != nil {
		c.check(t, d)
	}
}

// wantRefused checks that err is an invalid errs.List error naming every id as a Field and
// containing the phrase.
func wantRefused(t *testing.T, err error, phrase string, ids ...string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("want an invalid error, got %v", err)
	}
	if !strings.Contains(e.Message, phrase) {
		t.Errorf("error %q does not contain %q", e.Message, phrase)
	}
	fields := map[string]bool{}
	if ps, ok := e.Details["problems"].([]errs.Problem); ok {
		for _, p := range ps {
			fields[p.Field] = true
		}
	}
	for _, id := range ids {
		if !fields[id] {
			t.Errorf("no problem names %s: %v", id, e.Message)
		}
	}
}

// firstWaits walks a process as an engine would with no inputs and no completions, and returns
// where tokens first stop: wait states, and exclusive and inclusive gateways that have no default (there the
// engine must stop with an error, since no condition can be true without variables).
func firstWaits(p *Process) map[string]Kind {
	got := map[string]Kind{}
	var visit func(e *Element)
	visited := map[*Element]bool{}
	visit = func(e *Element) {
		if visited[e] {
			return
		}
		visited[e] = true
		switch e.Kind {
		case KindUserTask, KindServiceTask, KindTimerCatch, KindMessageCatch, KindEventGateway:
			got[e.ID] = e.Kind
		case KindExclusiveGateway, KindInclusiveGateway:
			if e.Default == nil {
				got[e.ID] = e.Kind
				return
			}
			visit(e.Default.To)
		default:
			for _, f := range e.Outgoing {
				visit(f.To)
			}
		}
	}
	visit(p.Start)
	return got
}

func equalKinds(a, b map[string]Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func element(t *testing.T, d *Definitions, id string) *Element {
	t.Helper()
	e := d.Main().Elements[id]
	if e == nil {
		t.Fatalf("no element %s", id)
	}
	return e
}

func wantService(t *testing.T, d *Definitions, id, typ string, retries int) {
	t.Helper()
	s := element(t, d, id).Service
	if s == nil || s.Type != typ || s.Retries != retries || !s.External() {
		t.Errorf("%s: service = %+v, want external type %s retries %d", id, s, typ, retries)
	}
}

func checkFEELGateway(t *testing.T, d *Definitions) {
	gw := element(t, d, "Gateway_01wr5g0")
	var got []string
	for _, f := range gw.Outgoing {
		got = append(got, f.ID+":"+unwrapFEEL(f.Condition))
	}
	want := "price-gt-zero:price >= 0,price-eq-zero:price = 0,Flow_0hei4kw:"
	if strings.Join(got, ",") != want || gw.Default == nil || gw.Default.ID != "Flow_0hei4kw" {
		t.Errorf("outgoing = %v default %v, want %s", got, gw.Default, want)
	}
	if f := d.Main().Flows["price-eq-zero"]; f.Dialect != DialectFEEL || f.ConditionRaw != "=price = 0" {
		t.Errorf("price-eq-zero = %+v", f)
	}
	if len(d.Diagram.Edges["price-gt-zero"].Waypoints) != 3 || d.Diagram.Edges["price-gt-zero"].Label == nil {
		t.Errorf("DI edge = %+v", d.Diagram.Edges["price-gt-zero"])
	}
	if s := d.Diagram.Shapes["Gateway_01wr5g0"]; s.Bounds != (Bounds{285, 215, 50, 50}) || !s.MarkerVisible {
		t.Errorf("DI shape = %+v", s)
	}
}

// checkJUELGateway: the Camunda 7 file has no incoming/outgoing children, so the graph must come
// from the flows' sourceRef and targetRef alone.
func checkJUELGateway(t *testing.T, d *Definitions) {
	gw := element(t, d, "exclusiveGw")
	var got []string
	for _, f := range gw.Outgoing {
		got = append(got, f.ID+":"+f.Condition)
	}
	if want := "flow2:input == 1,flow3:input == 2,flow4:input == 3"; strings.Join(got, ",") != want {
		t.Errorf("outgoing = %v, want %s", got, want)
	}
	if gw.Default != nil || len(element(t, d, "theEnd").Incoming) != 3 {
		t.Errorf("default %v, end incoming %d", gw.Default, len(element(t, d, "theEnd").Incoming))
	}
}

// checkInclusiveGateway: MANIFEST #7, two plain conditions and no default flow.
func checkInclusiveGateway(t *testing.T, d *Definitions) {
	gw := element(t, d, "Gateway_01wr5g0")
	var got []string
	for _, f := range gw.Outgoing {
		got = append(got, f.ID+":"+f.Condition)
	}
	if want := "price-gt-zero:price > 0,price-lt-zero:price < 0"; strings.Join(got, ",") != want || gw.Default != nil {
		t.Errorf("outgoing = %v, default %v; want %s and none", got, gw.Default, want)
	}
}

func checkForkJoin(t *testing.T, d *Definitions) {
	join := element(t, d, "Gateway_0sua9mg")
	if join.Kind != KindParallelGateway || len(join.Incoming) != 2 || join.Outgoing[0].Target != "id-b-1" {
		t.Errorf("join = %+v", join)
	}
	wantService(t, d, "id-b-1", "task", 0)
}

func checkParallelUsers(t *testing.T, d *Definitions) {
	for _, id := range []string{"assignee-task1", "assignee-task2", "assignee-task3", "assignee-task4"} {
		if u := element(t, d, id).User; u == nil || u.Assignee.User != "assignee" {
			t.Errorf("%s: user task = %+v", id, u)
		}
	}
}

// checkComputedAssignee: the Camunda 7 template kermit_${loopCounter} computes a login per
// inner instance, joining the text and the counter's value counted from 0, as Camunda 7 counts.
func checkComputedAssignee(t *testing.T, d *Definitions) {
	a := element(t, d, "miTasks").User.Assignee
	if a.Expression != `"kermit_" + string((loopCounter - 1))` || a.ExpressionRaw != "kermit_${loopCounter}" || a.User != "" || a.UserVariable != "" {
		t.Errorf("assignee = %+v", a)
	}
}

func checkTimers(t *testing.T, d *Definitions) {
	wantService(t, d, "Activity_InvokeDummyWorker", "SimpleLog01", 0)
	for id, want := range map[string]string{"TimerEvent_Wait30d": "P30D", "TimerEvent_Wait1s": "PT1S"} {
		if tm := element(t, d, id).Timer; tm == nil || tm.Duration != want {
			t.Errorf("%s: timer = %+v, want %s", id, tm, want)
		}
	}
	for _, id := range []string{"EndEvent_FastFlow", "EndEvent_SlowFlow"} {
		if k := element(t, d, id).Kind; k != KindEndTerminate {
			t.Errorf("%s: kind %s", id, k)
		}
	}
}

// checkCorrelatedMessage: Parley reads the Zeebe subscription as a correlated wait; the key must
// be evaluated on arrival and an undefined variable must fail instead of waiting on "".
func checkCorrelatedMessage(t *testing.T, d *Definitions) {
	m := element(t, d, "msg").Message
	if m == nil || m.Name != "msg" || m.CorrelationKey != "key" || m.CorrelationKeyRaw != "=key" {
		t.Fatalf("message = %+v", m)
	}
	if _, err := m.Key(nil); err == nil {
		t.Error("an undefined key must be an error")
	}
	if _, err := m.Key(""); err == nil {
		t.Error("an empty key must be an error")
	}
	if k, err := m.Key("abc"); err != nil || k != "abc" {
		t.Errorf("Key(abc) = %q, %v", k, err)
	}
	ex := d.Main().Expressions()
	if len(ex) != 1 || ex[0].Use != UseCorrelationKey || ex[0].Element != "msg" {
		t.Errorf("expressions = %+v", ex)
	}
}

func checkEventGateway(t *testing.T, d *Definitions) {
	gw := element(t, d, "Gateway_05yj0i5")
	kinds := map[Kind]int{}
	for _, f := range gw.Outgoing {
		kinds[f.To.Kind]++
	}
	if len(gw.Outgoing) != 2 || kinds[KindTimerCatch] != 1 || kinds[KindMessageCatch] != 1 {
		t.Errorf("the gateway leads to %v", kinds)
	}
	if m := element(t, d, "message").Message; m == nil || m.Name != "message" || m.CorrelationKey != "message" {
		t.Errorf("message = %+v", m)
	}
}

func checkBoundaryTimer(t *testing.T, d *Definitions) {
	task := element(t, d, "firstLineSupport")
	if task.User.Assignee.User != "kermit" || task.Documentation != "Fix issue raised by customer" {
		t.Errorf("task = %+v", task.User)
	}
	if len(task.Boundaries) != 1 || task.Boundaries[0].ID != "escalationTimer" {
		t.Fatalf("boundaries = %v", task.Boundaries)
	}
	b := task.Boundaries[0]
	if b.Kind != KindBoundaryTimer || !b.Interrupting || b.AttachedTo != "firstLineSupport" || b.Timer.Duration != "PT5M" {
		t.Errorf("boundary = %+v", b)
	}
	if b.Outgoing[0].Target != "handleEscalation" {
		t.Errorf("boundary leads to %s", b.Outgoing[0].Target)
	}
	groups := element(t, d, "handleEscalation").User.Assignee.Groups
	if len(groups) != 1 || groups[0] != "management" {
		t.Errorf("groups = %v", groups)
	}
}

// checkErrorEventSubs: the two event sub-processes of #21 listen at the process level, one for
// the code error1 and one for any error, and their content is read with them.
func checkErrorEventSubs(t *testing.T, d *Definitions) {
	p := d.Main()
	if len(p.EventSubs) != 2 || p.EventSubs[0].ID != "error-sub-process" || p.EventSubs[1].ID != "Activity_10k4633" {
		t.Fatalf("event subs = %v", p.EventSubs)
	}
	one, all := p.EventSubs[0].Start, p.EventSubs[1].Start
	if one.Kind != KindEventStart || one.Error.Code != "error1" || !one.Interrupting || all.Error.Code != "" {
		t.Errorf("starts = %+v %+v", one.Error, all.Error)
	}
	if h := element(t, d, "error1-handler"); h.Parent != "error-sub-process" || h.Kind != KindServiceTask {
		t.Errorf("handler = %+v", h)
	}
}
