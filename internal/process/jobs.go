package process

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// jobsChannel is the notification channel that wakes the job workers after a commit that
// created a due job.
const jobsChannel = "process_jobs"

// Job kinds.
const (
	jobTimer    = "timer"    // an intermediate timer: fires once at due_at
	jobBoundary = "boundary" // a boundary timer: interrupts the activity its token waits at
	jobStep     = "step"     // an element to run (again): an http call, a retry, a retried incident
	jobExternal = "external" // a service task an outside worker completes through the API
	jobDelivery = "delivery" // a customer's message that failed to complete a session wait; payload is its text
	jobSplit    = "split"    // outgoing flows whose conditions failed: a retry chooses the flows again
)

// Job states.
const (
	jobReady    = "ready"    // a worker runs it once due_at has passed
	jobWaiting  = "waiting"  // an outside worker's job, waiting for its completion
	jobIncident = "incident" // failed for good; an administrator may retry it
)

// job is one row of process_jobs.
type job struct {
	id       string
	instance string
	token    int
	element  string
	kind     string
	typ      string
	state    string
	due      time.Time
	attempts int
	max      int
	err      string
	payload  string
	lease    string
}

// addJob stores a job of the running instance and wakes the workers after commit when it is
// theirs to run.
func (r *runner) addJob(j job) error {
	j.id = store.NewID("job")
	now := store.TS(r.tx.Now())
	r.b.add(jobsTable, j.id, r.st.id, j.token, j.element, j.kind, j.typ, j.state, store.TS(j.due), j.attempts, j.max, j.err, j.payload, now, now)
	r.b.notify = r.b.notify || j.state == jobReady
	return nil
}

// backoff is the wait before retry number attempt+1: RetryBackoff doubled per attempt, capped.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.opts.RetryBackoff
	for i := 1; i < attempt && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

// claim leases up to BatchSize due jobs to this worker. The lease, not the transaction, holds
// the claim, so that a job whose run needs the network (http) is never done inside a
// transaction, and a job of a worker that died is taken over once its lease has expired.
func (s *Service) claim(ctx context.Context) ([]job, error) {
	var out []job
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		lease := store.NewID("lease")
		now := tx.Now()
		rows, err := tx.Query(ctx, `UPDATE process_jobs SET lease_owner = ?, lease_until = ?, updated_at = ? WHERE id IN (
			SELECT id FROM process_jobs WHERE state = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY due_at LIMIT ?`+tx.SkipLocked()+`)
			RETURNING id, instance_id, token_id, element_id, kind, type, attempts, max_attempts, payload`,
			lease, store.TS(now.Add(s.opts.Lease)), store.TS(now), jobReady, store.TS(now), store.TS(now), s.opts.BatchSize)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j := job{lease: lease, state: jobReady}
			if err := rows.Scan(&j.id, &j.instance, &j.token, &j.element, &j.kind, &j.typ, &j.attempts, &j.max, &j.payload); err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	return out, err
}

// takeJob deletes a leased job inside the transaction that acts on it; false means another
// worker took it over or the instance moved on, and nothing must happen.
func takeJob(ctx context.Context, tx *store.Tx, j job) (bool, error) {
	res, err := tx.Exec(ctx, "DELETE FROM process_jobs WHERE id = ? AND lease_owner = ?", j.id, j.lease)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// nextDue returns when the earliest ready job can be claimed, or false when there is none. A
// leased job counts from the end of its lease, when another worker may take it over.
func (s *Service) nextDue(ctx context.Context) (time.Time, bool, error) {
	var at store.Timestamp
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at THEN lease_until ELSE due_at END)
			FROM process_jobs WHERE state = ?`, jobReady).Scan(&at)
	})
	return at.Time, !at.IsZero(), err
}
