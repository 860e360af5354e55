package process

import (
	"context"

	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// JobCounts is the engine's queue for monitoring (see package waits).
type JobCounts = waits.JobCounts

// JobQueue counts the jobs by state along the (state, due_at) index; for monitoring, not for the
// path of a request.
func (s *Service) JobQueue(ctx context.Context) (c JobCounts, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		c, err = waits.CountJobs(ctx, tx)
		return err
	})
	return c, err
}
