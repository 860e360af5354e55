package process

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// failingReply is a reply step that raises an incident at once (the instance has no session)
// with a boundary timer of five minutes on it.
const failingReply = `<bpmn:serviceTask id="hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hi"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
	<bpmn:boundaryEvent id="late" attachedToRef="hi"><bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`

// TestBoundaryTimerClearsIncident fires a boundary timer on a step in incident: the
// interrupt removes the incident with the step, so the instance must no longer say incident.
// It is completed when the boundary path ends, and active when it waits somewhere else.
func TestBoundaryTimerClearsIncident(t *testing.T) {
	for _, c := range []struct {
		name, after, state, active string
	}{
		{"boundary path ends", end + chain("start", "hi", "end") + chain("late", "end"), StateCompleted, ""},
		{"boundary path waits", `<bpmn:userTask id="call"/>` + end + chain("start", "hi", "end") + chain("late", "call", "end"), StateActive, "call:task"},
	} {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				e.deploy("reply", diagram(failingReply+c.after))
				inst := e.instance(e.start("reply", nil, "").ID)
				if inst.State != StateIncident || len(inst.Incidents) != 1 {
					t.Fatalf("before the timer: state %s, incidents %+v", inst.State, inst.Incidents)
				}
				e.clock.Advance(5*time.Minute + time.Second)
				if n := e.runJobs(); n != 1 {
					t.Fatalf("ran %d jobs, want the boundary timer", n)
				}
				inst = e.instance(inst.ID)
				if inst.State != c.state || active(inst) != c.active || len(inst.Incidents) != 0 {
					t.Fatalf("after the timer: state %s, active %q, incidents %+v; want %s, %q, none\n%s",
						inst.State, active(inst), inst.Incidents, c.state, c.active, trail(inst))
				}
				if list, err := e.svc.Incidents(e.admin, pageAll); err != nil || len(list.Items) != 0 {
					t.Fatalf("open incidents %+v, %v", list.Items, err)
				}
			})
		})
	}
}

// TestBoundaryTimerKeepsOtherIncidents interrupts one failed branch while another branch is
// still in incident: the instance stays in incident, with the other branch's incident left.
func TestBoundaryTimerKeepsOtherIncidents(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := failingReply + `<bpmn:parallelGateway id="fork"/>
			<bpmn:serviceTask id="bye"><bpmn:extensionElements><parley:task type="livechat.close"/></bpmn:extensionElements></bpmn:serviceTask>
			<bpmn:endEvent id="e2"/>` + end + chain("start", "fork", "hi", "end") + chain("late", "end") + chain("fork", "bye", "e2")
		e.deploy("two", diagram(body))
		inst := e.start("two", nil, "")
		e.clock.Advance(5*time.Minute + time.Second)
		e.runJobs()
		full := e.instance(inst.ID)
		if full.State != StateIncident || len(full.Incidents) != 1 || full.Incidents[0].Element != "bye" {
			t.Fatalf("state %s, incidents %+v; want incident at bye\n%s", full.State, full.Incidents, trail(full))
		}
	})
}

