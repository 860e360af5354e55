package chat_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestOutboxEventsPerChange walks one session through its life and checks that each change
// wrote exactly its events, in order, with per-session seqs counting from 1.
func TestOutboxEventsPerChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		op, sup := chat.UserActor(f.operator), chat.UserActor(f.supervisor)
		var id string
		steps := []struct {
			name string
			do   func() error
			want []string
		}{
			{"first message", func() error { id = f.send("v", "hi").Session.ID; return nil },
				[]string{chat.EventSessionCreated, chat.EventMessageReceived}},
			{"customer message", func() error { f.send("v", "again"); return nil }, []string{chat.EventMessageReceived}},
			{"take", func() error { _, err := f.chat.Take(f.ctx, id, op); return err }, []string{chat.EventSessionAssigned}},
			{"reply", func() error {
				_, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "hello!", By: op})
				return err
			}, []string{chat.EventMessageSent}},
			{"process reply", func() error {
				return db.Tx(f.ctx, func(tx *store.Tx) error {
					_, err := f.chat.PostProcessMessage(f.ctx, tx, id, "automatic")
					return err
				})
			}, []string{chat.EventMessageSent}},
			{"priority", func() error { _, err := f.chat.SetPriority(f.ctx, id, chat.High, op); return err }, []string{chat.EventSessionUpdated}},
			{"spam", func() error { _, err := f.chat.MarkSpam(f.ctx, id, op); return err }, []string{chat.EventSessionSpam}},
			{"unspam", func() error { _, err := f.chat.RemoveSpam(f.ctx, id, sup); return err }, []string{chat.EventSessionUnspam}},
			{"assign", func() error { _, err := f.chat.Assign(f.ctx, id, f.operator2.ID, sup); return err }, []string{chat.EventSessionAssigned}},
			{"close", func() error {
				return db.Tx(f.ctx, func(tx *store.Tx) error {
					_, err := f.chat.CloseTx(f.ctx, tx, id, chat.ProcessActor("ins_1"))
					return err
				})
			}, []string{chat.EventSessionClosed}},
			{"return", func() error { f.send("v", "one more thing"); return nil },
				[]string{chat.EventSessionReopened, chat.EventMessageReceived}},
		}
		var sessionSeq int64
		for _, step := range steps {
			seq := f.latest()
			f.must(step.do())
			evs := f.events(seq)
			if got := types(evs); !slices.Equal(got, step.want) {
				t.Fatalf("%s: events %v, want %v", step.name, got, step.want)
			}
			for i, e := range evs {
				sessionSeq++
				if e.Seq != seq+int64(i)+1 || e.SessionSeq != sessionSeq || e.SessionID != id || e.LiveChatID != f.lc.ID {
					t.Fatalf("%s: event %+v, want seq %d and session seq %d", step.name, e, seq+int64(i)+1, sessionSeq)
				}
			}
		}
		closed := f.events(0)
		for _, e := range closed {
			if e.Type == chat.EventSessionClosed && (e.By != "process:ins_1" || e.Snapshot.Session.State != chat.Closed || e.Snapshot.Session.ClosedAt.IsZero()) {
				t.Fatalf("session_closed %+v", e)
			}
		}
	})
}

// TestOutboxAtomic checks that a failing transaction leaves neither the change nor its event.
func TestOutboxAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.customer("hi").Session.ID
		seq, before := f.latest(), f.session(id)
		boom := errors.New("boom")
		err := db.Tx(f.ctx, func(tx *store.Tx) error {
			if _, err := f.chat.ReceiveTx(f.ctx, tx, chat.Inbound{ChannelID: f.widget.ID, Identity: "newcomer", Text: "hi"}); err != nil {
				return err
			}
			if _, err := f.chat.PostProcessMessage(f.ctx, tx, id, "hello"); err != nil {
				return err
			}
			if _, err := f.chat.CloseTx(f.ctx, tx, id, chat.SystemActor()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		if evs := f.events(seq); len(evs) != 0 {
			t.Fatalf("a rolled back transaction left events %v", types(evs))
		}
		after := f.session(id)
		if after.State != before.State || after.MessageCount != before.MessageCount {
			t.Fatalf("a rolled back transaction changed the session: %+v", after)
		}
		list, err := f.chat.Sessions(f.ctx, f.admin, chat.SessionFilter{})
		f.must(err)
		if len(list.Items) != 1 {
			t.Fatalf("%d sessions, want 1: the newcomer's must not exist", len(list.Items))
		}
		// The next event follows without a gap: the rolled back seqs were never used.
		f.customer("next")
		if evs := f.events(seq); evs[0].Seq != seq+1 {
			t.Fatalf("next seq %d, want %d", evs[0].Seq, seq+1)
		}
	})
}

// TestOutboxCommitOrder writes from many goroutines while a reader follows "seq > last": in
// commit order, the reader must see every seq exactly once and never one below what it saw.
func TestOutboxCommitOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const writers, each = 8, 15
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		seen, progress := make(chan []int64, 1), new(atomic.Int64)
		go func() { seen <- follow(ctx, db, progress) }()
		concurrently(writers, each, func(w, _ int) bool {
			if _, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: fmt.Sprint("w", w), Text: "x"}); err != nil {
				t.Error(err)
				return false
			}
			return true
		})
		want := f.latest()
		deadline := time.Now().Add(10 * time.Second)
		for progress.Load() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		got := <-seen
		if int64(len(got)) != want {
			t.Fatalf("reader saw %d events, want %d", len(got), want)
		}
		for i, s := range got {
			if s != int64(i)+1 {
				t.Fatalf("reader saw seq %d at position %d: an event committed behind the reader's cursor", s, i)
			}
		}
	})
}

