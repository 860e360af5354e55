package process

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// withMessages adds bpmn:message definitions keyed by =ticket to a diagram: each name becomes
// a message with the id msg_<name>.
func withMessages(xml string, names ...string) string {
	var defs strings.Builder
	for _, n := range names {
		defs.WriteString(`<bpmn:message id="msg_` + n + `" name="` + n + `"><bpmn:extensionElements><zeebe:subscription correlationKey="=ticket"/></bpmn:extensionElements></bpmn:message>`)
	}
	return strings.NewReplacer(`</bpmn:process>`, "</bpmn:process>\n"+defs.String(),
		`xmlns:parley=`, `xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:parley=`).Replace(xml)
}

// eventChoice waits after an event-based gateway for the message "answer" or one hour.
var eventChoice = withMessages(diagram(`<bpmn:eventBasedGateway id="gw"/>
	<bpmn:intermediateCatchEvent id="answer"><bpmn:extensionElements><parley:message variable="text"/></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="msg_answer"/></bpmn:intermediateCatchEvent>
	<bpmn:intermediateCatchEvent id="hour"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
	<bpmn:endEvent id="answered"/><bpmn:endEvent id="late"/>`+chain("start", "gw", "answer", "answered")+chain("gw", "hour", "late")), "answer")

func (e *env) startChoice(ticket string) *Instance {
	e.t.Helper()
	inst := e.start("choice", map[string]value.Value{"ticket": v(typ("string"), `"`+ticket+`"`)}, "")
	if got := active(inst); got != "gw:event" {
		e.t.Fatalf("after start: %q, want gw:event", got)
	}
	return inst
}

// waitsLeft counts the timer jobs and message subscriptions an instance still holds.
func (e *env) waitsLeft(id string) int {
	e.t.Helper()
	var jobs, subs int
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		if err := tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM process_jobs WHERE instance_id = ?", id).Scan(&jobs); err != nil {
			return err
		}
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM process_messages WHERE instance_id = ?", id).Scan(&subs)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return jobs + subs
}

func TestEventGateway(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("choice", eventChoice, variable("ticket", "string"), variable("text", "string"))

		t.Run("the message wins", func(t *testing.T) {
			e := e.with(t)
			inst := e.startChoice("T-1")
			if res := e.publish(Message{Name: "answer", CorrelationKey: "T-1", Text: "yes"}); res.Delivered != 1 {
				t.Fatalf("delivered %d", res.Delivered)
			}
			e.wantEnded(inst.ID, "gw waiting", "gw completed", "answer completed", "answered completed")
			if got := e.instance(inst.ID).Variables["text"].String(); got != "yes" {
				t.Fatalf("text = %q", got)
			}
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%d waits left after the message won", n)
			}
			e.clock.Advance(2 * time.Hour)
			if n := e.runJobs(); n != 0 {
				t.Fatalf("the cancelled timer still ran %d jobs", n)
			}
		})

		t.Run("the timer wins", func(t *testing.T) {
			e := e.with(t)
			inst := e.startChoice("T-2")
			e.clock.Advance(59 * time.Minute)
			if n := e.runJobs(); n != 0 {
				t.Fatalf("fired %d jobs early", n)
			}
			e.clock.Advance(2 * time.Minute)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("fired %d jobs, want the timer", n)
			}
			e.wantEnded(inst.ID, "gw completed", "hour fired", "late completed")
			if res := e.publish(Message{Name: "answer", CorrelationKey: "T-2"}); res.Delivered != 0 {
				t.Fatalf("the cancelled subscription still took the message: %+v", res)
			}
		})

		t.Run("a message kept for the wait wins at once", func(t *testing.T) {
			e := e.with(t)
			if res := e.publish(Message{Name: "answer", CorrelationKey: "T-3", Text: "early", TTL: "PT1H"}); !res.Buffered {
				t.Fatalf("not buffered: %+v", res)
			}
			inst := e.start("choice", map[string]value.Value{"ticket": v(typ("string"), `"T-3"`)}, "")
			e.wantEnded(inst.ID, "gw completed", "answer completed", "answered completed")
			if n := e.waitsLeft(inst.ID); n != 0 {
				t.Fatalf("%d waits left", n)
			}
		})

		t.Run("an undefined key stops at the gateway", func(t *testing.T) {
			e := e.with(t)
			inst := e.start("choice", nil, "")
			if inst.State != StateIncident || active(inst) != "gw:incident" {
				t.Fatalf("state %s, active %q", inst.State, active(inst))
			}
			if n := e.waitsLeft(inst.ID); n != 1 {
				t.Fatalf("%d rows; want only the incident, nothing armed", n)
			}
		})
	})
}

