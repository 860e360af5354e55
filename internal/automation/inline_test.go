package automation

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// inlineAutomation is the stack's automation with inline starts on and its cursor caught up.
func inlineAutomation(t *testing.T, s *stack) *Service {
	a := s.automation(t)
	a.StartInline()
	drainAll(t, a)
	return a
}

// settle is what a node does after the writes: on SQLite the writes started their instances
// themselves and the dispatcher must find nothing left; on PostgreSQL it dispatches them.
func settle(t *testing.T, s *stack, a *Service) {
	t.Helper()
	if s.db.Dialect() != store.SQLite {
		drainAll(t, a)
		return
	}
	if n, err := a.DispatchOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("the dispatcher found %d events (err %v) that the writes had handled", n, err)
	}
}

func TestMessageStartsItsInstanceInItsOwnCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := inlineAutomation(t, s)
		s.write(t, 3, 4)
		settle(t, s, a)
		checkOnce(t, s, 3, 4)
	})
}

// TestEventsBehindTheCursorWaitForTheDispatcher: while the dispatcher is behind, writes leave
// their events to it, so that each session's instances still start in message order; once
// it has caught up, writes start their own again.
func TestEventsBehindTheCursorWaitForTheDispatcher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		a.StartInline()
		s.write(t, 2, 2) // no cursor yet: nothing is handled inline
		slow := New(db, s.chat, s.process, nil, Options{Batch: 1})
		if _, err := slow.DispatchOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.writeFrom(t, 2, 2, 4) // the cursor is behind
		if got := s.startedTexts(t); len(got) != 0 {
			t.Fatalf("instances started ahead of the dispatcher: %v", got)
		}
		drainAll(t, a)
		checkOnce(t, s, 2, 4)
		s.writeFrom(t, 2, 4, 5)
		settle(t, s, a)
		checkOnce(t, s, 2, 5)
	})
}

// TestFailedInlineStartLeavesTheMessageToTheDispatcher: a failure while starting inline (a
// crash before the commit, as far as that work goes) undoes only the start; the customer's
// message commits, and the dispatcher starts its instance once.
func TestFailedInlineStartLeavesTheMessageToTheDispatcher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := inlineAutomation(t, s)
		a.beforeCommit = func() error { return errors.New("killed before commit") }
		s.write(t, 2, 3)
		a.beforeCommit = nil
		if got := s.startedTexts(t); len(got) != 0 {
			t.Fatalf("an undone inline start left instances: %v", got)
		}
		if n := s.count(t, "SELECT COUNT(*) FROM messages WHERE author_kind = 'customer'"); n != 6 {
			t.Fatalf("%d customer messages stored, want 6", n)
		}
		drainAll(t, a)
		checkOnce(t, s, 2, 3)
	})
}

func TestRefusedInlineStartIsLoggedFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := inlineAutomation(t, s)
		_, err := s.process.Unpublish(s.ctx, "echo")
		must(t, err)
		s.say(t, "ann", "", "where is my order?")
		settle(t, s, a)
		lines := logLines(t, a, s, LogFilter{Outcome: Failed})
		if len(lines) != 1 || !strings.Contains(lines[0].Reason, "echo") {
			t.Fatalf("failed lines %+v, want one naming the process", lines)
		}
	})
}

func TestSpamSessionsMessageStartsNothingInline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := inlineAutomation(t, s)
		s.say(t, "ann", "", "hello")
		settle(t, s, a)
		var session string
		must(t, db.Read(s.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(s.ctx, "SELECT id FROM sessions").Scan(&session)
		}))
		_, err := s.chat.MarkSpam(s.ctx, session, chat.SystemActor())
		must(t, err)
		s.say(t, "ann", "", "buy pills")
		settle(t, s, a)
		skipped := logLines(t, a, s, LogFilter{Outcome: Skipped})
		if len(skipped) != 1 || skipped[0].Reason != "the session is marked as spam" {
			t.Fatalf("skipped lines %+v", skipped)
		}
		if got := s.startedTexts(t); len(got[session]) != 1 {
			t.Fatalf("instances %v, want only the first message's", got)
		}
	})
}
