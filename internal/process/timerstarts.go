package process

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// runTimerStarts starts an instance for each timer start event that is due, and returns how
// many fired. Each due row is claimed (locked, skipping rows another node holds) and moved on
// to its next firing, or deleted after its last, in the transaction that starts its instance:
// a firing starts exactly one instance, across nodes and restarts. A start that fails (a
// required variable, say, that a timer cannot give) is logged and its firing passes, so that
// one broken process does not hold up the others' schedules.
func (s *Service) runTimerStarts(ctx context.Context) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		n = 0
		rows, err := queryStartRows(ctx, tx, `SELECT code, version, element_id, due_at, remaining FROM process_start_events
			WHERE kind = ? AND due_at <= ? ORDER BY due_at, code, element_id LIMIT ?`+tx.SkipLocked(),
			startByTimer, store.TS(tx.Now()), s.opts.BatchSize)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := s.fireTimerStart(ctx, tx, row); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// fireTimerStart starts one instance of a due timer start event and schedules the next firing.
func (s *Service) fireTimerStart(ctx context.Context, tx *store.Tx, row startRow) error {
	err := tx.Savepoint(ctx, func() error {
		_, err := s.StartTx(ctx, tx, Start{Code: row.code, Version: row.version, StartEvent: row.element, Trigger: Trigger{Kind: TriggerTimer}})
		return err
	})
	if err != nil {
		s.log.Error("a timer start event could not start its process", "process", row.code, "version", row.version, "element", row.element, "err", err)
	}
	if row.remaining == 1 {
		_, err := tx.Exec(ctx, "DELETE FROM process_start_events WHERE code = ? AND element_id = ?", row.code, row.element)
		return err
	}
	next, err := s.nextFiring(ctx, tx, row)
	if err != nil {
		return err
	}
	remaining := row.remaining
	if remaining > 1 {
		remaining--
	}
	_, err = tx.Exec(ctx, "UPDATE process_start_events SET due_at = ?, remaining = ? WHERE code = ? AND element_id = ?",
		store.TS(next), remaining, row.code, row.element)
	return err
}

// nextFiring is a cycle's next due time: one period after the firing that was due, so that the
// schedule does not drift with the worker's delays; after a long stop (no node running), one
// period from now, so that the missed firings are not all made up at once.
func (s *Service) nextFiring(ctx context.Context, tx *store.Tx, row startRow) (time.Time, error) {
	v, err := s.VersionTx(ctx, tx, row.code, row.version)
	if err != nil {
		return time.Time{}, err
	}
	timer := v.Process.Elements[row.element].Timer
	next := timer.Due(row.due)
	if !next.After(tx.Now()) {
		next = timer.Due(tx.Now())
	}
	return next, nil
}

// nextTimerStart returns when the earliest timer start event is due, for the worker's sleep.
func (s *Service) nextTimerStart(ctx context.Context) (at time.Time, ok bool, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		at, ok, err = waits.NextTimerStart(ctx, tx, startByTimer)
		return err
	})
	return at, ok, err
}
