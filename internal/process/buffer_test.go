package process

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// deployReplyWait deploys a process that waits for the message "reply" keyed by its ticket.
func (e *env) deployReplyWait() {
	e.t.Helper()
	body := `<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>` +
		end + chain("start", "wait", "end")
	xml := strings.NewReplacer(`</bpmn:process>`, `</bpmn:process>
<bpmn:message id="m" name="reply"><bpmn:extensionElements><zeebe:subscription correlationKey="=ticket"/></bpmn:extensionElements></bpmn:message>`,
		`xmlns:parley=`, `xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:parley=`).Replace(diagram(body))
	e.deploy("reply", xml, variable("ticket", "string"), variable("answer", "string"))
}

func (e *env) startTicket(ticket string) *Instance {
	return e.start("reply", map[string]value.Value{"ticket": v(typ("string"), `"`+ticket+`"`)}, "")
}

func (e *env) publish(m Message) MessageResult {
	e.t.Helper()
	res, err := e.svc.PublishMessage(e.admin, m)
	if err != nil {
		e.t.Fatalf("publish %+v: %v", m, err)
	}
	return res
}

func reply(key, ttl, id, answer string) Message {
	return Message{Name: "reply", CorrelationKey: key, TTL: ttl, MessageID: id,
		Variables: map[string]json.RawMessage{"answer": json.RawMessage(`"` + answer + `"`)}}
}

// TestMessagePublishedBeforeTheWait publishes a reply before its instance exists: it is kept,
// and the instance that then waits for it takes it at once, with its values; a second instance
// with the same key waits, because the message was taken once.
func TestMessagePublishedBeforeTheWait(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		if got := e.publish(reply("T-1", "PT1H", "", "yes")); got != (MessageResult{Buffered: true}) {
			t.Fatalf("publish with nobody waiting: %+v", got)
		}
		first := e.startTicket("T-1")
		e.wantEnded(first.ID, "wait completed", "end completed")
		if got := e.instance(first.ID).Variables["answer"]; got.String() != "yes" {
			t.Fatalf("answer = %v", got)
		}
		second := e.startTicket("T-1")
		if got := active(e.instance(second.ID)); got != "wait:message" {
			t.Fatalf("a second wait took the message again: %q", got)
		}
		if got := e.publish(reply("T-1", "", "", "again")); got != (MessageResult{Delivered: 1}) {
			t.Fatalf("publish to a wait: %+v", got)
		}
		e.wantEnded(second.ID, "wait completed")
	})
}

// TestMessageWithoutTTLIsNotKept keeps the old meaning of a publish without a ttl: it reaches
// the waits there are, and is gone.
func TestMessageWithoutTTLIsNotKept(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		if got := e.publish(reply("T-1", "", "", "yes")); got != (MessageResult{}) {
			t.Fatalf("publish without ttl: %+v", got)
		}
		inst := e.startTicket("T-1")
		if got := active(e.instance(inst.ID)); got != "wait:message" {
			t.Fatalf("a message without ttl was kept: %q", got)
		}
	})
}

// TestBufferedMessageExpires lets a kept message outlive its ttl: a wait after that does not
// take it, and it is purged.
func TestBufferedMessageExpires(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		e.publish(reply("T-1", "PT1H", "m-1", "late"))
		e.clock.Advance(time.Hour + time.Second)
		inst := e.startTicket("T-1")
		if got := active(e.instance(inst.ID)); got != "wait:message" {
			t.Fatalf("an expired message was taken: %q", got)
		}
		if err := e.svc.PurgeExpiredMessages(e.admin); err != nil {
			t.Fatal(err)
		}
		var n int
		err := e.db.Read(e.admin, func(tx *store.Tx) error {
			return tx.QueryRow(e.admin, "SELECT COUNT(*) FROM process_message_buffer").Scan(&n)
		})
		if err != nil || n != 0 {
			t.Fatalf("%d kept messages after the purge (%v)", n, err)
		}
		// Once expired, the message_id may be used again.
		if got := e.publish(reply("T-1", "PT1H", "m-1", "now")); got != (MessageResult{Delivered: 1}) {
			t.Fatalf("publish after expiry: %+v", got)
		}
		e.wantEnded(inst.ID, "wait completed")
	})
}

