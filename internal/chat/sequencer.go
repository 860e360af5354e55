package chat

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// Partitions is how many parts PostgreSQL's outbox divides its events into by session
// (PartitionOf), so that several dispatchers can each follow some of them in order. The
// number is fixed by migration 0220, which computed the part of the events written before it.
const Partitions = 16

// PartitionOf returns the part of the outbox a session's events go to on PostgreSQL. It reads
// two characters from the random end of the id, the same way migration 0220 does in SQL.
func PartitionOf(sessionID string) int {
	n := len(sessionID)
	if n < 3 {
		return 0
	}
	return (int(sessionID[n-2])*31 + int(sessionID[n-3])) % Partitions
}

// sequenceBatch bounds how many events one run of the sequencer numbers.
const sequenceBatch = 5000

// The sequencer gives PostgreSQL's committed events their seqs. Writers insert events with
// seq NULL; a run, one at a time in the cluster (an advisory lock held until it commits),
// numbers every committed event still without a seq, in wid order, after the largest seq
// given so far. So seqs grow in the order runs commit, and a reader that has seen seq n
// never later finds a new event at or below n — what the counter row gave before, without
// making writers wait for each other. A session's events keep their order: the later one is
// inserted after the earlier one committed, so it has the larger wid and no run can see it
// without the earlier one.
//
// A writer waits, after its commit, for a run that began after its commit: when its call
// returns, its events have seqs, as they had before. The writers of a node share runs (one
// at a time per node, the next taking everything committed meanwhile), so a run costs a few
// round trips for however many writers came. Events left without a seq by a node that died
// between commit and run are numbered by the next run anywhere (SequencePending).
type sequencer struct {
	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64
	finished uint64
}

type sequencerKey struct{}

func sequencerOf(db *store.DB) *sequencer {
	return db.Local(sequencerKey{}, func() any {
		q := &sequencer{}
		q.cond = sync.NewCond(&q.mu)
		return q
	}).(*sequencer)
}

// await returns once a run that began after the call has finished.
func (q *sequencer) await(run func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	arrived := q.started
	for q.finished <= arrived {
		if q.running {
			q.cond.Wait()
			continue
		}
		q.running = true
		q.started++
		n := q.started
		q.mu.Unlock()
		run()
		q.mu.Lock()
		q.running, q.finished = false, n
		q.cond.Broadcast()
	}
}

// sequenceAfterCommit makes tx, once committed, wait for its events' seqs.
func sequenceAfterCommit(tx *store.Tx) {
	db := tx.DB()
	tx.AfterCommit(func() {
		sequencerOf(db).await(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := sequenceAll(ctx, db); err != nil {
				db.Logger().Warn("chat outbox: numbering events failed; the next run will", "err", err)
			}
		})
	})
}

// SequencePending numbers the committed events that have no seq yet: those of a node that
// died between its commit and its run. The dispatcher calls it on its slow poll. Nothing to
// do on SQLite, whose events get their seqs as they are written.
func SequencePending(ctx context.Context, db *store.DB) error {
	if db.Dialect() != store.Postgres {
		return nil
	}
	var err error
	sequencerOf(db).await(func() { err = sequenceAll(ctx, db) })
	return err
}

// sequenceAll runs the sequencer until no committed event is left without a seq.
func sequenceAll(ctx context.Context, db *store.DB) error {
	for {
		n, err := sequenceOnce(ctx, db)
		if err != nil || n < sequenceBatch {
			return err
		}
	}
}

// sequenceOnce numbers up to sequenceBatch events and wakes the outbox's readers when it did.
// The run is one call of parley_sequence_outbox (migration 0221), committed on its own: it
// takes the cluster's sequencer lock, numbers the committed events that have no seq in wid
// order after the largest seq, and commits, releasing the lock, all inside PostgreSQL.
//
// The run does not wait for its own WAL flush (synchronous_commit off): the events are
// durable already, and any consumer that commits having read these seqs flushes the WAL past
// this commit before its own. Only a PostgreSQL crash in between can undo a run, and the next
// run numbers the same events again, in the same order.
func sequenceOnce(ctx context.Context, db *store.DB) (int64, error) {
	var n int64
	if err := db.QueryAlone(ctx, "SELECT parley_sequence_outbox(?)", sequenceBatch).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		db.Publish(EventsChannel)
	}
	return n, nil
}
