package process

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// instancesOf lists the ids of a process's instances, oldest first.
func (e *env) instancesOf(code string) []string {
	e.t.Helper()
	var ids []string
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT id FROM process_instances WHERE code = ? ORDER BY created_at, id", code)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// orderStart has a none start event for manual starts and a message start event "order"
// whose text goes into note.
const orderStart = `<bpmn:startEvent id="byMessage"><bpmn:extensionElements><parley:message variable="note"/></bpmn:extensionElements>
	<bpmn:messageEventDefinition messageRef="Msg_order"/></bpmn:startEvent>
	<bpmn:userTask id="handle"/><bpmn:endEvent id="end"/>` + `<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle"/>` +
	`<bpmn:sequenceFlow id="f2" sourceRef="byMessage" targetRef="handle"/><bpmn:sequenceFlow id="f3" sourceRef="handle" targetRef="end"/>`

// withMessage declares the bpmn:message an orderStart-like body refers to.
func withMessage(xml, id, name string) string {
	return strings.Replace(xml, `<bpmn:process `, `<bpmn:message id="`+id+`" name="`+name+`"/><bpmn:process `, 1)
}

func TestMessageStartEvent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("orders", withMessage(diagram(orderStart), "Msg_order", "order"), variable("amount", "integer"), variable("note", "string"))
		msg := Message{Name: "order", Text: "two boxes", Variables: map[string]json.RawMessage{"amount": json.RawMessage("5")}, TTL: "PT1H", MessageID: "o-1"}
		res, err := e.svc.PublishMessage(e.admin, msg)
		if err != nil || res.Started != 1 || res.Buffered || res.Duplicate {
			t.Fatalf("first publish: %+v, %v", res, err)
		}
		ids := e.instancesOf("orders")
		if len(ids) != 1 {
			t.Fatalf("instances: %v", ids)
		}
		inst := e.instance(ids[0])
		if inst.Trigger.Kind != TriggerMessage || inst.SessionID != "" || active(inst) != "handle:task" ||
			inst.Variables["amount"].String() != "5" || inst.Variables["note"].String() != "two boxes" {
			t.Fatalf("instance: %+v %q", inst.Trigger, active(inst))
		}
		e.wantSteps(inst, "byMessage started", "byMessage completed")

		// The same message_id within its ttl starts nothing; another one starts another.
		if res, err := e.svc.PublishMessage(e.admin, msg); err != nil || !res.Duplicate || res.Started != 0 {
			t.Fatalf("repeat: %+v, %v", res, err)
		}
		msg.MessageID = "o-2"
		if res, err := e.svc.PublishMessage(e.admin, msg); err != nil || res.Started != 1 {
			t.Fatalf("second: %+v, %v", res, err)
		}
		// Variables are typed: a wrong type or an unknown name is refused, naming it, and
		// starts nothing.
		msg.MessageID = "o-3"
		msg.Variables = map[string]json.RawMessage{"amount": json.RawMessage(`"five"`)}
		if _, err := e.svc.PublishMessage(e.admin, msg); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "amount") {
			t.Fatalf("wrong type: %v", err)
		}
		msg.Variables = map[string]json.RawMessage{"zzz": json.RawMessage(`1`)}
		if _, err := e.svc.PublishMessage(e.admin, msg); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "zzz") {
			t.Fatalf("unknown variable: %v", err)
		}
		// The none start event still starts instances by hand.
		if inst := e.start("orders", nil, ""); active(inst) != "handle:task" {
			t.Fatalf("manual start: %q", active(inst))
		}
		if n := len(e.instancesOf("orders")); n != 3 {
			t.Fatalf("%d instances, want 3", n)
		}
		// Unpublished, the process starts on no message; a message without a key then has
		// nothing to do and is refused, naming correlation_key.
		if _, err := e.svc.Unpublish(e.admin, "orders"); err != nil {
			t.Fatal(err)
		}
		msg.MessageID, msg.Variables = "o-4", nil
		if _, err := e.svc.PublishMessage(e.admin, msg); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "correlation_key") {
			t.Fatalf("after unpublish: %v", err)
		}
	})
}

