package chat

import (
	"sync"

	"github.com/parleychat/parley/internal/store"
)

// recentEvents remembers the snapshots of the events last written through this database on
// SQLite, by seq and id, so that the outbox's consumers (the engine's message waits,
// deliveries, sockets, the dispatcher when it is behind), which read each event back soon
// after it was written, take the snapshot as it was written instead of decoding its JSON:
// decoding was most of what reading the outbox cost and a fifth of all memory allocated under
// load. A slot holds the last event whose seq falls in it; the id tells an event apart from
// one that took the same seq in a transaction that rolled back.
type recentEvents struct {
	mu    sync.Mutex
	slots [recentSlots]recentEvent
}

const recentSlots = 4096

type recentEvent struct {
	seq  int64
	id   string
	snap Snapshot
}

type recentKey struct{}

// recentOf returns the database's memory of recent events; nil on PostgreSQL, whose events
// get their seqs after commit.
func recentOf(db *store.DB) *recentEvents {
	if db.Dialect() != store.SQLite {
		return nil
	}
	return db.Local(recentKey{}, func() any { return new(recentEvents) }).(*recentEvents)
}

// put remembers an event's snapshot; nothing on PostgreSQL (r is nil).
func (r *recentEvents) put(seq int64, id string, snap Snapshot) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.slots[seq%recentSlots] = recentEvent{seq: seq, id: id, snap: snap}
	r.mu.Unlock()
}

// get returns the event's snapshot when it is remembered. The message part is copied, so a
// reader cannot change what another reads.
func (r *recentEvents) get(seq int64, id string) (Snapshot, bool) {
	if r == nil {
		return Snapshot{}, false
	}
	r.mu.Lock()
	e := r.slots[seq%recentSlots]
	r.mu.Unlock()
	if e.seq != seq || e.id != id {
		return Snapshot{}, false
	}
	if e.snap.LastMessage != nil {
		m := *e.snap.LastMessage
		e.snap.LastMessage = &m
	}
	return e.snap, true
}
