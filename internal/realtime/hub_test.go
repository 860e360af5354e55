package realtime_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/realtime"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// liveChat makes a live chat and returns its widget channel's id.
func liveChat(t *testing.T, db *store.DB, name string) string {
	t.Helper()
	lc, err := chat.New(db, nil).CreateLiveChat(context.Background(), chat.NewLiveChat{Name: name,
		OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
	if err != nil {
		t.Fatal(err)
	}
	return lc.Channels[0].ID
}

// channelLiveChat returns the id of the channel's live chat.
func channelLiveChat(t *testing.T, db *store.DB, channelID string) string {
	t.Helper()
	var id string
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		ch, err := chat.ChannelTx(context.Background(), tx, channelID)
		if err == nil {
			id = ch.LiveChatID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func receive(t *testing.T, db *store.DB, channelID, identity, text string) *chat.Receipt {
	t.Helper()
	r, err := chat.New(db, nil).Receive(context.Background(), chat.Inbound{ChannelID: channelID, Identity: identity, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func run(t *testing.T, h *realtime.Hub) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func next(t *testing.T, s *realtime.Subscription) chat.Event {
	t.Helper()
	select {
	case e := <-s.C:
		return *e
	case <-s.Dropped:
		t.Fatal("the subscription was dropped")
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return chat.Event{}
}

func TestHubFansOutFiltered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		support, sales := liveChat(t, db, "Support"), liveChat(t, db, "Sales")
		h := realtime.New(db, nil)
		run(t, h)
		ctx := context.Background()
		salesID := channelLiveChat(t, db, sales)
		onlySales := func(e *chat.Event) bool { return e.LiveChatID == salesID }
		sub, err := h.Subscribe(ctx, onlySales, 16)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		receive(t, db, support, "a", "not for you")
		r := receive(t, db, sales, "b", "for you")
		if e := next(t, sub); e.Type != chat.EventSessionCreated || e.SessionID != r.Session.ID {
			t.Fatalf("first event %+v", e)
		}
		if e := next(t, sub); e.Type != chat.EventMessageReceived || e.Snapshot.LastMessage.Text != "for you" {
			t.Fatalf("second event %+v", e)
		}
		// Replay finds the same events again from the outbox.
		var replayed []string
		err = h.Replay(ctx, 0, sub.Start+4, onlySales, func(e chat.Event) error {
			replayed = append(replayed, e.Type)
			return nil
		})
		if err != nil || len(replayed) != 2 {
			t.Fatalf("replayed %v, %v", replayed, err)
		}
	})
}

func TestHubDropsSlowSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ch := liveChat(t, db, "Support")
		h := realtime.New(db, nil)
		run(t, h)
		sub, err := h.Subscribe(context.Background(), func(*chat.Event) bool { return true }, 1)
		if err != nil {
			t.Fatal(err)
		}
		receive(t, db, ch, "a", "one") // two events for a buffer of one
		select {
		case <-sub.Dropped:
		case <-time.After(5 * time.Second):
			t.Fatal("a subscription that does not read was not dropped")
		}
	})
}

// TestHubAcrossNodes runs two nodes on one PostgreSQL database: a message written through one
// node reaches a subscription on the other at once, woken by NOTIFY, not by the slow poll.
func TestHubAcrossNodes(t *testing.T) {
	base := storetest.PostgresURL(t)
	if base == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	ctx := context.Background()
	nodes := storetest.Nodes(t, 2)
	nodeA, nodeB := nodes[0], nodes[1]
	ch := liveChat(t, nodeA, "Support")
	h := realtime.New(nodeB, nil)
	h.Poll = time.Hour
	run(t, h)
	sub, err := h.Subscribe(ctx, func(*chat.Event) bool { return true }, 16)
	if err != nil {
		t.Fatal(err)
	}
	r := receive(t, nodeA, ch, "a", "from node A")
	if e := next(t, sub); e.SessionID != r.Session.ID {
		t.Fatalf("node B got %+v", e)
	}
	// Node B decodes the snapshot of node A's event itself: it has none remembered.
	if e := next(t, sub); e.Type != chat.EventMessageReceived || e.Snapshot.LastMessage == nil || e.Snapshot.LastMessage.Text != "from node A" {
		t.Fatalf("node B got %+v", e)
	}
}

// TestTenThousandSubscriptionsFitInMemory subscribes as 10,000 open widgets do, each with the
// sockets' buffer of 256 events, and bounds what they take of the heap: a buffer of events
// held by value was 110 KB a subscription, over a gigabyte for 10,000 widgets.
func TestTenThousandSubscriptionsFitInMemory(t *testing.T) {
	db := storetest.SQLite(t)
	h := realtime.New(db, nil)
	run(t, h)
	ctx := context.Background()
	const n, perSub = 10_000, 4 << 10
	subs := make([]*realtime.Subscription, 0, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		sub, err := h.Subscribe(ctx, func(*chat.Event) bool { return true }, 256)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > n*perSub {
		t.Fatalf("%d subscriptions took %d KB of heap, %d bytes each; want at most %d each", n, grew>>10, grew/n, perSub)
	}
	for _, s := range subs {
		s.Close()
	}
}

// TestReplayDecodesOnlyWhatItShows: a replay decodes the snapshots of the events it passes on,
// not of every event it reads, so an event of another live chat whose snapshot cannot be
// decoded does not stop a widget's replay, while one it would show is reported. The reader is
// another view of the database than the writer (a second node, or the SQLite file opened
// again), so that no snapshot is remembered from the writing.
func TestReplayDecodesOnlyWhatItShows(t *testing.T) {
	views := map[string]func(t *testing.T) (writer, reader *store.DB){
		"sqlite": func(t *testing.T) (*store.DB, *store.DB) {
			path := filepath.Join(t.TempDir(), "parley.db")
			return storetest.Open(t, path), storetest.Open(t, path)
		},
	}
	if storetest.PostgresURL(t) != "" {
		views["postgres"] = func(t *testing.T) (*store.DB, *store.DB) {
			nodes := storetest.Nodes(t, 2)
			return nodes[0], nodes[1]
		}
	}
	for name, open := range views {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w, r := open(t)
			support, sales := liveChat(t, w, "Support"), liveChat(t, w, "Sales")
			broken := receive(t, w, support, "a", "not for you")
			receive(t, w, sales, "b", "for you")
			if err := w.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE outbox SET snapshot = '{' WHERE session_id = ?", broken.Session.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var upTo int64
			if err := r.Read(ctx, func(tx *store.Tx) (err error) {
				upTo, err = chat.LatestSeq(ctx, tx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			h := realtime.New(r, nil)
			salesID, supportID := channelLiveChat(t, r, sales), channelLiveChat(t, r, support)

			var texts []string
			err := h.Replay(ctx, 0, upTo, func(e *chat.Event) bool { return e.LiveChatID == salesID }, func(e chat.Event) error {
				if e.Snapshot.LiveChat.Name != "Sales" {
					t.Errorf("%s event passed on with the snapshot %+v", e.Type, e.Snapshot)
				}
				if e.Type == chat.EventMessageReceived {
					texts = append(texts, e.Snapshot.LastMessage.Text)
				}
				return nil
			})
			if err != nil || len(texts) != 1 || texts[0] != "for you" {
				t.Fatalf("replay of Sales: %q, %v; want the one message, past Support's broken events", texts, err)
			}
			err = h.Replay(ctx, 0, upTo, func(e *chat.Event) bool { return e.LiveChatID == supportID }, func(chat.Event) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "decode snapshot") {
				t.Fatalf("replay of Support's broken events: %v; want the decoding error", err)
			}
		})
	}
}

// TestIdleHubStartsSubscriptionsAtTheNewest: a hub with no subscription reads no events, but
// keeps its position at the newest, so a socket opened later starts there: it gets the events
// after it opened, none of those before.
func TestIdleHubStartsSubscriptionsAtTheNewest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ch := liveChat(t, db, "Support")
		h := realtime.New(db, nil)
		run(t, h)
		for i := range 3 {
			receive(t, db, ch, "early", "before anyone watched "+string(rune('a'+i)))
		}
		var newest int64
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { newest, err = chat.LatestSeq(ctx, tx); return err }); err != nil {
			t.Fatal(err)
		}
		var sub *realtime.Subscription
		for deadline := time.Now().Add(5 * time.Second); ; {
			s, err := h.Subscribe(ctx, func(*chat.Event) bool { return true }, 16)
			if err != nil {
				t.Fatal(err)
			}
			if s.Start == newest {
				sub = s
				break
			}
			s.Close()
			if s.Start > newest || time.Now().After(deadline) {
				t.Fatalf("a subscription starts at %d, the newest event is %d", s.Start, newest)
			}
			time.Sleep(10 * time.Millisecond)
		}
		defer sub.Close()
		r := receive(t, db, ch, "late", "after the socket opened")
		e := next(t, sub)
		if e.SessionID != r.Session.ID || e.Seq <= newest {
			t.Fatalf("the first event after subscribing is %d of session %s: want one after %d of session %s", e.Seq, e.SessionID, newest, r.Session.ID)
		}
	})
}
