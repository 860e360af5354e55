package chat_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// seqsOf lists the events' seqs.
func seqsOf(evs []chat.Event) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

// TestFollowerHandlesEveryEventOnce follows the outbox in passes smaller than what is waiting:
// every event is handled once and in order, a pass that handled fewer than it read is read on
// from after the last handled, and a pass that failed leaves nothing behind, its events
// handled again by the next.
func TestFollowerHandlesEveryEventOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.customer("one")
		f.customer("two")
		want := seqsOf(f.events(0))
		if len(want) < 4 {
			t.Fatalf("%d events written, want at least 4", len(want))
		}

		var got []int64
		fl := chat.Follower{Consumer: "test-all", Batch: 3, Handle: func(_ context.Context, _ *store.Tx, evs []chat.Event) (int, error) {
			for i := range evs {
				if err := evs[i].Decode(); err != nil {
					return 0, err
				}
				if evs[i].Snapshot.Session.ID != evs[i].SessionID {
					t.Errorf("event %d decodes to session %q, want %q", evs[i].Seq, evs[i].Snapshot.Session.ID, evs[i].SessionID)
				}
			}
			got = append(got, seqsOf(evs)...)
			return len(evs), nil
		}}
		for pass := 0; ; pass++ {
			n, more, held, err := fl.Pass(f.ctx, db)
			f.must(err)
			if held {
				t.Fatal("a cursor nobody else holds was reported held")
			}
			if n == 0 {
				if more {
					t.Fatal("an empty pass asks to go on")
				}
				break
			}
			if wantMore := n == 3; more != wantMore {
				t.Fatalf("pass %d handled %d of a batch of 3: more=%v, want %v", pass, n, more, wantMore)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("handled %v, want each of %v once, in order", got, want)
		}

		// A pass that handles only its first event goes on from the second.
		var firsts []int64
		early := chat.Follower{Consumer: "test-early", Batch: 100, Handle: func(_ context.Context, _ *store.Tx, evs []chat.Event) (int, error) {
			firsts = append(firsts, evs[0].Seq)
			return 1, nil
		}}
		for range 2 {
			n, more, _, err := early.Pass(f.ctx, db)
			f.must(err)
			if n != 1 || !more {
				t.Fatalf("a pass that stopped after its first event: n=%d more=%v, want 1 and true", n, more)
			}
		}
		if !slices.Equal(firsts, want[:2]) {
			t.Fatalf("passes began at %v, want %v", firsts, want[:2])
		}

		// A failed pass undoes its writes and leaves the cursor where it was.
		boom := errors.New("boom")
		failing := chat.Follower{Consumer: "test-fail", Batch: 100, Handle: func(ctx context.Context, tx *store.Tx, evs []chat.Event) (int, error) {
			if _, err := tx.Exec(ctx, "INSERT INTO outbox_cursors (consumer, seq, updated_at) VALUES (?, 0, ?)", "written-by-failed-pass", store.TS(tx.Now())); err != nil {
				return 0, err
			}
			return 0, boom
		}}
		if n, more, _, err := failing.Pass(f.ctx, db); !errors.Is(err, boom) || n != 0 || more {
			t.Fatalf("failed pass: n=%d more=%v err=%v, want 0, false and its error", n, more, err)
		}
		var left int
		f.must(db.Read(f.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(f.ctx, "SELECT COUNT(*) FROM outbox_cursors WHERE consumer = ?", "written-by-failed-pass").Scan(&left)
		}))
		if left != 0 {
			t.Fatal("the failed pass's write was kept")
		}
		got = nil
		failing.Handle = fl.Handle
		n, _, _, err := failing.Pass(f.ctx, db)
		f.must(err)
		if n != len(want) || !slices.Equal(got, want) {
			t.Fatalf("after a failed pass the next handled %v, want every event %v", got, want)
		}
	})
}

