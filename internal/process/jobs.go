package process

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// addJob stores a job of the running instance and wakes the workers after commit when it is
// theirs to run.
func (r *runner) addJob(j waits.Job) error {
	j.Instance = r.st.id
	r.b.add(jobsTable, j.Row(r.tx.Now())...)
	r.b.notify = r.b.notify || j.State == waits.JobReady
	return nil
}

// backoff is the wait before retry number attempt+1: RetryBackoff doubled per attempt, capped.
func (s *Service) backoff(attempt int) time.Duration {
	return waits.Backoff(s.opts.RetryBackoff, s.opts.MaxBackoff, attempt)
}

// claim leases up to BatchSize due jobs to this worker for the Lease time.
func (s *Service) claim(ctx context.Context) ([]waits.Job, error) {
	var out []waits.Job
	err := s.db.Tx(ctx, func(tx *store.Tx) (err error) {
		out, err = waits.Claim(ctx, tx, s.opts.Lease, s.opts.BatchSize)
		return err
	})
	return out, err
}

// nextDue returns when the earliest ready job can be claimed, or false when there is none.
func (s *Service) nextDue(ctx context.Context) (at time.Time, ok bool, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		at, ok, err = waits.NextDue(ctx, tx)
		return err
	})
	return at, ok, err
}