// TestFailedDeliveryIsAnIncident makes a customer's message fail to complete a session wait
// (the next wait cannot read the chat outbox): the failure must become an incident of the
// instance that keeps the message, not vanish, and retrying it delivers the message again.
func TestFailedDeliveryIsAnIncident(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		wait := `<bpmn:intermediateCatchEvent id="%s"><bpmn:extensionElements><parley:message variable="%s"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`
		body := fmt.Sprintf(wait, "ask", "answer") + fmt.Sprintf(wait, "again", "second") + end + chain("start", "ask", "again", "end")
		e.deploy("ask", diagram(body), variable("answer", "string"), variable("second", "string"))
		inst := e.start("ask", nil, "ses_3")
		other := e.start("ask", nil, "ses_3")
		e.chat.failSeq = 1
		e.deliver("ses_3", 1, "forty people")

		// One of the two instances met the failure; the other must have moved on regardless.
		failed, fine := e.instance(inst.ID), e.instance(other.ID)
		if fine.State == StateIncident {
			failed, fine = fine, failed
		}
		if fine.State != StateActive || active(fine) != "again:message" {
			t.Fatalf("the other wait: state %s, active %q\n%s", fine.State, active(fine), trail(fine))
		}
		if failed.State != StateIncident || active(failed) != "ask:incident" || len(failed.Incidents) != 1 ||
			!strings.Contains(failed.Incidents[0].Error, "could not be delivered") ||
			!strings.Contains(failed.Incidents[0].Error, "cannot be read") || !failed.Variables["answer"].IsNull() {
			t.Fatalf("state %s, active %q, incidents %+v, answer %v\n%s",
				failed.State, active(failed), failed.Incidents, failed.Variables["answer"], trail(failed))
		}

		// The wait is now the incident: a later message must not complete it behind its back.
		e.deliver("ses_3", 2, "are you there?")
		if got := e.instance(failed.ID); active(got) != "ask:incident" {
			t.Fatalf("a later message moved the instance in incident to %q", active(got))
		}
		if _, err := e.svc.RetryIncident(e.admin, failed.Incidents[0].ID); err != nil {
			t.Fatal(err)
		}
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs, want the redelivery", n)
		}
		got := e.instance(failed.ID)
		if got.State != StateActive || active(got) != "again:message" || got.Variables["answer"].String() != "forty people" || len(got.Incidents) != 0 {
			t.Fatalf("after the retry: state %s, active %q, answer %q, incidents %+v\n%s",
				got.State, active(got), got.Variables["answer"], got.Incidents, trail(got))
		}
		e.deliver("ses_3", 3, "bye")
		e.wantEnded(failed.ID, "ask failed", "retrying", "ask completed", "again completed")
	})
}

// flakyChat is the real live chat whose outbox cannot be read the next fail times.
type flakyChat struct {
	LiveChat
	fail int
}

func (c *flakyChat) LastEventSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	if c.fail > 0 {
		c.fail--
		return 0, errors.New("the chat outbox cannot be read")
	}
	return c.LiveChat.LastEventSeq(ctx, tx)
}

// TestConsumerRaisesIncidentForFailedDelivery follows a real customer message through the
// engine's outbox consumer: the wait it fails to complete becomes an incident holding the
// message, while the consumer's cursor moves on without an error.
func TestConsumerRaisesIncidentForFailedDelivery(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := chat.New(e.db, nil)
		flaky := &flakyChat{LiveChat: LiveChat{S: c}}
		e.svc.deps.Chat = flaky
		lc, err := c.CreateLiveChat(e.admin, chat.NewLiveChat{Name: "Web", By: e.adminID(),
			OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
		if err != nil {
			t.Fatal(err)
		}
		write := func(text string) string {
			r, err := c.Receive(e.admin, chat.Inbound{ChannelID: lc.Channels[0].ID, Identity: "visitor-1",
				Customer: chat.CustomerInfo{Name: "Ann"}, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return r.Session.ID
		}
		session := write("hello")
		if _, err := e.svc.ConsumeMessages(context.Background()); err != nil {
			t.Fatal(err)
		}
		wait := `<bpmn:intermediateCatchEvent id="%s"><bpmn:extensionElements><parley:message variable="%s"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`
		e.deploy("ask", diagram(fmt.Sprintf(wait, "ask", "answer")+fmt.Sprintf(wait, "again", "second")+end+chain("start", "ask", "again", "end")),
			variable("answer", "string"), variable("second", "string"))
		inst := e.start("ask", nil, session)
		flaky.fail = 1
		write("forty people")
		if n, err := e.svc.ConsumeMessages(context.Background()); n != 1 || err != nil {
			t.Fatalf("consumed %d events, %v", n, err)
		}
		got := e.instance(inst.ID)
		if got.State != StateIncident || active(got) != "ask:incident" || len(got.Incidents) != 1 {
			t.Fatalf("state %s, active %q, incidents %+v\n%s", got.State, active(got), got.Incidents, trail(got))
		}
		if _, err := e.svc.RetryIncident(e.admin, got.Incidents[0].ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		if got = e.instance(inst.ID); active(got) != "again:message" || got.Variables["answer"].String() != "forty people" {
			t.Fatalf("after the retry: active %q, answer %q\n%s", active(got), got.Variables["answer"], trail(got))
		}
	})
}
