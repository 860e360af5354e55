package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestConcurrentDispatchersKeepSessionOrder runs two dispatchers as two nodes do, each
// working on several parts of the outbox at once, while customers write: every message
// starts one instance, and each session's instances start in the order of its messages.
func TestConcurrentDispatchersKeepSessionOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		b := New(db, s.chat, s.process, nil, Options{Batch: 3, Workers: 4})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, d := range []*Service{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); d.Run(ctx) }()
		}
		s.write(t, 8, 6)
		waitStarted(t, s, 48)
		cancel()
		wg.Wait()
		checkOnce(t, s, 8, 6)
	})
}

// TestDeadDispatchersPartIsTakenOver stops one dispatcher in the middle of a batch, holding
// its part of the outbox, and lets it die there. The other dispatcher handles every other
// part meanwhile, and the dead one's part at its next poll after the death: every message
// starts exactly one instance, in order.
func TestDeadDispatchersPartIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			return // one SQLite writer: a dispatcher stopped mid-batch stops every write
		}
		s := newStack(t, db)
		dead := s.automation(t)
		s.write(t, 6, 3)
		holding, kill := make(chan string, 1), make(chan struct{})
		dead.afterEvent = func(ev *chat.Event) {
			select {
			case holding <- ev.SessionID:
				<-kill
			default:
			}
		}
		crash := errors.New("killed")
		dead.beforeCommit = func() error { return crash }
		died := make(chan error, 1)
		go func() { _, err := dead.DispatchOnce(context.Background()); died <- err }()
		held := chat.PartitionOf(<-holding)

		survivor := New(db, s.chat, s.process, nil, Options{Batch: 4, Poll: 2 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go survivor.Run(ctx)
		waitStarted(t, s, 18-messagesIn(t, s, held))
		close(kill)
		if err := <-died; !errors.Is(err, crash) {
			t.Fatalf("the dead dispatcher's batch ended with %v", err)
		}
		waitStarted(t, s, 18)
		checkOnce(t, s, 6, 3)
	})
}

// messagesIn counts the customer messages in one part of the outbox.
func messagesIn(t *testing.T, s *stack, part int) int {
	must(t, chat.SequencePending(s.ctx, s.db))
	var evs []chat.Event
	must(t, s.db.Read(s.ctx, func(tx *store.Tx) (err error) {
		evs, err = chat.PartitionsEventsAfter(s.ctx, tx, map[int]int64{part: 0}, 1000)
		return err
	}))
	n := 0
	for _, e := range evs {
		if e.Type == chat.EventMessageReceived {
			n++
		}
	}
	return n
}

// waitStarted waits until the log has n started lines. The dispatchers run on their own
// wake-ups and polls; the bound only keeps a broken dispatcher from hanging the test.
func waitStarted(t *testing.T, s *stack, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got int
		must(t, s.db.Read(s.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM automation_log WHERE outcome = 'started'").Scan(&got)
		}))
		if got == n {
			return
		}
		if got > n || time.Now().After(deadline) {
			t.Fatalf("%d instances started, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBacklogCountsWhatIsNotDispatched reads the backlog before and after dispatching.
func TestBacklogCountsWhatIsNotDispatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		s.write(t, 3, 2)
		b, err := a.Backlog(context.Background())
		must(t, err)
		// Each customer's first message also wrote session_created: 3 + 6 events.
		if b.Events != 9 || b.Oldest.IsZero() {
			t.Fatalf("backlog %+v before dispatching, want 9 events and the oldest's time", b)
		}
		drainAll(t, a)
		if b, err = a.Backlog(context.Background()); err != nil || b.Events != 0 || !b.Oldest.IsZero() {
			t.Fatalf("backlog %+v (%v) after dispatching, want none", b, err)
		}
	})
}

