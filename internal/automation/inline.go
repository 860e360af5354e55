package automation

import (
	"context"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// StartInline has SQLite's writer handle chat events in the transaction that wrote them, when
// the dispatcher has handled everything before them: a customer's message then starts its
// bound instance in the message's own commit, and the dispatcher has nothing left to read
// back, decide and commit a second time. The events of every transaction of a group commit
// are handled together (store.Gather), so that their instances start with one StartManyTx as
// a dispatcher batch's do. On PostgreSQL it does nothing.
//
// Exactly once rests on the same cursor as the dispatcher's. The events are handled only when
// the cursor stands right before the first of them, and the cursor is advanced past those
// handled, so the events, their log lines, their instances and the cursor commit together or
// not at all; the dispatcher, which takes the cursor in the same single writer, never sees
// them. Events that the cursor is not right before, or that follow one that cannot be handled
// here, are left to the dispatcher in seq order, which keeps each session's order: once one
// event is left behind, every later commit leaves its events too until the dispatcher has
// caught up.
//
// What is decided is what the dispatcher decides (binding, condition, chain depth, spam on the
// session as it is now, the mapping), and a refused start is logged failed as by the
// dispatcher. Any other failure undoes only this handling (the store runs it in a savepoint)
// and leaves the events to the dispatcher: the writers' changes commit all the same. An
// instance whose process can act on the chat is left to the dispatcher, with every event
// after it, because its chat write would start another round of events inside this one.
func (s *Service) StartInline() {
	s.chat.OnEventsWritten(s.handleInline)
}

// handleInline is the chat's events hook.
func (s *Service) handleInline(ctx context.Context, tx *store.Tx, events []chat.Event) error {
	var cursor int64
	err := tx.QueryRow(ctx, "SELECT seq FROM outbox_cursors WHERE consumer = ?", consumer).Scan(&cursor)
	if errs.Is(err, errs.NotFound) || (err == nil && cursor != events[0].Seq-1) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx = s.counting(withMemo(ctx))
	handled, err := s.inlineEvents(ctx, tx, events)
	if err != nil || handled == 0 {
		return err
	}
	if err := chat.AdvanceCursor(ctx, tx, consumer, events[handled-1].Seq); err != nil {
		return err
	}
	if s.beforeCommit != nil {
		return s.beforeCommit()
	}
	return nil
}

// inlineEvents handles the events in order up to the first whose instance must start alone
// (see StartInline) and returns how many it handled.
func (s *Service) inlineEvents(ctx context.Context, tx *store.Tx, events []chat.Event) (int, error) {
	if err := loadBatch(ctx, tx, events); err != nil {
		return 0, err
	}
	var run []queued
	handled := len(events)
	for i := range events {
		p, err := s.dispatch(ctx, tx, &events[i])
		if err != nil {
			return 0, err
		}
		if p != nil && p.alone {
			handled = i
			break
		}
		run = append(run, queued{ev: &events[i], start: p})
	}
	return handled, s.startRun(ctx, tx, run)
}

// caughtUp reports, from a read, whether the cursor has reached the newest event of SQLite's
// outbox. Once writers start their instances inline, most commits that wake the dispatcher
// leave it nothing to do, and finding that out needs no place in the single writer's queue.
func (s *Service) caughtUp(ctx context.Context) bool {
	var behind bool
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE((SELECT seq FROM outbox_cursors WHERE consumer = ?), -1)
			< (SELECT COALESCE(MAX(seq), 0) FROM outbox)`, consumer).Scan(&behind)
	})
	return err == nil && !behind
}
