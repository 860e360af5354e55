package chat

import (
	"context"
	"log/slog"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// A Follower follows the whole outbox with a durable cursor of its own, exactly once and on
// one node at a time: each pass claims the cursor, reads the events after it, acts on them
// and advances the cursor in one transaction. The delivery queue (channel) and the engine's
// message waits (process) are followers; each used to write these steps and their loop out
// itself, and a change to one (reading undecoded, pacing a node that finds the cursor held)
// had to be made in both.
type Follower struct {
	// Consumer names the cursor.
	Consumer string
	// Batch bounds the events one pass reads.
	Batch int
	// Handle acts on a pass's events inside the pass's transaction and returns how many it
	// handled, from the first. Fewer than all ends the pass there, and the next pass reads on
	// after the last one handled: a follower whose work wrote to the chat stops, as a write
	// holds its session's row until commit. The events come undecoded (Event.Decode reads a
	// snapshot), since most followers act on few of the cluster's events.
	Handle func(ctx context.Context, tx *store.Tx, events []Event) (int, error)
}

// Pass handles the next events after the cursor in one transaction. It returns how many it
// handled, whether there may be more at once (a full batch, or a pass that ended early), and
// whether another node held the cursor, which leaves the following to it for a while
// (store.Pacer.Held).
func (f Follower) Pass(ctx context.Context, db *store.DB) (n int, more, held bool, err error) {
	return f.pass(ctx, db, true)
}

// pass is Pass; with numbered false it reads the events numbered so far without waiting for
// a run of the sequencer (see Run).
func (f Follower) pass(ctx context.Context, db *store.DB, numbered bool) (n int, more, held bool, err error) {
	err = db.Tx(ctx, func(tx *store.Tx) error {
		n, more = 0, false
		after, ok, err := ClaimCursor(ctx, tx, f.Consumer)
		held = err == nil && !ok
		if err != nil || !ok {
			return err
		}
		// The read sees every event committed before the pass. Either way, a follower that
		// has seen seq n never later finds a new one at or below it: runs number in order.
		if numbered {
			if err := AwaitNumbering(ctx, db); err != nil {
				return err
			}
		}
		events, err := EventsAfterUndecoded(ctx, tx, after, f.Batch)
		if err != nil || len(events) == 0 {
			return err
		}
		if n, err = f.Handle(ctx, tx, events); err != nil || n <= 0 {
			n = 0
			return err
		}
		n = min(n, len(events))
		more = n < len(events) || len(events) == f.Batch
		return AdvanceCursor(ctx, tx, f.Consumer, events[n-1].Seq)
	})
	if err != nil {
		n, more = 0, false
	}
	return n, more, held, err
}

// FollowGap is the least time between two woken passes of a Follower. The followers (the
// engine's message waits, the delivery queue) act on few of the events they read, and each
// pass is a transaction that claims and advances a cursor. Woken at store.WakeGap, like the
// dispatcher, they were 23 % of the statements PostgreSQL ran at 64 customers (statement
// log, 4 s), and once their passes stopped waiting for the numbering they only ran more
// often. At 50 ms they are 12 %, for a delay of at most 50 ms before a waiting process sees
// its customer's message or a delivery is queued.
//
// On PostgreSQL only. On SQLite a pass is a transaction in the single writer that every
// customer's message waits for, and a pass every 50 ms, each larger, made the accept tail
// worse: at an open loop of 2,000 msgs/s, accept p99 62–146 ms (median 104) over seven runs
// against 50–92 ms (median 66) at store.WakeGap, and more CPU per message.
const FollowGap = 50 * time.Millisecond

// Run follows the outbox until ctx ends: a pass at once when events are written
// (EventsChannel, at most one woken pass per FollowGap on PostgreSQL, per store.WakeGap on
// SQLite), passes in a row while there are more, and one every poll as a safety net against
// a missed wake-up. A failed pass is logged as what failed and tried again at the next
// wake-up.
//
// A woken pass reads what is numbered without waiting for PostgreSQL's numbering: the wake
// came from a run of the sequencer, which writers' commits ask for anyway. Waiting cost
// each pass a round trip to ask and, under load, a run of its own, with the cursor's row
// locked meanwhile. The first pass and those of the poll still wait, for the events of a
// node that died before its run numbered them.
func (f Follower) Run(ctx context.Context, db *store.DB, poll time.Duration, log *slog.Logger, what string) {
	wake, cancel := db.Subscribe(EventsChannel)
	defer cancel()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var pace store.Pacer
	if db.Dialect() == store.Postgres {
		pace.Gap = FollowGap
	}
	numbered := true
	for {
		_, more, held, err := f.pass(ctx, db, numbered)
		if err != nil && ctx.Err() == nil {
			log.Error(what+" failed", "consumer", f.Consumer, "err", err)
		}
		if more {
			continue
		}
		if held {
			pace.Held() // another node is following
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			pace.Wait(ctx)
			numbered = false
		case <-tick.C:
			numbered = true
		}
	}
}
