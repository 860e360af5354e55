package chat_test

import (
	"errors"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// A customer's messages in a known session take the session from the SQLite writer's cache:
// each message's event must still show the live chat and customer as they are now, and count
// from what committed, not from a change that was rolled back.
func TestMessageEventsFollowChangesAndRollbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		s := f.send("v1", "first").Session
		inSession := func(text string) chat.Event {
			t.Helper()
			seq := f.latest()
			r, err := f.chat.ReceiveInSession(f.ctx, s.ID, text, "")
			f.must(err)
			evs := f.events(seq)
			if len(evs) != 1 || evs[0].Type != chat.EventMessageReceived {
				t.Fatalf("events after %q: %+v", text, evs)
			}
			if r.Message.Seq != evs[0].Snapshot.Session.MessageCount {
				t.Fatalf("message seq %d, snapshot's message count %d", r.Message.Seq, evs[0].Snapshot.Session.MessageCount)
			}
			return evs[0]
		}
		first := inSession("second")

		name := "Support desk"
		_, err := f.chat.UpdateLiveChat(f.ctx, f.lc.ID, chat.LiveChatPatch{Name: &name})
		f.must(err)
		if ev := inSession("third"); ev.Snapshot.LiveChat.Name != name {
			t.Fatalf("live chat in the snapshot after a rename: %+v", ev.Snapshot.LiveChat)
		}

		// A returning customer gives a new name through the channel.
		_, err = f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "v1", Text: "fourth",
			Customer: chat.CustomerInfo{Name: "Ann Smith"}})
		f.must(err)
		if ev := inSession("fifth"); ev.Snapshot.Customer.Name != "Ann Smith" {
			t.Fatalf("customer in the snapshot after their new name: %+v", ev.Snapshot.Customer)
		}

		// A reply whose transaction fails leaves no trace in the next message's counts.
		before := f.session(s.ID)
		undone := errors.New("undone")
		err = db.Tx(f.ctx, func(tx *store.Tx) error {
			if _, err := f.chat.PostMessageTx(f.ctx, tx, chat.Reply{SessionID: s.ID, Text: "never sent", By: chat.ProcessActor("")}); err != nil {
				return err
			}
			return undone
		})
		if !errors.Is(err, undone) {
			t.Fatalf("rolled back reply: %v", err)
		}
		ev := inSession("sixth")
		if ev.Snapshot.Session.MessageCount != before.MessageCount+1 || ev.SessionSeq <= first.SessionSeq {
			t.Fatalf("after a rollback: snapshot %+v, session seq %d (count before %d)", ev.Snapshot.Session, ev.SessionSeq, before.MessageCount)
		}
		if got := f.session(s.ID); got.MessageCount != before.MessageCount+1 {
			t.Fatalf("stored message count %d, want %d", got.MessageCount, before.MessageCount+1)
		}
	})
}
