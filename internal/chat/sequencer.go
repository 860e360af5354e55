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
// A writer does not wait for the numbering: its commit asks its node for a run and returns.
// It used to wait, and since runs are one at a time in the cluster, every node's writers then
// waited on every other node's runs, which kept CPU-limited nodes from adding throughput.
// Each node numbers on a loop of its own (one run at a time per node, the next taking
// everything committed meanwhile), which runs while commits keep asking and ends when they
// stop. The consumers of the outbox lose nothing by it: a run wakes them once it numbered
// events, as the writer's commit did before. What needs "now" waits instead (Sequenced): a
// reader that must see every event committed before it, such as LatestSeq, which a session's
// message wait uses to tell the messages that came before it from those after. Events left
// without a seq by a node that died between commit and run are numbered by the next run
// anywhere (SequencePending).
type sequencer struct {
	db       *store.DB
	mu       sync.Mutex
	ran      chan struct{} // closed, and replaced, each time a run finishes
	running  bool          // the loop is on
	wanted   bool          // someone asked for a run after the current one began
	started  uint64
	finished uint64
	err      error // of the last finished run
}

type sequencerKey struct{}

func sequencerOf(db *store.DB) *sequencer {
	return db.Local(sequencerKey{}, func() any {
		return &sequencer{db: db, ran: make(chan struct{})}
	}).(*sequencer)
}

// kick asks for a run that begins after the call, without waiting for it.
func (q *sequencer) kick() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.kickLocked()
}

func (q *sequencer) kickLocked() {
	if q.running {
		q.wanted = true
		return
	}
	q.running = true
	go q.loop()
}

// loop runs the sequencer until a run ends with nobody having asked for another meanwhile.
func (q *sequencer) loop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		q.wanted = false
		q.started++
		n := q.started
		q.mu.Unlock()
		err := q.run()
		q.mu.Lock()
		q.finished, q.err = n, err
		close(q.ran)
		q.ran = make(chan struct{})
		if !q.wanted {
			q.running = false
			return
		}
	}
}

func (q *sequencer) run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := sequenceAll(ctx, q.db)
	if err != nil {
		q.db.Logger().Warn("chat outbox: numbering events failed; the next run will", "err", err)
	}
	return err
}

// await returns once a run that began after the call has finished, with that run's error,
// or when ctx ends.
func (q *sequencer) await(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	arrived := q.started
	q.kickLocked()
	for q.finished <= arrived {
		ran := q.ran
		q.mu.Unlock()
		select {
		case <-ran:
		case <-ctx.Done():
			q.mu.Lock()
			return ctx.Err()
		}
		q.mu.Lock()
	}
	return q.err
}

// sequenceAfterCommit has tx, once committed, ask its node for a run that numbers its events.
func sequenceAfterCommit(tx *store.Tx) {
	q := sequencerOf(tx.DB())
	tx.AfterCommit(q.kick)
}

// SequencePending returns once every event committed before the call has its seq, so that a
// read after it sees them all, including those of a node that died between its commit and
// its run (the dispatcher calls it on its slow poll for those). On PostgreSQL it waits for a
// run of this node's sequencer that began after the call; a caller inside a transaction holds
// a connection meanwhile, and the run needs another. Nothing to do on SQLite, whose events
// get their seqs as they are written.
func SequencePending(ctx context.Context, db *store.DB) error {
	if db.Dialect() != store.Postgres {
		return nil
	}
	return sequencerOf(db).await(ctx)
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
// The run is one call of parley_sequence_outbox (migrations 0221 and 0263), committed on its
// own: it takes the cluster's sequencer lock, numbers the committed events that have no seq
// in wid order after the largest seq, notifies the other nodes' readers when it numbered
// any, and commits, releasing the lock, all inside PostgreSQL. The notification used to be
// sent after the run by the node's notifier (Publish), in a transaction of its own: at 64
// customers on one node, 121 NOTIFY transactions a second beside 115 runs; now 49, for the
// other channels.
//
// The run does not wait for its own WAL flush (synchronous_commit off): the events are
// durable already, and any consumer that commits having read these seqs flushes the WAL past
// this commit before its own. Only a PostgreSQL crash in between can undo a run, and the next
// run numbers the same events again, in the same order.
func sequenceOnce(ctx context.Context, db *store.DB) (int64, error) {
	var n int64
	if err := db.QueryAlone(ctx, "SELECT parley_sequence_outbox(?, ?, ?)", sequenceBatch, db.WakeChannel(), EventsChannel).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		db.PublishHere(EventsChannel) // the run woke the other nodes
	}
	return n, nil
}