// TestOneBatchTakesSeveralParts dispatches several parts of the outbox in one transaction, a
// batch smaller than what waits: each part's cursor moves to its own last event handled, so
// the next batches start each part where it stopped, and every message starts one instance,
// in order.
func TestOneBatchTakesSeveralParts(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	d := New(db, s.chat, s.process, nil, Options{Batch: 5})
	s.automation(t)  // the binding
	s.write(t, 6, 4) // six sessions: in more than one part but once in 16^5
	n, err := d.dispatchParts(s.ctx, allParts())
	must(t, err)
	if n != 5 {
		t.Fatalf("the first batch handled %d events, want its limit of 5", n)
	}
	for {
		n, err := d.dispatchParts(s.ctx, allParts())
		must(t, err)
		if n == 0 {
			break
		}
	}
	waitStarted(t, s, 24)
	checkOnce(t, s, 6, 4)
}

// TestARoundGivesEachShareOneBatch keeps one part of the outbox busy, as steady load does:
// while each batch of it runs, its customer writes again. One round of the node's workers
// still ends after one batch of each share, so that the next round takes the other parts'
// new events too, instead of leaving them until the busy part runs dry.
func TestARoundGivesEachShareOneBatch(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	d := New(db, s.chat, s.process, nil, Options{Batch: 256, Workers: 2})
	s.automation(t) // the binding
	// Sessions in 2 * partsPerWorker parts: two shares. A batch holds every event of its
	// share (each customer wrote two: session_created and the message).
	sessions, _ := sessionsInParts(t, s, 2*partsPerWorker)
	busy := sessions[0]
	var mu sync.Mutex
	handled := map[string]int{}
	d.afterEvent = func(ev *chat.Event) {
		if ev.Type != chat.EventMessageReceived {
			return
		}
		mu.Lock()
		handled[ev.SessionID]++
		again := ev.SessionID == busy && handled[busy] < 30
		mu.Unlock()
		if again { // the busy customer writes while the batch runs (on a worker's goroutine)
			if _, err := s.chat.ReceiveInSession(s.ctx, busy, "again", ""); err != nil {
				t.Error(err)
			} else if err := chat.SequencePending(s.ctx, db); err != nil {
				t.Error(err)
			}
		}
	}
	if !d.drainParts(s.ctx, partsOf(sessions)) {
		t.Fatal("the round reported no progress")
	}
	for _, id := range sessions {
		if handled[id] != 1 {
			t.Fatalf("one round handled %d messages of session %s (busy: %v), want 1: "+
				"a round that follows a busy part keeps every other share waiting", handled[id], id, id == busy)
		}
	}
}

// TestFewPartsShareOneTransaction: a node of several holds a few parts of the outbox, and
// those that wait go in one batch, not a worker's transaction each for a few events.
func TestFewPartsShareOneTransaction(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	d := New(db, s.chat, s.process, nil, Options{Batch: 256, Workers: 4})
	s.automation(t) // the binding
	sessions, written := sessionsInParts(t, s, partsPerWorker-1)
	var mu sync.Mutex
	var batches []int
	d.afterBatch = func(ids []string) {
		mu.Lock()
		batches = append(batches, len(ids))
		mu.Unlock()
	}
	if !d.drainParts(s.ctx, partsOf(sessions)) {
		t.Fatal("the round reported no progress")
	}
	if len(batches) != 1 || batches[0] != written {
		t.Fatalf("%d waiting parts went in batches of %v messages, want one batch of %d", len(sessions), batches, written)
	}
}

// sessionsInParts has new customers write until their sessions are in n parts of the outbox,
// and returns one session of each part and how many customers wrote, their messages numbered.
func sessionsInParts(t *testing.T, s *stack, n int) (sessions []string, written int) {
	t.Helper()
	seen := map[int]bool{}
	for ; len(sessions) < n; written++ {
		c := written
		r, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: fmt.Sprintf("visitor-%d", c),
			Customer: chat.CustomerInfo{Name: "C"}, Text: "hello"})
		must(t, err)
		if p := chat.PartitionOf(r.Session.ID); !seen[p] {
			seen[p] = true
			sessions = append(sessions, r.Session.ID)
		}
	}
	must(t, chat.SequencePending(s.ctx, s.db))
	return sessions, written
}

func partsOf(sessions []string) []int {
	parts := make([]int, len(sessions))
	for i, id := range sessions {
		parts[i] = chat.PartitionOf(id)
	}
	return parts
}
