package automation

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// Dispatch on several nodes. On PostgreSQL the outbox is divided into chat.Partitions parts
// by session, and each part has its own cursor ("automation/<part>", made by migration 0530).
// Each node's dispatcher holds leases on about its share of the parts (leases.go) and works on
// the waiting ones among them, several at once, each batch in a transaction that holds that
// part's cursor row (FOR UPDATE SKIP LOCKED): a part is dispatched by one transaction at a
// time anywhere, in seq order, so every session's events are handled in order and exactly
// once, while different parts go on in parallel on every node. A node that dies lets go of
// its cursor rows when PostgreSQL ends its connection's transaction, and of its leases when
// they expire; the other nodes take its parts at their next renewal, within 4 s.

// partCursor names the cursor of one part of the outbox.
func partCursor(part int) string { return consumer + "/" + strconv.Itoa(part) }

// pendingParts returns, in random order, the parts of the outbox that have events after
// their cursor, so that nodes do not all start with the same part: among the parts given, or
// among all when only is nil.
func (s *Service) pendingParts(ctx context.Context, only []int) ([]int, error) {
	cond, args := "c.consumer LIKE ?", []any{len(consumer) + 2, consumer + "/%"}
	if only != nil {
		if len(only) == 0 {
			return nil, nil
		}
		marks := make([]string, len(only))
		args = args[:1]
		for i, p := range only {
			marks[i] = "?"
			args = append(args, partCursor(p))
		}
		cond = "c.consumer IN (" + strings.Join(marks, ", ") + ")"
	}
	args = append(args, len(consumer)+2)
	var parts []int
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		parts, err = store.Column[int](ctx, tx, `SELECT CAST(substr(c.consumer, ?) AS INTEGER) FROM outbox_cursors c
			WHERE `+cond+` AND EXISTS (SELECT 1 FROM outbox o
				WHERE o.part = CAST(substr(c.consumer, ?) AS INTEGER) AND o.seq > c.seq)`, args...)
		return err
	})
	rand.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return parts, err
}

// drainPartitions dispatches the waiting parts this node holds (leases.go) with up to
// Options.Workers batches at once, each part until it is caught up, and goes on while a round
// made progress.
func (s *Service) drainPartitions(ctx context.Context) {
	for ctx.Err() == nil {
		held, all := s.lease.parts()
		if all {
			held = nil
		}
		parts, err := s.pendingParts(ctx, held)
		if !s.progressed(ctx, len(parts), err) || !s.drainParts(ctx, parts) {
			return
		}
	}
}

// partsPerWorker is the fewest waiting parts that make a share of their own: a node of several
// holds a few parts, and a worker for each made batches of a few events, each paying a
// transaction.
const partsPerWorker = 4

// drainParts dispatches one batch of each share of the parts and reports whether any batch
// handled events. The parts are shared among Options.Workers transactions at once, each
// dispatching its share of them together: one batch of a node's parts costs the statements
// of one, and under load the events of sixteen parts in one batch are many more than those
// of one, which would otherwise make batches of a few events, each paying a transaction.
//
// One batch a share, then a new round over the parts waiting then: a worker that went on
// while its share had events kept the round open, and under steady load a busy share always
// has some, so the parts of the workers that had finished waited for it. In one measured
// run (one node under a 15 % CPU quota) some parts were left for 7 s while the others were
// dispatched within 0.6 s.
func (s *Service) drainParts(ctx context.Context, parts []int) bool {
	n := min(s.opts.Workers, max(1, len(parts)/partsPerWorker))
	shares := make([][]int, n)
	for i, p := range parts {
		shares[i%n] = append(shares[i%n], p)
	}
	var wg sync.WaitGroup
	var progress atomic.Bool
	for _, share := range shares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			held := share[:0:0]
			for _, p := range share {
				if s.lease.holds(p) {
					held = append(held, p)
				}
			}
			if len(held) == 0 {
				return
			}
			n, err := s.dispatchParts(ctx, held)
			if s.progressed(ctx, n, err) {
				progress.Store(true)
			}
		}()
	}
	wg.Wait()
	return progress.Load()
}

// dispatchParts handles the next batch of several parts of PostgreSQL's outbox in one
// transaction: of the parts' cursors, those no other transaction holds are claimed, the
// batch takes the next events of each in seq order (each session's events are in one part,
// so in order), and each cursor advances to its part's last event handled.
func (s *Service) dispatchParts(ctx context.Context, parts []int) (int, error) {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = partCursor(p)
	}
	return s.dispatchIn(ctx, func(tx *store.Tx) ([]chat.Event, error) {
		claimed, err := chat.ClaimCursors(ctx, tx, names)
		if err != nil || len(claimed) == 0 {
			return nil, err
		}
		after := make(map[int]int64, len(claimed))
		for i, p := range parts {
			if seq, ok := claimed[names[i]]; ok {
				after[p] = seq
			}
		}
		return chat.PartitionsEventsAfter(ctx, tx, after, s.opts.Batch)
	}, func(tx *store.Tx, events []chat.Event) error {
		last := map[string]int64{}
		for _, ev := range events {
			last[partCursor(chat.PartitionOf(ev.SessionID))] = ev.Seq
		}
		return chat.AdvanceCursors(ctx, tx, last)
	})
}
