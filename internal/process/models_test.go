package process

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// supportedKinds is every element kind the engine runs (docs/bpmn.md, "Supported subset").
// Add a kind here when the engine learns one; TestOwnModelsCoverEveryElement then asks for a
// model of it in this repository.
var supportedKinds = []bpmn.Kind{
	bpmn.KindStart, bpmn.KindEndNone, bpmn.KindEndTerminate, bpmn.KindTask, bpmn.KindUserTask,
	bpmn.KindServiceTask, bpmn.KindScriptTask, bpmn.KindExclusiveGateway, bpmn.KindParallelGateway,
	bpmn.KindTimerCatch, bpmn.KindMessageCatch, bpmn.KindBoundaryTimer, bpmn.KindBoundaryMessage, bpmn.KindEventGateway,
	bpmn.KindReceiveTask, bpmn.KindEndError, bpmn.KindBoundaryError, bpmn.KindThrowEscalation, bpmn.KindEndEscalation,
	bpmn.KindSubProcess, bpmn.KindEventSubProcess, bpmn.KindEventStart, bpmn.KindBoundaryEscalation,
	bpmn.KindInclusiveGateway, bpmn.KindLinkThrow, bpmn.KindLinkCatch, bpmn.KindMessageStart, bpmn.KindTimerStart,
}

// TestOwnModelsCoverEveryElement keeps the engine tested without the public corpus: the
// models this repository holds (the element table and testdata/) use every supported kind.
func TestOwnModelsCoverEveryElement(t *testing.T) {
	var models []string
	for _, c := range elementCases {
		models = append(models, diagram(c.body))
	}
	files, err := filepath.Glob("testdata/*.bpmn")
	if err != nil || len(files) == 0 {
		t.Fatalf("no models in testdata: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, string(data))
	}
	seen := map[bpmn.Kind]bool{}
	for _, m := range models {
		d, err := bpmn.Parse([]byte(m))
		if err != nil {
			t.Fatalf("a model of the repository does not parse: %v", err)
		}
		for _, e := range d.Main().Elements {
			seen[e.Kind] = true
		}
	}
	for _, k := range supportedKinds {
		if !seen[k] {
			t.Errorf("no model in this repository has a %s element", k)
		}
	}
}

// TestHelpdeskEscalation runs testdata/helpdesk-escalation.bpmn both ways: a request answered
// in time waits for the customer's callback with its ticket number; a late one is escalated
// by the boundary timer, which cancels the first task.
func TestHelpdeskEscalation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/helpdesk-escalation.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		support := e.user("support")
		manager := e.user("boss", "managers")
		e.deploy("helpdesk", string(data), variable("ticket", "string"))
		ticket := func(s string) map[string]value.Value {
			return map[string]value.Value{"ticket": v(typ("string"), `"`+s+`"`)}
		}
		inTime := e.start("helpdesk", ticket("T-1"), "")
		late := e.start("helpdesk", ticket("T-2"), "")

		e.completeTaskAt(support, inTime.ID, "Task_Answer", nil)
		if got := active(e.instance(inTime.ID)); got != "Catch_Callback:message" {
			t.Fatalf("after the answer: %q", got)
		}
		if n, err := e.publishCount(e.admin, Message{Name: "callback", CorrelationKey: "T-2"}); err != nil || n != 0 {
			t.Fatalf("a callback for another ticket reached %d instances (%v)", n, err)
		}
		if n, err := e.publishCount(e.admin, Message{Name: "callback", CorrelationKey: "T-1"}); err != nil || n != 1 {
			t.Fatalf("callback: %d, %v", n, err)
		}
		e.wantEnded(inTime.ID, "Task_Answer completed", "Catch_Callback completed", "End_Answered completed")

		e.fireOneTimer(5*time.Minute+time.Second, late.ID, "Task_Escalate:task")
		e.completeTaskAt(manager, late.ID, "Task_Escalate", nil)
		e.wantEnded(late.ID, "Task_Answer cancelled", "Timer_Late fired", "Task_Escalate completed", "End_Escalated completed")
	})
}