// TestDuplicateMessageIDIsPublishedOnce publishes the same message_id twice within its ttl,
// with a wait in between: the repeat reaches nobody and says it was a duplicate.
func TestDuplicateMessageIDIsPublishedOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		first := e.startTicket("T-1")
		if got := e.publish(reply("T-1", "PT10M", "m-1", "yes")); got != (MessageResult{Delivered: 1}) {
			t.Fatalf("first publish: %+v", got)
		}
		e.wantEnded(first.ID, "wait completed")
		second := e.startTicket("T-1")
		e.clock.Advance(5 * time.Minute)
		if got := e.publish(reply("T-1", "PT10M", "m-1", "yes")); got != (MessageResult{Duplicate: true}) {
			t.Fatalf("repeat: %+v", got)
		}
		if got := active(e.instance(second.ID)); got != "wait:message" {
			t.Fatalf("the repeat was delivered: %q", got)
		}
		// A buffered message repeated is not kept twice either.
		if got := e.publish(reply("T-2", "PT10M", "m-2", "yes")); !got.Buffered {
			t.Fatalf("publish T-2: %+v", got)
		}
		if got := e.publish(reply("T-2", "PT10M", "m-2", "yes")); got != (MessageResult{Duplicate: true}) {
			t.Fatalf("repeat T-2: %+v", got)
		}
		a, b := e.startTicket("T-2"), e.startTicket("T-2")
		if got := active(e.instance(a.ID)) + "|" + active(e.instance(b.ID)); got != "|wait:message" {
			t.Fatalf("after a repeated buffered message: %q", got)
		}
	})
}

// TestRacingWaitsTakeABufferedMessageOnce starts instances that wait for one kept message at
// the same time: exactly one takes it.
func TestRacingWaitsTakeABufferedMessageOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		e.publish(reply("T-1", "PT1H", "", "yes"))
		const n = 6
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst, err := e.tryStart("reply", map[string]value.Value{"ticket": v(typ("string"), `"T-1"`)}, "")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = inst.ID
			}()
		}
		wg.Wait()
		ended := 0
		for _, id := range ids {
			if id != "" && e.instance(id).State == StateCompleted {
				ended++
			}
		}
		if ended != 1 {
			t.Fatalf("%d instances took the one kept message", ended)
		}
	})
}

// TestMessageTTLIsChecked refuses a ttl that is not an ISO 8601 duration or longer than a week,
// naming the field.
func TestMessageTTLIsChecked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, ttl := range []string{"1h", "P8D", "P1M", "-PT1H"} {
			_, err := e.svc.PublishMessage(e.admin, reply("T-1", ttl, "", "x"))
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "ttl") {
				t.Errorf("ttl %q: %v", ttl, err)
			}
		}
		_, err := e.svc.PublishMessage(e.admin, reply("T-1", "PT1H", strings.Repeat("x", 201), "x"))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "message_id") {
			t.Errorf("long message_id: %v", err)
		}
	})
}

// TestPublishRacingAWaitIsNotLost publishes a kept message at the same moment as its instance
// starts waiting, for many keys: whichever commits first, the other finds it, so every
// instance ends and no message is left pending.
func TestPublishRacingAWaitIsNotLost(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		const n = 12
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			key := fmt.Sprintf("T-%d", i)
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := e.svc.PublishMessage(e.admin, reply(key, "PT1H", "", "yes")); err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				inst, err := e.tryStart("reply", map[string]value.Value{"ticket": v(typ("string"), `"`+key+`"`)}, "")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = inst.ID
			}()
		}
		wg.Wait()
		for i, id := range ids {
			if id == "" {
				continue
			}
			if inst := e.instance(id); inst.State != StateCompleted {
				t.Errorf("T-%d: the instance waits at %q though its message was published", i, active(inst))
			}
		}
		var pending int
		err := e.db.Read(e.admin, func(tx *store.Tx) error {
			return tx.QueryRow(e.admin, "SELECT COUNT(*) FROM process_message_buffer WHERE pending = 1").Scan(&pending)
		})
		if err != nil || pending != 0 {
			t.Fatalf("%d messages left pending (%v)", pending, err)
		}
	})
}

// TestBufferedMessageThatDoesNotFitIsAnIncident keeps a message whose variable is of the wrong
// type for the process that then waits for it: the wait stops with an incident that says so,
// instead of taking the message quietly or waiting forever.
func TestBufferedMessageThatDoesNotFitIsAnIncident(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deployReplyWait()
		bad := reply("T-1", "PT1H", "", "x")
		bad.Variables["answer"] = json.RawMessage(`42`)
		e.publish(bad)
		got := e.incidentOf("reply", map[string]value.Value{"ticket": v(typ("string"), `"T-1"`)})
		if !strings.HasPrefix(got, `intermediate catch event wait: the message "reply" published before this wait could not be taken: `) ||
			!strings.Contains(got, "answer") {
			t.Fatalf("incident %q", got)
		}
	})
}