func TestProcessWithOnlyAMessageStart(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := strings.Replace(diagram(`<bpmn:userTask id="handle"/><bpmn:endEvent id="end"/>`+chain("start", "handle", "end")),
			`<bpmn:startEvent id="start"/>`, `<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="M"/></bpmn:startEvent>`, 1)
		e.deploy("inbound", withMessage(body, "M", "lead"))
		if _, err := e.tryStart("inbound", nil, ""); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "no none start event") {
			t.Fatalf("manual start: %v", err)
		}
		// A message with a correlation key both reaches waits and starts processes.
		res, err := e.svc.PublishMessage(e.admin, Message{Name: "lead", CorrelationKey: "k"})
		if err != nil || res.Started != 1 || res.Delivered != 0 {
			t.Fatalf("publish: %+v %v", res, err)
		}
	})
}

// timerStart is a process started every hour, three times, with a none start too.
func timerStart(def string) string {
	return diagram(`<bpmn:startEvent id="tick"><bpmn:timerEventDefinition>` + def + `</bpmn:timerEventDefinition></bpmn:startEvent>
		<bpmn:userTask id="work"/><bpmn:endEvent id="end"/>` + chain("start", "work", "end") + chain("tick", "work"))
}

func TestTimerStartCycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("hourly", timerStart(`<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>`))
		e.clock.Advance(59 * time.Minute)
		if n := e.runJobs(); n != 0 || len(e.instancesOf("hourly")) != 0 {
			t.Fatalf("fired early: %d", n)
		}
		for i := 1; i <= 3; i++ {
			e.clock.Advance(time.Hour)
			e.runJobs()
			e.runJobs()
			if ids := e.instancesOf("hourly"); len(ids) != i {
				t.Fatalf("after %d hours: %d instances", i, len(ids))
			}
		}
		ids := e.instancesOf("hourly")
		inst := e.instance(ids[0])
		if inst.Trigger.Kind != TriggerTimer || inst.SessionID != "" || active(inst) != "work:task" {
			t.Fatalf("instance: %+v %q", inst.Trigger, active(inst))
		}
		e.clock.Advance(10 * time.Hour)
		e.runJobs()
		if n := len(e.instancesOf("hourly")); n != 3 {
			t.Fatalf("R3 started %d instances", n)
		}
	})
}

// TestTimerStartCycleWithStartDate: a cycle with a start date starts nothing before that date,
// then an instance at the date and one each period after it, up to the count.
func TestTimerStartCycleWithStartDate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("launch", timerStart(`<bpmn:timeCycle>R2/2026-01-02T10:00:00Z/PT1H</bpmn:timeCycle>`))
		count := func(at string, want int) {
			t.Helper()
			when, _ := time.Parse(time.RFC3339, at)
			e.clock.Set(when)
			e.runJobs()
			e.runJobs()
			if n := len(e.instancesOf("launch")); n != want {
				t.Fatalf("at %s: %d instances, want %d", at, n, want)
			}
		}
		count("2026-01-02T09:59:59Z", 0)
		count("2026-01-02T10:00:00Z", 1)
		count("2026-01-02T10:59:00Z", 1)
		count("2026-01-02T11:00:00Z", 2)
		count("2026-01-03T11:00:00Z", 2)
	})
}

// A new version's schedule replaces the old one; unpublishing stops it.
func TestTimerStartReplacedOnPublish(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("daily", timerStart(`<bpmn:timeCycle>R/P1D</bpmn:timeCycle>`))
		e.clock.Advance(12 * time.Hour)
		xml := timerStart(`<bpmn:timeDuration>PT30M</bpmn:timeDuration>`)
		if _, err := e.svc.UpdateDraft(e.admin, "daily", Draft{Code: "daily", Name: "daily", BPMN: xml}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Publish(e.admin, "daily"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(31 * time.Minute)
		e.runJobs()
		ids := e.instancesOf("daily")
		if len(ids) != 1 || e.instance(ids[0]).Version != 2 {
			t.Fatalf("after 30 minutes: %v", ids)
		}
		// The duration fires once; the first version's daily cycle is gone.
		e.clock.Advance(3 * 24 * time.Hour)
		e.runJobs()
		if n := len(e.instancesOf("daily")); n != 1 {
			t.Fatalf("%d instances after three days", n)
		}
		e.deploy("dated", timerStart(`<bpmn:timeDate>2020-01-01T00:00:00Z</bpmn:timeDate>`))
		if _, err := e.svc.Unpublish(e.admin, "dated"); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		if n := len(e.instancesOf("dated")); n != 0 {
			t.Fatalf("an unpublished process started %d instances", n)
		}
	})
}

