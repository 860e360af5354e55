package process

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// pinnedChat is the real live chat, except that a wait starting now sees the outbox as it
// was at seq (when set): the wait then began before later messages already in the outbox, as
// a wait started by one message of a round does before the round's next message.
type pinnedChat struct {
	LiveChat
	seq int64
}

func (c *pinnedChat) LastEventSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	if c.seq > 0 {
		return c.seq, nil
	}
	return c.LiveChat.LastEventSeq(ctx, tx)
}

// TestConsumerRoundDeliversInOrder follows several customers' messages through one round of
// the engine's outbox consumer, which reads the round's session waits at once. A wait that
// the round's first message starts (the instance moves on to wait for the next message) takes
// the session's second message; the wait the first message completed is not offered again, so
// the third message completes nothing; another session's message goes to its own instance.
func TestConsumerRoundDeliversInOrder(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := chat.New(e.db, nil)
		pinned := &pinnedChat{LiveChat: LiveChat{S: c}}
		e.svc.deps.Chat = pinned
		lc, err := c.CreateLiveChat(e.admin, chat.NewLiveChat{Name: "Web", By: e.adminID(),
			OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
		if err != nil {
			t.Fatal(err)
		}
		write := func(visitor, text string) string {
			r, err := c.Receive(e.admin, chat.Inbound{ChannelID: lc.Channels[0].ID, Identity: visitor,
				Customer: chat.CustomerInfo{Name: visitor}, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return r.Session.ID
		}
		consume := func() int {
			n, err := e.svc.ConsumeMessages(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		ann, bob := write("ann", "hello"), write("bob", "hi")
		for consume() > 0 {
		}
		wait := `<bpmn:intermediateCatchEvent id="%s"><bpmn:extensionElements><parley:message variable="%s"/></bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`
		e.deploy("ask", diagram(fmt.Sprintf(wait, "ask", "answer")+fmt.Sprintf(wait, "again", "second")+end+chain("start", "ask", "again", "end")),
			variable("answer", "string"), variable("second", "string"))
		err = e.db.Read(context.Background(), func(tx *store.Tx) (err error) {
			pinned.seq, err = chat.LatestSeq(context.Background(), tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		annInst, bobInst := e.start("ask", nil, ann), e.start("ask", nil, bob)

		write("ann", "one")
		write("bob", "uno")
		write("ann", "two")
		write("ann", "three")
		if n := consume(); n != 4 {
			t.Fatalf("the round read %d events, want the 4 messages", n)
		}
		if n := consume(); n != 0 {
			t.Fatalf("a second round read %d events", n)
		}

		e.wantEnded(annInst.ID, "ask completed", "again completed")
		got := e.instance(annInst.ID)
		if got.Variables["answer"].String() != "one" || got.Variables["second"].String() != "two" || len(got.Incidents) != 0 {
			t.Fatalf("answer %q, second %q, incidents %+v; want one, two\n%s",
				got.Variables["answer"], got.Variables["second"], got.Incidents, trail(got))
		}
		got = e.instance(bobInst.ID)
		if active(got) != "again:message" || got.Variables["answer"].String() != "uno" || !got.Variables["second"].IsNull() {
			t.Fatalf("the other session's instance: active %q, answer %q, second %q\n%s",
				active(got), got.Variables["answer"], got.Variables["second"], trail(got))
		}
	})
}
