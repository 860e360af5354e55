package automation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"golang.org/x/crypto/bcrypt"
)

const greetBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d">
<bpmn:process id="greet" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:serviceTask id="reply"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hello!"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="reply"/><bpmn:sequenceFlow id="f2" sourceRef="reply" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// TestCustomerWriteDuringABatchDoesNotDeadlock lets a customer write to a second session
// right after the first event of a batch started a process that replied. The customer's
// write locks its session and then needs the outbox counter; had the batch gone on to the
// second session's event while holding the counter, its process would have waited for that
// session and PostgreSQL would have aborted one side as a deadlock. The batch commits after
// the chat write instead, and both the customer's message and every start go through.
func TestCustomerWriteDuringABatchDoesNotDeadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		_, err := s.process.CreateDraft(s.ctx, process.Draft{Code: "greet", Name: "Greet", Scope: "global", BPMN: greetBPMN})
		must(t, err)
		_, err = s.process.Publish(s.ctx, "greet")
		must(t, err)
		a := New(db, s.chat, s.process, nil, Options{Batch: 16})
		_, err = a.SaveBinding(s.ctx, s.chatID, chat.EventSessionCreated, BindingInput{Process: "greet"})
		must(t, err)
		s.write(t, 2, 1)
		sessions := s.sessionIDs(t)

		done := make(chan error, 1)
		fired := false
		a.afterEvent = func(ev *chat.Event) {
			if fired || ev.Type != chat.EventSessionCreated {
				return
			}
			fired = true
			other := sessions[0]
			if other == ev.SessionID {
				other = sessions[1]
			}
			go func() {
				_, err := s.chat.ReceiveInSession(context.Background(), other, "are you there?", "")
				done <- err
			}()
			// Give the customer's write the time to lock its session and queue on the counter.
			select {
			case err := <-done:
				done <- err
			case <-time.After(300 * time.Millisecond):
			}
		}
		start := time.Now()
		n, err := a.DispatchOnce(context.Background())
		must(t, err)
		if n != 1 {
			t.Fatalf("the batch handled %d events, want only the one whose process replied", n)
		}
		must(t, <-done)
		// PostgreSQL breaks a deadlock only after deadlock_timeout (1s by default), and the store
		// then quietly runs the victim again: the time the customer waited is what shows it.
		if waited := time.Since(start); db.Dialect() == store.Postgres && waited > 900*time.Millisecond {
			t.Fatalf("the customer's write took %v: it waited for a deadlock to be broken", waited)
		}
		drainAll(t, a)
		var replies, started int
		must(t, db.Read(s.ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM messages WHERE author_kind = 'process'").Scan(&replies); err != nil {
				return err
			}
			return tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM automation_log WHERE outcome = 'started'").Scan(&started)
		}))
		if replies != 2 || started != 2 {
			t.Fatalf("%d process replies and %d starts, want 2 of each", replies, started)
		}
	})
}

func (s *stack) sessionIDs(t *testing.T) []string {
	var ids []string
	must(t, s.db.Read(s.ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(s.ctx, "SELECT id FROM sessions ORDER BY id")
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
	}))
	return ids
}

const askBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d">
<bpmn:process id="ask" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="answer"><bpmn:extensionElements><parley:message variable="answer"/></bpmn:extensionElements><bpmn:messageEventDefinition id="m"/></bpmn:intermediateCatchEvent>
<bpmn:serviceTask id="reply"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Got {{answer}}"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer"/><bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="reply"/><bpmn:sequenceFlow id="f3" sourceRef="reply" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// TestMessageWaitsCommitAfterAChatWrite is the same rule for the engine's consumer of
// customer messages: a round ends after a delivery whose instance replied, so it does not go
// on to lock another session while it holds the outbox counter.
func TestMessageWaitsCommitAfterAChatWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		_, err := s.process.CreateDraft(s.ctx, process.Draft{Code: "ask", Name: "Ask", Scope: "global", BPMN: askBPMN,
			Variables: []process.Variable{{Name: "answer", Type: mustType("string")}}})
		must(t, err)
		_, err = s.process.Publish(s.ctx, "ask")
		must(t, err)
		a := New(db, s.chat, s.process, nil, Options{})
		_, err = a.SaveBinding(s.ctx, s.chatID, chat.EventSessionCreated, BindingInput{Process: "ask"})
		must(t, err)
		consume := func() int {
			n, err := s.process.ConsumeMessages(context.Background())
			must(t, err)
			return n
		}
		s.write(t, 2, 1)
		drainAll(t, a)
		for consume() > 0 {
		}
		s.write(t, 2, 1) // each customer answers
		if n := consume(); n != 1 {
			t.Fatalf("the round read %d events, want it to end after the first delivery replied", n)
		}
		for consume() > 0 {
		}
		var replies int
		must(t, db.Read(s.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM messages WHERE author_kind = 'process'").Scan(&replies)
		}))
		if replies != 2 {
			t.Fatalf("%d replies, want one per answered session", replies)
		}
	})
}

