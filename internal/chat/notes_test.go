package chat_test

import (
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// A note is for staff: it is listed for them, stays out of the session's messages (which the
// customer reads) and raises no event, so no message_received process starts.
func TestNotesStayWithStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sess := f.customer("my parcel is late").Session
		before := f.latest()
		n, err := f.chat.AddNote(f.ctx, f.offline, sess.ID, "VIP, be kind")
		f.must(err)
		if n.AuthorName != f.offline.DisplayName || n.Text != "VIP, be kind" {
			t.Fatalf("note = %+v", n)
		}
		_, err = f.chat.AddNote(f.ctx, f.supervisor, sess.ID, "second")
		f.must(err)
		list, err := f.chat.Notes(f.ctx, f.operator, sess.ID)
		f.must(err)
		if len(list.Items) != 2 || list.Items[0].Text != "VIP, be kind" || list.Items[1].Text != "second" {
			t.Fatalf("notes = %+v", list.Items)
		}
		if evs := f.events(before); len(evs) != 0 {
			t.Fatalf("a note raised events: %+v", evs)
		}
		msgs, err := f.chat.VisitorMessages(f.ctx, sess.ID, store.Page{})
		f.must(err)
		if len(msgs.Items) != 1 || msgs.Items[0].Text != "my parcel is late" {
			t.Fatalf("the customer's messages = %+v", msgs.Items)
		}
		if got := f.session(sess.ID).MessageCount; got != 1 {
			t.Fatalf("message count = %d, want 1", got)
		}
	})
}

func TestNotesRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sess := f.customer("hello").Session
		if _, err := f.chat.AddNote(f.ctx, f.stranger, sess.ID, "x"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("stranger's note: %v, want not found", err)
		}
		if _, err := f.chat.Notes(f.ctx, f.stranger, sess.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("stranger reads notes: %v, want not found", err)
		}
		if _, err := f.chat.AddNote(f.ctx, f.operator, sess.ID, "  "); !errs.Is(err, errs.Invalid) {
			t.Fatalf("empty note: %v, want invalid", err)
		}
		if _, err := f.chat.AddNote(f.ctx, f.operator, "ses_none", "x"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("note on no session: %v, want not found", err)
		}
		list, err := f.chat.Notes(f.ctx, f.admin, sess.ID)
		f.must(err)
		if len(list.Items) != 0 {
			t.Fatalf("refused notes were stored: %+v", list.Items)
		}
	})
}
