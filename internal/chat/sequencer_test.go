package chat_test

import (
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestEventCommittedLateIsNotLost holds a customer's write open after it wrote its event,
// while a second customer's write starts later and commits first. A reader that has already
// read the second event must still get the first one once it commits: on PostgreSQL the
// first event was inserted earlier (smaller wid) but numbered after its late commit. On
// SQLite the second writer simply waits for the first.
func TestEventCommittedLateIsNotLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.customer("warm up")
		start := f.latest()
		release := f.holdOpen(func(tx *store.Tx) error {
			_, err := f.chat.ReceiveTx(f.ctx, tx, chat.Inbound{ChannelID: f.widget.ID, Identity: "slow", Text: "first written"})
			return err
		})
		var cursor int64
		if db.Dialect() == store.Postgres {
			f.send("quick", "second written")
			evs := f.events(start)
			if len(evs) == 0 || evs[len(evs)-1].Snapshot.LastMessage.Text != "second written" {
				t.Fatalf("after the quick write the reader sees %v, want its events only", texts(evs))
			}
			cursor = evs[len(evs)-1].Seq
		}
		f.must(release())
		evs := f.events(cursor)
		found := false
		for _, e := range evs {
			found = found || e.Snapshot.LastMessage.Text == "first written"
		}
		if !found {
			t.Fatalf("after seq %d the reader sees %v: the event committed late was lost", cursor, texts(evs))
		}
	})
}

// TestPartitionEventsKeepSessionOrder checks that a part of PostgreSQL's outbox holds every
// event of its sessions, in each session's order.
func TestPartitionEventsKeepSessionOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			return // SQLite's outbox has no parts: one dispatcher reads it all in order
		}
		f := newFixture(t, db)
		for i := range 5 {
			for c := range 6 {
				f.send(string(rune('a'+c)), "m"+string(rune('0'+i)))
			}
		}
		f.must(chat.SequencePending(f.ctx, db))
		total := 0
		for p := range chat.Partitions {
			var evs []chat.Event
			f.must(db.Read(f.ctx, func(tx *store.Tx) (err error) {
				evs, err = chat.PartitionsEventsAfter(f.ctx, tx, map[int]int64{p: 0}, 1000)
				return err
			}))
			last := map[string]int64{}
			for _, e := range evs {
				if chat.PartitionOf(e.SessionID) != p {
					t.Fatalf("part %d holds an event of session %s, whose part is %d", p, e.SessionID, chat.PartitionOf(e.SessionID))
				}
				if e.SessionSeq != last[e.SessionID]+1 {
					t.Fatalf("part %d: session %s event %d after %d", p, e.SessionID, e.SessionSeq, last[e.SessionID])
				}
				last[e.SessionID] = e.SessionSeq
			}
			total += len(evs)
		}
		if want := int(f.latest()); total != want {
			t.Fatalf("the parts hold %d events, the outbox %d", total, want)
		}
	})
}

func texts(evs []chat.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Snapshot.LastMessage != nil {
			out = append(out, e.Type+":"+e.Snapshot.LastMessage.Text)
		}
	}
	return out
}

// TestWriterDoesNotWaitForTheClusterSequencer holds the cluster's sequencer lock, as another
// node's run does, while a customer writes: the write is answered at its commit, and its
// event is read in order once the numbering gets through. If writers still waited for a run,
// the write would wait for the lock, which this test releases only after the write returned.
func TestWriterDoesNotWaitForTheClusterSequencer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			return // SQLite numbers events as they are written
		}
		f := newFixture(t, db)
		f.customer("warm up")
		start := f.latest()
		release := f.holdOpen(func(tx *store.Tx) error {
			_, err := tx.Exec(f.ctx, "SELECT pg_advisory_xact_lock(7245019388)")
			return err
		})
		f.send("busy", "while another node numbers")
		f.must(release())
		if got := texts(f.events(start)); len(got) == 0 || got[len(got)-1] != "message_received:while another node numbers" {
			t.Fatalf("after the lock was released the reader sees %v, want the write's events", got)
		}
	})
}

// holdOpen runs fn in a transaction of its own and keeps that open until release is called,
// which returns how it ended.
func (f *fixture) holdOpen(fn func(tx *store.Tx) error) (release func() error) {
	ran, end, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- f.db.Tx(f.ctx, func(tx *store.Tx) error {
			err := fn(tx)
			close(ran)
			<-end
			return err
		})
	}()
	<-ran
	return func() error {
		close(end)
		return <-done
	}
}