// follow reads the outbox as the realtime hub does, until ctx ends, storing how far it got.
func follow(ctx context.Context, db *store.DB, progress *atomic.Int64) []int64 {
	var out []int64
	last := int64(0)
	for ctx.Err() == nil {
		var evs []chat.Event
		_ = db.Read(ctx, func(tx *store.Tx) (err error) {
			evs, err = chat.EventsAfter(ctx, tx, last, 100)
			return err
		})
		for _, e := range evs {
			out = append(out, e.Seq)
			last = e.Seq
		}
		progress.Store(last)
		if len(evs) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return out
}

func TestCursors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.customer("one")
		f.must(chat.SequencePending(f.ctx, db))
		claim := func(tx *store.Tx) (int64, bool) {
			after, ok, err := chat.ClaimCursor(f.ctx, tx, "test")
			f.must(err)
			return after, ok
		}
		f.must(db.Tx(f.ctx, func(tx *store.Tx) error {
			if after, ok := claim(tx); after != 0 || !ok {
				t.Fatalf("a new cursor: %d %v, want 0 and ok", after, ok)
			}
			evs, err := chat.EventsAfter(f.ctx, tx, 0, 10)
			f.must(err)
			return chat.AdvanceCursor(f.ctx, tx, "test", evs[len(evs)-1].Seq)
		}))
		f.must(db.Tx(f.ctx, func(tx *store.Tx) error {
			if after, _ := claim(tx); after != 2 {
				t.Fatalf("cursor at %d, want 2", after)
			}
			return chat.AdvanceCursor(f.ctx, tx, "test", 1) // never moves back
		}))
		f.must(db.Tx(f.ctx, func(tx *store.Tx) error {
			if after, _ := claim(tx); after != 2 {
				t.Fatalf("cursor moved back to %d", after)
			}
			return nil
		}))
		if db.Dialect() == store.Postgres {
			checkClaimExcludes(t, f)
		}
	})
}

// checkClaimExcludes holds the cursor in one transaction and claims it from another, as a
// second node would: the second gets ok=false at once.
func checkClaimExcludes(t *testing.T, f *fixture) {
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- f.db.Tx(f.ctx, func(tx *store.Tx) error {
			if _, ok, err := chat.ClaimCursor(f.ctx, tx, "test"); err != nil || !ok {
				return fmt.Errorf("first claim: %v %v", ok, err)
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	f.must(f.db.Tx(f.ctx, func(tx *store.Tx) error {
		_, ok, err := chat.ClaimCursor(f.ctx, tx, "test")
		if err != nil || ok {
			t.Errorf("second claim while held: ok=%v err=%v, want ok=false", ok, err)
		}
		return err
	}))
	close(release)
	f.must(<-done)
}

// TestOutboxSeqsAfterRollbacks has writers of one group fail after writing events, so that
// the SQLite writer rolls them back to their savepoints between the others: the kept events
// must have seqs 1, 2, 3, … in commit order, with none given twice or skipped.
func TestOutboxSeqsAfterRollbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const writers, each = 8, 12
		undone := errors.New("undone")
		var kept atomic.Int64
		concurrently(writers, each, func(w, i int) bool {
			err := db.Tx(f.ctx, func(tx *store.Tx) error {
				if _, err := f.chat.ReceiveTx(f.ctx, tx, chat.Inbound{ChannelID: f.widget.ID, Identity: fmt.Sprint("w", w), Text: "x"}); err != nil {
					return err
				}
				if (w+i)%3 == 0 {
					return undone
				}
				return nil
			})
			switch {
			case err == nil:
				kept.Add(1)
			case !errors.Is(err, undone):
				t.Error(err)
				return false
			}
			return true
		})
		evs := f.events(0)
		for i, e := range evs {
			if e.Seq != int64(i)+1 {
				t.Fatalf("event %d of %d has seq %d: a seq skipped or given twice", i+1, len(evs), e.Seq)
			}
		}
		received := 0
		for _, e := range evs {
			if e.Type == chat.EventMessageReceived {
				received++
			}
		}
		if int64(received) != kept.Load() {
			t.Fatalf("%d messages in the outbox, %d committed: a rolled back message left its event", received, kept.Load())
		}
	})
}

// TestOutboxSeqsAfterRestart restarts an SQLite server whose writer last gave seqs to a
// transaction that rolled back: the restarted one knows only what the database holds, and its
// first event must follow the last committed one.
func TestOutboxSeqsAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	db := storetest.Open(t, path)
	f := newFixture(t, db)
	f.customer("first")
	last := f.latest()
	f.sendUndone("gone", "x")
	f.must(db.Close())

	again := storetest.Open(t, path)
	g := &fixture{t: t, ctx: f.ctx, db: again, chat: chat.New(again, nil), widget: f.widget}
	g.send("after-restart", "hello")
	next := g.events(last)
	if len(next) == 0 || next[0].Seq != last+1 {
		t.Fatalf("after a restart the first new event is %+v, want seq %d", next, last+1)
	}
}

// concurrently runs writers goroutines at once, each calling write(w, i) for i from 0 to each-1
// until it returns false, and returns when all have ended.
func concurrently(writers, each int, write func(w, i int) bool) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if !write(w, i) {
					return
				}
			}
		})
	}
	wg.Wait()
}