// TestEventGatewayRace fires the timer and publishes the message at the same moment, many
// times: each instance takes exactly one path, and nothing of the other is left.
func TestEventGatewayRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("choice", eventChoice, variable("ticket", "string"), variable("text", "string"))
		const n = 8
		ids, keys := make([]string, n), make([]string, n)
		for i := range ids {
			keys[i] = "R-" + itoa(i)
			ids[i] = e.startChoice(keys[i]).ID
		}
		e.clock.Advance(2 * time.Hour)
		e.raceTimersAndMessages("answer", keys)
		for _, id := range ids {
			inst := e.instance(id)
			h := trail(inst)
			msg, timer := strings.Count(h, "answered completed"), strings.Count(h, "late completed")
			if inst.State != StateCompleted || msg+timer != 1 || strings.Count(h, "gw completed") != 1 {
				t.Fatalf("instance %s: state %s, history %s", id, inst.State, h)
			}
			if left := e.waitsLeft(id); left != 0 {
				t.Fatalf("instance %s: %d waits left", id, left)
			}
		}
	})
}

// raceTimersAndMessages runs the due timers and publishes the message name with each key, all
// at the same time, then runs the timers the first run left because a message held their
// instance.
func (e *env) raceTimersAndMessages(name string, keys []string) {
	e.t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, len(keys)+1)
	wg.Add(len(keys) + 1)
	go func() {
		defer wg.Done()
		_, err := e.svc.RunDueJobs(context.Background())
		errc <- err
	}()
	for _, k := range keys {
		go func(k string) {
			defer wg.Done()
			_, err := e.svc.PublishMessage(e.admin, Message{Name: name, CorrelationKey: k, Text: "now"})
			errc <- err
		}(k)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	e.runJobs()
}

// TestAnswerOrFollowUp runs testdata/answer-or-follow-up.bpmn both ways: the customer answers
// in the chat within a day, or a day passes and someone in sales follows up; a late answer
// then changes nothing.
func TestAnswerOrFollowUp(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/answer-or-follow-up.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		seller := e.user("seller", "sales")
		e.deploy("offer", string(data), variable("answer", "string"))

		answered := e.start("offer", nil, "ses_a")
		if got := active(answered); got != "Gateway_First:event" {
			t.Fatalf("after start: %q", got)
		}
		e.chat.seq = 1
		e.deliver("ses_a", 2, "yes, it suits me")
		e.wantEnded(answered.ID, "Activity_Ask completed", "Gateway_First completed", "Event_Answer completed",
			"Activity_Thanks completed", "End_Answered completed")
		if got := e.chat.replies["ses_a"]; len(got) != 2 || got[1] != "Thank you, noted: yes, it suits me" {
			t.Fatalf("replies %q", got)
		}

		late := e.start("offer", nil, "ses_b")
		e.fireOneTimer(24*time.Hour+time.Second, late.ID, "Activity_FollowUp:task")
		e.deliver("ses_b", 3, "sorry, I was away")
		if got := active(e.instance(late.ID)); got != "Activity_FollowUp:task" {
			t.Fatalf("a late answer moved the instance: %q", got)
		}
		e.completeTaskAt(seller, late.ID, "Activity_FollowUp", nil)
		e.wantEnded(late.ID, "Gateway_First completed", "Event_Day fired", "Activity_FollowUp completed", "End_FollowedUp completed")
		if v := e.instance(late.ID).Variables["answer"]; !v.IsNull() {
			t.Fatalf("the late answer was stored: %s", v.String())
		}
	})
}
