package automation

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/parleychat/parley/internal/store"
)

// Dispatch on several nodes. On PostgreSQL the outbox is divided into chat.Partitions parts
// by session, and each part has its own cursor ("automation/<part>", made by migration 0530).
// A node's dispatcher finds the parts with events waiting and works on several at once, each
// batch in a transaction that holds that part's cursor row (FOR UPDATE SKIP LOCKED): a part is
// dispatched by one transaction at a time anywhere, in seq order, so every session's events
// are handled in order and exactly once, while different parts go on in parallel on every
// node. Nodes share the parts by taking whichever is free, so a busier node takes fewer; a
// node that dies lets go of its parts when PostgreSQL ends its connection's transaction, and
// another node takes them at its next wake-up or poll (Options.Poll, 2 s by default).

// partCursor names the cursor of one part of the outbox.
func partCursor(part int) string { return consumer + "/" + strconv.Itoa(part) }

// pendingParts returns, in random order, the parts of the outbox that have events after
// their cursor, so that nodes do not all start with the same part.
func (s *Service) pendingParts(ctx context.Context) ([]int, error) {
	var parts []int
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		parts = parts[:0]
		rows, err := tx.Query(ctx, `SELECT CAST(substr(c.consumer, ?) AS INTEGER) FROM outbox_cursors c
			WHERE c.consumer LIKE ? AND EXISTS (SELECT 1 FROM outbox o
				WHERE o.part = CAST(substr(c.consumer, ?) AS INTEGER) AND o.seq > c.seq)`,
			len(consumer)+2, consumer+"/%", len(consumer)+2)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p int
			if err := rows.Scan(&p); err != nil {
				return err
			}
			parts = append(parts, p)
		}
		return rows.Err()
	})
	rand.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return parts, err
}

// drainPartitions dispatches the waiting parts with up to Options.Workers batches at once,
// each part until it is caught up, and goes on while a round made progress.
func (s *Service) drainPartitions(ctx context.Context) {
	for ctx.Err() == nil {
		parts, err := s.pendingParts(ctx)
		if !s.progressed(ctx, len(parts), err) || !s.drainParts(ctx, parts) {
			return
		}
	}
}

// drainParts works the parts down and reports whether any batch handled events.
func (s *Service) drainParts(ctx context.Context, parts []int) bool {
	queue := make(chan int, len(parts))
	for _, p := range parts {
		queue <- p
	}
	close(queue)
	var wg sync.WaitGroup
	var mu sync.Mutex
	progress := false
	for range min(s.opts.Workers, len(parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				for ctx.Err() == nil {
					n, err := s.dispatchCursor(ctx, partCursor(p), p)
					if !s.progressed(ctx, n, err) {
						break
					}
					mu.Lock()
					progress = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return progress
}
