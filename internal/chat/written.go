package chat

import (
	"context"
	"sync/atomic"

	"github.com/parleychat/parley/internal/store"
)

// EventsHook handles events inside the database transaction that wrote them, once every
// transaction committing with it has run (see store.Gather): on SQLite, the events of a whole
// group commit at once, in seq order. A failing hook's work is undone and the writers' changes
// commit all the same, so it may only do what a consumer of the outbox would do later anyway.
type EventsHook func(ctx context.Context, tx *store.Tx, events []Event) error

type hookKey struct{}

// hookOf returns the database's hook slot, shared by every Service over it: events are written
// by functions that know only the transaction.
func hookOf(db *store.DB) *atomic.Pointer[EventsHook] {
	return db.Local(hookKey{}, func() any { return new(atomic.Pointer[EventsHook]) }).(*atomic.Pointer[EventsHook])
}

// OnEventsWritten hands every event appended to the outbox to h before it commits. Only on
// SQLite, whose single writer gives events their seqs in commit order, so that a consumer can
// tell in the writing transaction whether everything before them has been handled. One hook
// per database; a later call replaces it.
func (s *Service) OnEventsWritten(h EventsHook) {
	if s.db.Dialect() == store.SQLite {
		hookOf(s.db).Store(&h)
	}
}

// hookFor returns the hook of the transaction's database, nil when it has none.
func hookFor(tx *store.Tx) EventsHook {
	if tx.Dialect() != store.SQLite {
		return nil
	}
	if h := hookOf(tx.DB()).Load(); h != nil {
		return *h
	}
	return nil
}

// handOver leaves the events written by tx for the hook.
func handOver(tx *store.Tx, h EventsHook, events []Event) {
	for _, ev := range events {
		store.Gather(tx, hookKey{}, ev, h)
	}
}
