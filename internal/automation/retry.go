package automation

import (
	"context"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// Retrying a failed line. When a start failed (the process was unpublished, a required value
// was missing), an administrator fixes the cause and retries the line. The retry decides
// again, as the dispatcher would now: the binding as it is now, the newest published version,
// the session's spam mark as it is now, the condition and the mapping against the event's own
// snapshot. It still starts at most one instance per event and binding, because the line
// itself is the claim: the first statement of the retry's transaction turns the line from
// failed to started, and only a transaction that changed it goes on. A second retry of the
// same line (another administrator, another node) waits for the first's row lock and then
// finds the line no longer failed, or, on SQLite, runs after it. When the retry fails again
// or is skipped, the line says so and the whole transaction still commits.

// maxRetryAll bounds how many failed lines one "retry all" handles.
const maxRetryAll = 500

// RetryAll is the result of retrying every failed line of a binding.
type RetryAll struct {
	Started int `json:"started"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// Busy counts lines another retry took first.
	Busy  int         `json:"busy"`
	Items []*LogEntry `json:"items"`
}

// RetryLine retries one failed line of a live chat's automation log and returns the line as
// it is afterwards. Administrators only; 409 when the line is not failed (any more).
func (s *Service) RetryLine(ctx context.Context, liveChatID, lineID string) (*LogEntry, error) {
	admin, err := policy.UserCan(ctx, policy.AutomationConfigure)
	if err != nil {
		return nil, err
	}
	var out *LogEntry
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		out, err = s.retryTx(ctx, tx, liveChatID, lineID, admin.ID)
		return err
	})
	return out, err
}

// RetryFailed retries the failed lines of one binding (live chat and event), oldest first so
// that one session's starts keep their order, each in its own transaction.
func (s *Service) RetryFailed(ctx context.Context, liveChatID, event string) (*RetryAll, error) {
	if _, err := s.eventAdmin(ctx, liveChatID, event); err != nil {
		return nil, err
	}
	ids, err := s.failedLines(ctx, liveChatID, event)
	if err != nil {
		return nil, err
	}
	out := &RetryAll{Items: []*LogEntry{}}
	for _, id := range ids {
		e, err := s.RetryLine(ctx, liveChatID, id)
		switch {
		case errs.Is(err, errs.Conflict):
			out.Busy++
			continue
		case err != nil:
			return out, err
		}
		out.Items = append(out.Items, e)
		switch e.Outcome {
		case Started:
			out.Started++
		case Skipped:
			out.Skipped++
		default:
			out.Failed++
		}
	}
	return out, nil
}

func (s *Service) failedLines(ctx context.Context, liveChatID, event string) ([]string, error) {
	var ids []string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM automation_log WHERE live_chat_id = ? AND event = ? AND outcome = ?
			ORDER BY event_seq LIMIT ?`, liveChatID, event, Failed, maxRetryAll)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// retryTx claims the line, decides again and records the new outcome, in the caller's
// transaction.
func (s *Service) retryTx(ctx context.Context, tx *store.Tx, liveChatID, lineID, by string) (*LogEntry, error) {
	line, depth, err := claimFailed(ctx, tx, liveChatID, lineID, by)
	if err != nil {
		return nil, err
	}
	events, err := chat.EventsBySeq(ctx, tx, []int64{line.seq})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, errs.New(errs.Conflict, "the event of this line is no longer stored; it cannot be retried")
	}
	l := logLine{ev: &events[0], process: line.Process, depth: depth}
	if err := s.redecide(ctx, tx, &l); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "UPDATE automation_log SET outcome = ?, reason = ?, instance_id = ?, process_code = ? WHERE id = ?",
		l.outcome, l.reason, l.instance, l.process, lineID); err != nil {
		return nil, err
	}
	line.Outcome, line.Reason, line.InstanceID, line.Process = l.outcome, l.reason, l.instance, l.process
	return line, nameSessions(ctx, tx, []*LogEntry{line})
}

// claimFailed reads the line and turns it from failed to started, so that no other
// transaction can retry it until this one ends; conflict when the line is not failed.
func claimFailed(ctx context.Context, tx *store.Tx, liveChatID, lineID, by string) (*LogEntry, int, error) {
	res, err := tx.Exec(ctx, `UPDATE automation_log SET outcome = ?, retries = retries + 1, retried_by = ?
		WHERE id = ? AND live_chat_id = ? AND outcome = ?`, Started, by, lineID, liveChatID, Failed)
	if err != nil {
		return nil, 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, 0, err
	}
	var depth int
	line, err := scanLogEntry(tx.QueryRow(ctx, "SELECT "+logColumns+logFrom+" WHERE l.id = ? AND l.live_chat_id = ?", lineID, liveChatID))
	if err != nil {
		return nil, 0, store.NotFound(err, "there is no automation log line %q in this live chat", lineID)
	}
	if n == 0 {
		return nil, 0, errs.New(errs.Conflict, "only a failed line can be retried; this one is %s", line.Outcome).With("outcome", line.Outcome)
	}
	err = tx.QueryRow(ctx, "SELECT chain_depth FROM automation_log WHERE id = ?", lineID).Scan(&depth)
	return line, depth, err
}

// redecide fills the line's outcome as the dispatcher would decide the event now, starting
// the instance when everything allows it.
func (s *Service) redecide(ctx context.Context, tx *store.Tx, l *logLine) error {
	b, err := bindingTx(ctx, tx, l.ev.LiveChatID, l.ev.Type)
	if errs.Is(err, errs.NotFound) {
		l.outcome, l.reason = Failed, "no process is bound to this event any more"
		return nil
	}
	if err != nil {
		return err
	}
	l.process = b.Process
	p, err := s.decide(ctx, tx, b, l)
	if err != nil || p == nil {
		return err
	}
	var inst *process.Instance
	err = tx.Savepoint(ctx, func() (err error) {
		inst, err = s.process.StartTx(ctx, tx, p.start)
		return err
	})
	switch reason := refusal(err); {
	case err == nil:
		l.outcome, l.reason, l.instance = Started, "", inst.ID
	case reason != "":
		l.outcome, l.reason = Failed, reason
	default:
		return err
	}
	return nil
}