// TestFollowerLeavesAHeldCursor has a second node pass while the first holds the cursor: it
// handles nothing and reports the cursor held, so that its loop leaves the following alone
// for a while instead of waiting on the row.
func TestFollowerLeavesAHeldCursor(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("one node at a time is PostgreSQL's (SQLite has one writer)")
	}
	nodes := storetest.Nodes(t, 2)
	f := newFixture(t, nodes[0])
	f.customer("one")
	// A first pass makes the cursor: a new one's row is inserted by its first claim, and a
	// second claim waits for that insert to commit.
	first := chat.Follower{Consumer: "test-held", Batch: 100, Handle: func(_ context.Context, _ *store.Tx, evs []chat.Event) (int, error) {
		return len(evs), nil
	}}
	_, _, _, err := first.Pass(f.ctx, nodes[0])
	f.must(err)
	f.customer("two")
	inFirst, release := make(chan struct{}), make(chan struct{})
	first.Handle = func(context.Context, *store.Tx, []chat.Event) (int, error) {
		close(inFirst)
		<-release
		return 1, nil
	}
	done := make(chan error, 1)
	go func() { _, _, _, err := first.Pass(f.ctx, nodes[0]); done <- err }()
	<-inFirst
	second := first
	second.Handle = func(context.Context, *store.Tx, []chat.Event) (int, error) {
		t.Error("the second node handled events while the first held the cursor")
		return 0, nil
	}
	n, more, held, err := second.Pass(f.ctx, nodes[1])
	close(release)
	f.must(<-done)
	if err != nil || n != 0 || more || !held {
		t.Fatalf("pass on a held cursor: n=%d more=%v held=%v err=%v, want 0, false, true, nil", n, more, held, err)
	}
}

// TestFollowerRunWakesOnAWrite runs a follower whose safety-net poll never comes: a message
// written after it started is handled all the same, woken by the write's notification.
func TestFollowerRunWakesOnAWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		handled := runFollower(t, f, db, time.Hour)
		deadline := time.After(10 * time.Second)
		// seen waits for the message_received of the receipt's session.
		seen := func(r *chat.Receipt, what string) {
			t.Helper()
			for {
				select {
				case ev := <-handled:
					if ev.Type == chat.EventMessageReceived && ev.SessionID == r.Session.ID {
						return
					}
				case <-deadline:
					t.Fatalf("%s was not handled within 10 s", what)
				}
			}
		}
		// The second message is written once a pass has handled the first, so only a pass
		// woken by its write can handle it.
		seen(f.customer("first"), "the first message")
		seen(f.customer("second"), "the message written after a pass")
	})
}

// TestFollowerRunFindsWhatADeadNodeLeftUnnumbered: an event committed by a node that died
// before its sequencer numbered it wakes nobody; the follower's poll numbers and handles it.
func TestFollowerRunFindsWhatADeadNodeLeftUnnumbered(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("events wait for their seqs on PostgreSQL only (SQLite numbers them as it writes)")
	}
	db := storetest.Postgres(t)
	f := newFixture(t, db)
	first := f.customer("first")
	handled := runFollower(t, f, db, 200*time.Millisecond)
	deadline := time.After(10 * time.Second)
	waitFor := func(id, what string) {
		t.Helper()
		for {
			select {
			case ev := <-handled:
				if ev.ID == id {
					return
				}
			case <-deadline:
				t.Fatalf("%s was not handled within 10 s", what)
			}
		}
	}
	var lastID string
	f.must(db.Read(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, "SELECT id FROM outbox WHERE session_id = ? ORDER BY seq DESC LIMIT 1", first.Session.ID).Scan(&lastID)
	}))
	waitFor(lastID, "the first message")

	// Written as a writer writes it, without the run its node would have asked for.
	f.must(db.Tx(f.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(f.ctx, `INSERT INTO outbox (part, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at)
			SELECT part, ?, type, session_id, live_chat_id, session_seq + 1000, actor, snapshot, created_at FROM outbox WHERE id = ?`,
			"evt_left_by_a_dead_node", lastID)
		return err
	}))
	waitFor("evt_left_by_a_dead_node", "the event nobody numbered")
}

// runFollower runs a follower, polling every poll, until the test ends; the events it handles
// come out of the channel.
func runFollower(t *testing.T, f *fixture, db *store.DB, poll time.Duration) <-chan chat.Event {
	handled := make(chan chat.Event, 1000)
	fl := chat.Follower{Consumer: "test-run", Batch: 100, Handle: func(_ context.Context, _ *store.Tx, evs []chat.Event) (int, error) {
		for _, ev := range evs {
			handled <- ev
		}
		return len(evs), nil
	}}
	ctx, cancel := context.WithCancel(f.ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); fl.Run(ctx, db, poll, slog.Default(), "test follower") }()
	t.Cleanup(func() { cancel(); <-stopped })
	return handled
}