// TestRefusedStartFailsAloneInABatch starts a batch whose instances start together, one of
// which the engine refuses when it starts: session_closed maps the session's operator to a
// user variable, and the operator was deleted after the close. That start is logged failed,
// naming why; every other event of the batch still starts its instance, once, in order.
func TestRefusedStartFailsAloneInABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		_, err := s.process.CreateDraft(s.ctx, process.Draft{Code: "owner", Name: "Owner", Scope: "global", BPMN: echoBPMN,
			Variables: []process.Variable{{Name: "operator", Type: mustType("user"), Required: true}}})
		must(t, err)
		_, err = s.process.Publish(s.ctx, "owner")
		must(t, err)
		a := s.automation(t)
		_, err = a.SaveBinding(s.ctx, s.chatID, chat.EventSessionClosed, BindingInput{Process: "owner",
			Inputs: map[string]string{"operator": "session.operator"}})
		must(t, err)

		au := auth.New(db, nil)
		au.BcryptCost = bcrypt.MinCost
		olga, err := au.CreateUser(s.ctx, auth.NewUser{Login: "olga", DisplayName: "Olga", Password: "password-1"})
		must(t, err)
		must(t, au.AddMember(s.ctx, auth.AdministratorsID, olga.ID))
		s.write(t, 1, 2)
		closed := s.sessionIDs(t)[0]
		_, err = s.chat.Assign(s.ctx, closed, olga.ID, chat.SystemActor())
		must(t, err)
		_, err = s.chat.Close(s.ctx, closed, chat.SystemActor())
		must(t, err)
		must(t, au.DeleteUser(s.ctx, olga.ID))
		for i := range 2 {
			_, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: "visitor-late",
				Customer: chat.CustomerInfo{Name: "Late"}, Text: fmt.Sprintf("late-m%d", i)})
			must(t, err)
		}
		must(t, chat.SequencePending(s.ctx, db))

		// On PostgreSQL the two sessions may be in different parts of the outbox, and so in two
		// batches; the closed session's events are always in one.
		want := 6
		if db.Dialect() == store.Postgres {
			want = 1
		}
		if n, err := a.DispatchOnce(context.Background()); err != nil || n < want {
			t.Fatalf("one batch handled %d events (%v), want all of them", n, err)
		}
		drainAll(t, a)
		lines, err := a.Log(s.ctx, LogFilter{LiveChatID: s.chatID, Page: store.Page{Limit: 50}})
		must(t, err)
		outcomes := map[string]int{}
		for _, l := range lines.Items {
			outcomes[l.Outcome]++
			if l.Outcome == Failed && (l.Event != chat.EventSessionClosed || !strings.Contains(l.Reason, olga.ID)) {
				t.Fatalf("failed line %+v, want the close, naming the deleted operator", l)
			}
		}
		if outcomes[Started] != 4 || outcomes[Failed] != 1 {
			t.Fatalf("outcomes %v, want the four messages started and the close failed", outcomes)
		}
		texts := s.startedTexts(t)
		if len(texts) != 2 || len(texts[closed]) != 2 || texts[closed][0] != "c0-m0" || texts[closed][1] != "c0-m1" {
			t.Fatalf("started instances per session %v", texts)
		}
	})
}

// TestABatchFollowsEachLiveChatsOwnBindings dispatches, in one batch, the events of two live
// chats bound to different events: each event is decided by its own live chat's binding,
// and a binding changed between two batches holds from the next one.
func TestABatchFollowsEachLiveChatsOwnBindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t) // the stack's live chat: message_received starts echo
		shop, err := s.chat.CreateLiveChat(s.ctx, chat.NewLiveChat{Name: "Shop", By: chat.SystemActor().ID,
			OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
		must(t, err)
		_, err = a.SaveBinding(s.ctx, shop.ID, chat.EventSessionCreated, BindingInput{Process: "echo"})
		must(t, err)
		writeBoth := func(identity string) {
			for _, ch := range []string{s.channel, shop.Channels[0].ID} {
				for i := range 2 {
					_, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: ch, Identity: identity,
						Customer: chat.CustomerInfo{Name: identity}, Text: fmt.Sprintf("%s-m%d", identity, i)})
					must(t, err)
				}
			}
		}
		started := func() map[string]int {
			out := map[string]int{}
			must(t, db.Read(s.ctx, func(tx *store.Tx) error {
				rows, err := tx.Query(s.ctx, "SELECT live_chat_id, event FROM automation_log WHERE outcome = 'started'")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var lc, ev string
					if err := rows.Scan(&lc, &ev); err != nil {
						return err
					}
					out[map[string]string{s.chatID: "web", shop.ID: "shop"}[lc]+" "+ev]++
				}
				return rows.Err()
			}))
			return out
		}

		writeBoth("ann")
		must(t, chat.SequencePending(s.ctx, db))
		if n, err := a.DispatchOnce(context.Background()); err != nil || (db.Dialect() == store.SQLite && n != 6) {
			t.Fatalf("one batch handled %d events (%v), want the six of both live chats", n, err)
		}
		drainAll(t, a)
		want := map[string]int{"web " + chat.EventMessageReceived: 2, "shop " + chat.EventSessionCreated: 1}
		if got := started(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("started %v, want %v", got, want)
		}

		must(t, a.DeleteBinding(s.ctx, s.chatID, chat.EventMessageReceived))
		_, err = a.SaveBinding(s.ctx, shop.ID, chat.EventMessageReceived, BindingInput{Process: "echo"})
		must(t, err)
		writeBoth("bob")
		drainAll(t, a)
		want = map[string]int{"web " + chat.EventMessageReceived: 2, "shop " + chat.EventSessionCreated: 2,
			"shop " + chat.EventMessageReceived: 2}
		if got := started(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after the bindings changed, started %v, want %v", got, want)
		}
	})
}
