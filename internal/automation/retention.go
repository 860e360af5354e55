package automation

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// DefaultLogRetention is how long automation log lines are kept when nothing else is set.
const DefaultLogRetention = 90 * 24 * time.Hour

// purgeBatch bounds one purge transaction, so that a first purge of a long log never holds
// the writer for long.
const purgeBatch = 1000

// PurgeLog deletes the automation log lines written before now - keep and returns how many.
// A line is only a record once its event is dispatched (the dispatcher's cursor is past it,
// and it never reads an event twice), so deleting old lines never lets an event start again.
func (s *Service) PurgeLog(ctx context.Context, keep time.Duration) (int, error) {
	total := 0
	for {
		var n int64
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, `DELETE FROM automation_log WHERE id IN
				(SELECT id FROM automation_log WHERE at < ? LIMIT ?)`, store.TS(tx.Now().Add(-keep)), purgeBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// RunRetention purges the log every interval until ctx ends, keeping lines for keep; keep 0
// keeps every line. Every node may run it: a delete of lines already deleted deletes nothing.
func (s *Service) RunRetention(ctx context.Context, keep, every time.Duration) {
	if keep <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := s.PurgeLog(ctx, keep); err != nil && ctx.Err() == nil {
			s.log.Error("automation log purge failed; will retry", "err", err)
		} else if n > 0 {
			s.log.Info("automation log purged", "lines", n, "older than", keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
