package chat

import (
	"sync"

	"github.com/parleychat/parley/internal/store"
)

// recentEvents remembers the snapshots of the last events, by seq and id, so that the
// outbox's consumers (the engine's message waits, deliveries, sockets, the dispatcher when it
// is behind), which all read each event soon after it was written, take its snapshot instead
// of decoding its JSON: decoding was most of what reading the outbox cost and a fifth of all
// memory allocated under load. On SQLite the writer remembers what it writes; on PostgreSQL,
// whose events get their seqs after commit, the first consumer to decode an event remembers
// it for the others (three on every node read every event). A slot holds the last event
// whose seq falls in it; the id tells an event apart from one that took the same seq in a
// transaction that rolled back (on SQLite; a PostgreSQL seq is given once, after commit).
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

// recentOf returns the database's memory of recent events.
func recentOf(db *store.DB) *recentEvents {
	return db.Local(recentKey{}, func() any { return new(recentEvents) }).(*recentEvents)
}

// put remembers an event's snapshot. The message part is copied, so that the caller may go
// on changing its own.
func (r *recentEvents) put(seq int64, id string, snap Snapshot) {
	if r == nil {
		return
	}
	if snap.LastMessage != nil {
		m := *snap.LastMessage
		snap.LastMessage = &m
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
