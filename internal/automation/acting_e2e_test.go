package automation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/automation"
	"github.com/parleychat/parley/internal/server/servertest"
)

// chatTask is a service task that acts on the linked session.
func chatTask(id, typ, text string) string {
	input := ""
	if text != "" {
		input = fmt.Sprintf(`<parley:input name="text" value="%s"/>`, text)
	}
	return fmt.Sprintf(`<bpmn:serviceTask id="%s"><bpmn:extensionElements><parley:task type="%s">%s</parley:task></bpmn:extensionElements></bpmn:serviceTask>`,
		id, typ, input)
}

// answerWait waits for the customer's next message in the linked session.
const answerWait = `<bpmn:intermediateCatchEvent id="answer"><bpmn:extensionElements><parley:message variable="answer"/></bpmn:extensionElements><bpmn:messageEventDefinition id="m1"/></bpmn:intermediateCatchEvent>`

// greetAndCloseBPMN answers the customer's first message and closes the session.
var greetAndCloseBPMN = bpmnFor("greet_close",
	chatTask("greet", "livechat.reply", "Hello {{name}}, we got: {{text}}")+chatTask("close", "livechat.close", ""),
	"start", "greet", "close", "end")

// message is a message as the widget shows it to the customer.
type message struct {
	Author, Text string
	AuthorID     string `json:"author_id"`
}

func (c *chatEnv) visitorMessages(session, visitor string) []message {
	c.T.Helper()
	var out struct{ Items []message }
	c.MustDo("GET", "/api/v1/widget/sessions/"+session+"/messages?limit=100", visitor, nil, 200, &out)
	return out.Items
}

// eventLog returns the automation log's lines for one event, newest first.
func (c *chatEnv) eventLog(event string) []map[string]any {
	var out []map[string]any
	for _, l := range c.log("?limit=100") {
		if l["event"] == event {
			out = append(out, l)
		}
	}
	return out
}

// waitLog waits until the automation log has n lines for the event, then checks that no more
// arrive.
func (c *chatEnv) waitLog(event string, n int) []map[string]any {
	c.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(c.eventLog(event)) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	lines := c.eventLog(event)
	if len(lines) != n {
		c.T.Fatalf("automation log has %d lines for %s, want %d: %v", len(lines), event, n, lines)
	}
	return lines
}

func (c *chatEnv) sessionState(session string) string {
	var s struct{ State string }
	c.MustDo("GET", "/api/v1/sessions/"+session, c.Admin, nil, 200, &s)
	return s.State
}

// TestProcessRepliesAndClosesItsSession runs a real published process on session_created
// that replies to the customer and closes the session. The customer sees the reply as a
// process message; the close fires session_closed exactly once; the process's reply fires no
// message_received.
func TestProcessRepliesAndClosesItsSession(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("greet_close", "global", greetAndCloseBPMN,
			map[string]any{"name": "name", "type": "string"}, map[string]any{"name": "text", "type": "string"})
		c.publish("on_message", "global", waitBPMN("on_message"))
		c.publish("on_close", "global", waitBPMN("on_close"))
		c.bind("session_created", "greet_close", map[string]string{"name": "customer.name", "text": "lastMessage.text"})
		c.bind("message_received", "on_message", nil)
		c.bind("session_closed", "on_close", nil)

		session, visitor := c.customer("Do you ship to Riga?")
		items := c.processes(session, 3)
		byCode := map[string]string{}
		for _, it := range items {
			byCode[it.Process] = it.ID
		}
		if byCode["greet_close"] == "" || byCode["on_message"] == "" || byCode["on_close"] == "" {
			t.Fatalf("instances %+v, want one each of greet_close, on_message and on_close", items)
		}
		var inst struct{ State string }
		env.MustDo("GET", "/api/v1/instances/"+byCode["greet_close"], env.Admin, nil, 200, &inst)
		if inst.State != "completed" {
			t.Fatalf("greet_close is %s, want completed", inst.State)
		}
		if st := c.sessionState(session); st != "closed" {
			t.Fatalf("session is %s, want closed by the process", st)
		}
		msgs := c.visitorMessages(session, visitor)
		want := []message{{Author: "customer", Text: "Do you ship to Riga?"},
			{Author: "process", Text: "Hello Anna Petrova, we got: Do you ship to Riga?", AuthorID: byCode["greet_close"]}}
		if len(msgs) != len(want) {
			t.Fatalf("the customer sees %+v, want %+v", msgs, want)
		}
		for i := range want {
			if msgs[i].Author != want[i].Author || msgs[i].Text != want[i].Text || (want[i].AuthorID != "" && msgs[i].AuthorID != want[i].AuthorID) {
				t.Fatalf("message %d is %+v, want %+v", i, msgs[i], want[i])
			}
		}
		for _, ev := range []string{"session_created", "message_received", "session_closed"} {
			if l := c.waitLog(ev, 1); l[0]["outcome"] != "started" {
				t.Fatalf("%s line %v, want started", ev, l[0])
			}
		}
	})
}

