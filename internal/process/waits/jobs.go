package waits

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// JobsChannel is the notification channel that wakes the job workers after a commit that
// created a due job.
const JobsChannel = "process_jobs"

// Job kinds.
const (
	JobTimer    = "timer"    // an intermediate timer: fires once at due_at
	JobBoundary = "boundary" // a boundary timer: interrupts the activity its token waits at
	JobStep     = "step"     // an element to run (again): an http call, a retry, a retried incident
	JobExternal = "external" // a service task an outside worker completes through the API
	JobDelivery = "delivery" // a customer's message that failed to complete a session wait; payload is its text
	JobSplit    = "split"    // outgoing flows whose conditions failed: a retry chooses the flows again
	// The incident of an element whose outputs failed after its work was done: a retry
	// evaluates the outputs again and moves on, rather than redoing the element.
	JobOutputs = "outputs"
	// The timer of an event sub-process's start event. Its token_id is the id of the scope the
	// event sub-process listens in (0 for the process), not a token's: the same goes for the
	// message subscriptions of such start events.
	JobScopeStart = "scope-start"
)

// Job states.
const (
	JobReady    = "ready"    // a worker runs it once due_at has passed
	JobWaiting  = "waiting"  // an outside worker's job, waiting for its completion
	JobIncident = "incident" // failed for good; an administrator may retry it
)

// JobColumns are the columns of a process_jobs row in the order of Job.Row.
const JobColumns = "id, instance_id, token_id, element_id, kind, type, state, due_at, attempts, max_attempts, error, payload, created_at, updated_at"

// Job is one row of process_jobs.
type Job struct {
	ID       string
	Instance string
	Token    int
	Element  string
	Kind     string
	Type     string
	State    string
	Due      time.Time
	Attempts int
	Max      int
	Err      string
	Payload  string
	Lease    string
}

// Row gives the job a new id and returns its values in the order of JobColumns, for the
// runner's batched insert.
func (j *Job) Row(now time.Time) []any {
	j.ID = store.NewID("job")
	ts := store.TS(now)
	return []any{j.ID, j.Instance, j.Token, j.Element, j.Kind, j.Type, j.State, store.TS(j.Due), j.Attempts, j.Max, j.Err, j.Payload, ts, ts}
}

// Backoff is the wait before retry number attempt+1: base doubled per attempt, capped at most.
func Backoff(base, most time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Claim leases up to limit due jobs to one new lease for the lease time. The lease, not the
// transaction, holds the claim, so that a job whose run needs the network (http) is never done
// inside a transaction, and a job of a worker that died is taken over once its lease has
// expired.
func Claim(ctx context.Context, tx *store.Tx, lease time.Duration, limit int) ([]Job, error) {
	owner := store.NewID("lease")
	now := tx.Now()
	rows, err := tx.Query(ctx, `UPDATE process_jobs SET lease_owner = ?, lease_until = ?, updated_at = ? WHERE id IN (
		SELECT id FROM process_jobs WHERE state = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)
		ORDER BY due_at LIMIT ?`+tx.SkipLocked()+`)
		RETURNING id, instance_id, token_id, element_id, kind, type, attempts, max_attempts, payload`,
		owner, store.TS(now.Add(lease)), store.TS(now), JobReady, store.TS(now), store.TS(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j := Job{Lease: owner, State: JobReady}
		if err := rows.Scan(&j.ID, &j.Instance, &j.Token, &j.Element, &j.Kind, &j.Type, &j.Attempts, &j.Max, &j.Payload); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Take deletes a leased job inside the transaction that acts on it; false means another
// worker took it over or the instance moved on, and nothing must happen.
func Take(ctx context.Context, tx *store.Tx, j Job) (bool, error) {
	res, err := tx.Exec(ctx, "DELETE FROM process_jobs WHERE id = ? AND lease_owner = ?", j.ID, j.Lease)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// NextDue returns when the earliest ready job can be claimed, or false when there is none. A
// leased job counts from the end of its lease, when another worker may take it over.
func NextDue(ctx context.Context, tx *store.Tx) (time.Time, bool, error) {
	var at store.Timestamp
	err := tx.QueryRow(ctx, `SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at THEN lease_until ELSE due_at END)
		FROM process_jobs WHERE state = ?`, JobReady).Scan(&at)
	return at.Time, !at.IsZero(), err
}

// NextTimerStart returns when the earliest timer start event is due, or false when there is
// none. kind is the start rows' kind for a timer.
func NextTimerStart(ctx context.Context, tx *store.Tx, kind string) (time.Time, bool, error) {
	var at store.Timestamp
	err := tx.QueryRow(ctx, "SELECT MIN(due_at) FROM process_start_events WHERE kind = ?", kind).Scan(&at)
	return at.Time, !at.IsZero(), err
}

// JobCounts is the engine's queue for monitoring: its jobs by state (ready, waiting,
// incident) and, of the ready ones, how many are due now, which is the work the workers
// have not caught up with.
type JobCounts struct {
	ByState map[string]int64
	Due     int64
}

// CountJobs counts the jobs by state along the (state, due_at) index.
func CountJobs(ctx context.Context, tx *store.Tx) (JobCounts, error) {
	c := JobCounts{ByState: map[string]int64{JobReady: 0, JobWaiting: 0, JobIncident: 0}}
	rows, err := tx.Query(ctx, "SELECT state, COUNT(*) FROM process_jobs GROUP BY state")
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return c, err
		}
		c.ByState[state] = n
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	err = tx.QueryRow(ctx, "SELECT COUNT(*) FROM process_jobs WHERE state = ? AND due_at <= ?", JobReady, store.TS(tx.Now())).Scan(&c.Due)
	return c, err
}
