package process

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// Run runs the engine's workers until ctx ends: the job worker (timers, retries, http calls)
// and, when the engine acts on the real live chat, the consumer that completes message waits.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if _, ok := s.deps.Chat.(LiveChat); ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runMessages(ctx)
		}()
	}
	s.runJobs(ctx)
	wg.Wait()
}

// runJobs fires due jobs, then sleeps until the earliest due time, a notification that a new
// job was committed (on any node), or the poll interval, whichever comes first.
func (s *Service) runJobs(ctx context.Context) {
	wake, cancel := s.db.Subscribe(waits.JobsChannel)
	defer cancel()
	var purged time.Time
	for ctx.Err() == nil {
		if _, err := s.RunDueJobs(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("process jobs failed", "err", err)
		}
		// Expired kept messages match nothing; deleting them now and then keeps the table small.
		if now := s.db.Now(); now.Sub(purged) >= time.Minute {
			purged = now
			if err := s.PurgeExpiredMessages(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("purging expired messages failed", "err", err)
			}
		}
		wait := s.opts.PollInterval
		if at, ok, err := s.nextDue(ctx); err == nil && ok {
			wait = min(wait, max(at.Sub(s.db.Now()), 0)+time.Millisecond)
		}
		if at, ok, err := s.nextTimerStart(ctx); err == nil && ok {
			wait = min(wait, max(at.Sub(s.db.Now()), 0)+time.Millisecond)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RunDueJobs runs every job that is due now, after the timer start events that are due, and
// returns how many it ran. The worker calls it; tests call it after moving a fake clock.
func (s *Service) RunDueJobs(ctx context.Context) (int, error) {
	total, err := s.runTimerStarts(ctx)
	if err != nil {
		return total, err
	}
	for ctx.Err() == nil {
		jobs, err := s.claim(ctx)
		if err != nil {
			return total, err
		}
		s.runClaimed(ctx, jobs)
		total += len(jobs)
		if len(jobs) < s.opts.BatchSize {
			break
		}
	}
	return total, ctx.Err()
}

// runClaimed runs claimed jobs concurrently, bounded, so that SQLite can commit them in groups
// and slow http calls do not hold up timers.
func (s *Service) runClaimed(ctx context.Context, jobs []waits.Job) {
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func(j waits.Job) {
			defer func() { <-sem; wg.Done() }()
			if err := s.fire(ctx, j); err != nil {
				s.log.Error("process job failed", "job", j.ID, "instance", j.Instance, "element", j.Element, "err", err)
			}
		}(j)
	}
	wg.Wait()
}

// fire runs one claimed job. An http call happens before its transaction; everything else
// happens inside one transaction that also deletes the job, so a job fires at most once.
func (s *Service) fire(ctx context.Context, j waits.Job) error {
	if j.Kind == waits.JobStep && j.Type == bpmn.TypeHTTP {
		return s.fireHTTP(ctx, j)
	}
	if j.Kind == waits.JobScopeStart {
		return s.db.Tx(ctx, func(tx *store.Tx) error { return s.fireScopeStart(ctx, tx, j) })
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.withJob(ctx, tx, j, func(r *runner, t *token, el *bpmn.Element) error {
			switch j.Kind {
			case waits.JobTimer:
				if err := r.claimEvent(t, el); err != nil {
					return err
				}
				r.record(el, evFired, "")
				r.leave(t, el)
			case waits.JobBoundary:
				r.attempt = j.Attempts + 1
				return r.boundaryTimer(t, el)
			case waits.JobOutputs:
				r.leave(t, el)
			case waits.JobDelivery:
				r.attempt = j.Attempts + 1
				return r.redeliver(t, el, j.Payload)
			case waits.JobSplit:
				return r.split(t, el)
			default:
				r.attempt = j.Attempts + 1
				return r.execute(t, el, false)
			}
			return nil
		})
	})
}

// withJob locks the job's instance, takes the job (or does nothing when it is gone), runs act
// with the token and element, and saves what the run changed.
func (s *Service) withJob(ctx context.Context, tx *store.Tx, j waits.Job, act func(*runner, *token, *bpmn.Element) error) error {
	st, err := s.loadState(ctx, tx, j.Instance, true)
	if err != nil {
		return err
	}
	ok, err := waits.Take(ctx, tx, j)
	if err != nil || !ok || st.done() {
		return err
	}
	t, el := st.toks.Token(j.Token), st.v.Process.Elements[j.Element]
	if t == nil || el == nil {
		return nil
	}
	r := s.newRunner(ctx, tx, st)
	if err := act(r, t, el); err != nil {
		return err
	}
	if err := r.run(); err != nil {
		return err
	}
	return r.finish()
}

// cancelTokenWaits cancels the open task of a token and deletes its jobs and message waits.
// The jobs include the token's incident when its step had failed for good, so the instance's
// state is settled afterwards.
func (r *runner) cancelTokenWaits(t *token) error {
	id := r.st.id
	if err := r.cancelCalled(t); err != nil {
		return err
	}
	if err := r.notifyOpenTaskInboxes("instance_id = ? AND token_id = ? AND state = ?", id, t.ID, TaskOpen); err != nil {
		return err
	}
	if err := r.exec("UPDATE process_tasks SET state = ?, ended_at = ? WHERE instance_id = ? AND token_id = ? AND state = ?",
		TaskCancelled, store.TS(r.tx.Now()), id, t.ID, TaskOpen); err != nil {
		return err
	}
	if err := r.exec("DELETE FROM process_jobs WHERE instance_id = ? AND token_id = ?", id, t.ID); err != nil {
		return err
	}
	if err := r.exec("DELETE FROM process_messages WHERE instance_id = ? AND token_id = ?", id, t.ID); err != nil {
		return err
	}
	return r.settleIncidents()
}
