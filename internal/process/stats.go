package process

import (
	"context"

	"github.com/parleychat/parley/internal/store"
)

// JobCounts is the engine's queue for monitoring: its jobs by state (ready, waiting,
// incident) and, of the ready ones, how many are due now, which is the work the workers
// have not caught up with.
type JobCounts struct {
	ByState map[string]int64
	Due     int64
}

// JobQueue counts the jobs by state along the (state, due_at) index; for monitoring, not for the
// path of a request.
func (s *Service) JobQueue(ctx context.Context) (JobCounts, error) {
	c := JobCounts{ByState: map[string]int64{jobReady: 0, jobWaiting: 0, jobIncident: 0}}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT state, COUNT(*) FROM process_jobs GROUP BY state")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var n int64
			if err := rows.Scan(&state, &n); err != nil {
				return err
			}
			c.ByState[state] = n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM process_jobs WHERE state = ? AND due_at <= ?", jobReady, store.TS(tx.Now())).Scan(&c.Due)
	})
	return c, err
}