// TestProcessReplyingToMessagesDoesNotLoop binds a replying process to message_received: each
// customer message starts one instance, and its reply, a process message, starts none.
func TestProcessReplyingToMessagesDoesNotLoop(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("echo", "global", bpmnFor("echo", chatTask("reply", "livechat.reply", "You said: {{text}}"), "start", "reply", "end"),
			map[string]any{"name": "text", "type": "string"})
		c.bind("message_received", "echo", map[string]string{"text": "lastMessage.text"})

		session, visitor := c.customer("one")
		c.processes(session, 1)
		for i, text := range []string{"two", "three"} {
			env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": text}, 201, nil)
			c.processes(session, i+2)
		}
		var got []string
		for _, m := range c.visitorMessages(session, visitor) {
			got = append(got, m.Author+": "+m.Text)
		}
		want := "customer: one|process: You said: one|customer: two|process: You said: two|customer: three|process: You said: three"
		if strings.Join(got, "|") != want {
			t.Fatalf("the customer sees %q, want %q", strings.Join(got, "|"), want)
		}
		c.waitLog("message_received", 3)
	})
}

// closeAgainBPMN, bound to session_closed, says goodbye, waits for the customer to write
// (which reopens the session) and closes it again: each round is one more link of a chain of
// processes started by one another's closes.
var closeAgainBPMN = bpmnFor("close_again",
	chatTask("bye", "livechat.reply", "This conversation is closed; write to reopen it.")+answerWait+chatTask("close", "livechat.close", ""),
	"start", "bye", "answer", "close", "end")

// TestChainOfClosesIsBounded drives a real chain: a process on session_created closes the
// session, and a process on session_closed closes it again after each customer message. Every
// close by a process is one link deeper; the close that would go past MaxChainDepth starts
// nothing and is logged skipped, and the customer can still write.
func TestChainOfClosesIsBounded(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("greet_close", "global", greetAndCloseBPMN,
			map[string]any{"name": "name", "type": "string"}, map[string]any{"name": "text", "type": "string"})
		c.publish("close_again", "global", closeAgainBPMN, map[string]any{"name": "answer", "type": "string"})
		c.bind("session_created", "greet_close", nil)
		c.bind("session_closed", "close_again", nil)

		session, visitor := c.customer("hello")
		// greet_close is link 0 and its close starts close_again as link 1; each customer
		// message lets the newest close_again close once more, one link deeper.
		c.processes(session, 2)
		for link := 2; link <= automation.MaxChainDepth+1; link++ {
			env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": fmt.Sprint("again ", link)}, 201, nil)
			want := min(link, automation.MaxChainDepth) + 1
			c.processes(session, want)
			c.waitLog("session_closed", link)
			if st := c.sessionState(session); st != "closed" {
				t.Fatalf("after message %d the session is %s, want closed again", link, st)
			}
		}
		closed := c.eventLog("session_closed")
		started, skipped := 0, 0
		for _, l := range closed {
			switch l["outcome"] {
			case "started":
				started++
			case "skipped":
				skipped++
				if !strings.Contains(l["reason"].(string), fmt.Sprintf("the bound is %d", automation.MaxChainDepth)) {
					t.Fatalf("skipped line %v, want the chain bound as reason", l)
				}
			}
		}
		if started != automation.MaxChainDepth || skipped != 1 {
			t.Fatalf("session_closed lines %v: want %d started and 1 skipped", closed, automation.MaxChainDepth)
		}
		// The chain is over, not the conversation: the customer's message reopens the session.
		env.MustDo("POST", "/api/v1/widget/sessions/"+session+"/messages", visitor, map[string]any{"text": "still there?"}, 201, nil)
		c.processes(session, automation.MaxChainDepth+1)
		if st := c.sessionState(session); st != "waiting" {
			t.Fatalf("session is %s, want waiting after the customer wrote", st)
		}
	})
}

// TestProcessClosingAClosedSessionDoesNotLoop binds a process that closes its session to
// session_closed: the session is already closed, so the close is refused by the lifecycle and
// nothing more starts.
func TestProcessClosingAClosedSessionDoesNotLoop(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("close_now", "global", bpmnFor("close_now", chatTask("close", "livechat.close", ""), "start", "close", "end"))
		c.bind("session_created", "close_now", nil)
		c.bind("session_closed", "close_now", nil)
		session, _ := c.customer("hi")
		items := c.processes(session, 2)
		c.waitLog("session_closed", 1)
		if st := c.sessionState(session); st != "closed" {
			t.Fatalf("session is %s, want closed", st)
		}
		for _, it := range items {
			var inst struct{ State string }
			env.MustDo("GET", "/api/v1/instances/"+it.ID, env.Admin, nil, 200, &inst)
			if it.Trigger.Event == "session_closed" && inst.State == "completed" {
				t.Fatalf("the instance on session_closed closed a closed session")
			}
		}
	})
}