// Two nodes' workers fire the same due timer start at once: exactly one instance starts.
func TestTimerStartExactlyOnceAcrossNodes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("once", timerStart(`<bpmn:timeDate>2020-01-01T00:00:00Z</bpmn:timeDate>`))
		other := New(e.db, Deps{Chat: e.chat}, Options{})
		var wg sync.WaitGroup
		for _, svc := range []*Service{e.svc, other, e.svc, other} {
			wg.Add(1)
			go func(svc *Service) {
				defer wg.Done()
				if _, err := svc.RunDueJobs(context.Background()); err != nil {
					t.Error(err)
				}
			}(svc)
		}
		wg.Wait()
		if n := len(e.instancesOf("once")); n != 1 {
			t.Fatalf("%d instances, want exactly 1", n)
		}
	})
}

// A cron cycle, as Zeebe writes one (seconds first), fires at its wall-clock times in UTC.
func TestTimerStartCron(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC)) // a Friday
		e.deploy("weekdays", timerStart(`<bpmn:timeCycle>0 0 9 * * MON-FRI</bpmn:timeCycle>`))
		for _, c := range []struct {
			at   time.Time
			want int
		}{
			{time.Date(2026, 3, 6, 8, 59, 0, 0, time.UTC), 0},
			{time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC), 1},
			{time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), 1}, // the weekend
			{time.Date(2026, 3, 9, 9, 0, 1, 0, time.UTC), 2},
		} {
			e.clock.Set(c.at)
			e.runJobs()
			if n := len(e.instancesOf("weekdays")); n != c.want {
				t.Fatalf("at %s: %d instances, want %d", c.at, n, c.want)
			}
		}
	})
}

// TestOrderIntake runs testdata/order-intake.bpmn: an order message starts it with its
// options, registering splits into a warehouse notice and the inclusive choice of shipping
// tasks, whose join waits for exactly the tasks chosen before the link leads to invoicing.
// The nightly timer starts it too, with no options: the standard shipping.
func TestOrderIntake(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/order-intake.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		e.deploy("intake", string(data), variable("express", "boolean"), variable("gift", "boolean"), variable("note", "string"))
		res, err := e.svc.PublishMessage(e.admin, Message{Name: "order_placed", Text: "ring twice",
			Variables: map[string]json.RawMessage{"express": json.RawMessage("true"), "gift": json.RawMessage("true")}})
		if err != nil || res.Started != 1 {
			t.Fatalf("publish: %+v %v", res, err)
		}
		id := e.instancesOf("intake")[0]
		if got := active(e.instance(id)); got != "Task_Express:task Task_Gift:task" {
			t.Fatalf("after the order: %q\n%s", got, trail(e.instance(id)))
		}
		e.completeTaskAt(e.admin, id, "Task_Gift", nil)
		if got := active(e.instance(id)); got != "Gateway_Done:join Task_Express:task" {
			t.Fatalf("after the gift: %q", got)
		}
		e.completeTaskAt(e.admin, id, "Task_Express", nil)
		e.completeTaskAt(e.admin, id, "Task_Invoice", nil)
		e.wantEnded(id, "Start_Order started", "Task_Register took", "Task_Notify completed", "End_Notified completed",
			"Gateway_Done joined", "Link_ToInvoice completed", "Link_Invoice completed", "End_Invoiced completed")
		if note := e.instance(id).Variables["note"].String(); note != "ring twice" {
			t.Fatalf("note = %q", note)
		}

		e.clock.Set(time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC))
		e.runJobs()
		ids := e.instancesOf("intake")
		if len(ids) != 2 || active(e.instance(ids[1])) != "Task_Standard:task" {
			t.Fatalf("the nightly start: %v", ids)
		}
	})
}

// The same message published at once from several clients (a retried request, two nodes)
// starts one instance: its message_id is stored in the transaction that starts it.
func TestMessageStartOnceUnderConcurrentPublishes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("orders", withMessage(diagram(orderStart), "Msg_order", "order"), variable("note", "string"))
		var wg sync.WaitGroup
		started := make(chan int, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.svc.PublishMessage(e.admin, Message{Name: "order", TTL: "PT1H", MessageID: "same"})
				if err != nil {
					t.Error(err)
				}
				started <- res.Started
			}()
		}
		wg.Wait()
		close(started)
		total := 0
		for n := range started {
			total += n
		}
		if n := len(e.instancesOf("orders")); n != 1 || total != 1 {
			t.Fatalf("%d instances (%d reported started), want exactly 1", n, total)
		}
	})
}
