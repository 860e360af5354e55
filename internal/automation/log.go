package automation

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// LogEntry is one line of the automation log.
type LogEntry struct {
	// ID names the line, for a retry.
	ID        string `json:"id"`
	EventID   string `json:"event_id"`
	Event     string `json:"event"`
	SessionID string `json:"session_id"`
	// SessionName and CustomerName are as of the event, from its snapshot, so a line can be
	// shown by who wrote rather than by an id.
	SessionName  string    `json:"session_name"`
	CustomerName string    `json:"customer_name"`
	Process      string    `json:"process"`
	Outcome      string    `json:"outcome"`
	Reason       string    `json:"reason"`
	InstanceID   string    `json:"instance_id"`
	At           time.Time `json:"at"`
	// Retries counts an administrator's retries of a failed line; RetriedBy is the last one.
	Retries   int    `json:"retries"`
	RetriedBy string `json:"retried_by"`
	// EventAt is when the chat event was written, in the transaction that stored the
	// customer's message: At minus EventAt is how long the event waited to be dispatched.
	// Absent when the event is no longer in the outbox.
	EventAt *time.Time `json:"event_at,omitempty"`
	seq     int64
}

// LogFilter narrows the log. Empty fields do not narrow it; From and To bound the time the
// line was written (From inclusive, To exclusive).
type LogFilter struct {
	LiveChatID string
	Outcome    string
	Event      string
	SessionID  string
	From, To   time.Time
	Page       store.Page
}

func (f LogFilter) check() error {
	if f.Outcome != "" && f.Outcome != Started && f.Outcome != Skipped && f.Outcome != Failed {
		return errs.Field("outcome", "must be started, skipped or failed, not %q", f.Outcome)
	}
	if f.Event != "" && !slices.Contains(Events, f.Event) {
		return errs.Field("event", "must be session_created, message_received or session_closed, not %q", f.Event)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return errs.Field("to", "must be after from")
	}
	return f.Page.Check()
}

// Log returns a live chat's automation log, newest first. Administrators only.
func (s *Service) Log(ctx context.Context, f LogFilter) (store.List[*LogEntry], error) {
	var list store.List[*LogEntry]
	admin, err := policy.UserCan(ctx, policy.AutomationRead)
	if err != nil {
		return list, err
	}
	if err := f.check(); err != nil {
		return list, err
	}
	if _, err := s.liveChatName(ctx, admin, f.LiveChatID); err != nil {
		return list, err
	}
	before := int64(1) << 62
	if f.Page.Cursor != "" {
		if before, err = strconv.ParseInt(f.Page.Cursor, 10, 64); err != nil {
			return list, errs.Field("cursor", "is not a cursor this list returned")
		}
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		entries, err := queryLog(ctx, tx, f, before)
		if err != nil {
			return err
		}
		list = store.Cut(entries, f.Page, func(e *LogEntry) string { return strconv.FormatInt(e.seq, 10) })
		return nameSessions(ctx, tx, list.Items)
	})
	return list, err
}

// logColumns and logFrom read a line together with when its event was written.
const (
	logColumns = `l.id, l.event_id, l.event, l.session_id, l.process_code, l.outcome, l.reason, l.instance_id, l.at, l.event_seq, l.retries, l.retried_by, o.created_at`
	logFrom    = ` FROM automation_log l LEFT JOIN outbox o ON o.seq = l.event_seq`
	// sessionLogFrom reads one session's lines (its two ? are the session's id). No index
	// holds all of them (migration 0560): the lines not started are in one that holds only
	// those, and the started ones are reached through the session's instances, which the
	// automation starts in the line's session. The literal conditions let each part use its
	// partial index. CROSS JOIN makes SQLite read the instances first; otherwise, with the
	// live chat's condition pushed into this part, it scans the chat's lines instead.
	sessionLogFrom = ` FROM (
		SELECT * FROM automation_log WHERE session_id = ? AND outcome <> 'started'
		UNION ALL
		SELECT a.* FROM process_instances i CROSS JOIN automation_log a
		WHERE i.session_id = ? AND i.session_id <> '' AND a.instance_id = i.id AND a.instance_id <> '' AND a.outcome = 'started'
	) l LEFT JOIN outbox o ON o.seq = l.event_seq`
)

func queryLog(ctx context.Context, tx *store.Tx, f LogFilter, before int64) ([]*LogEntry, error) {
	query, args := logQuery(f, before)
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LogEntry
	for rows.Next() {
		e, err := scanLogEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// logQuery is the query of one page of the log that f asks for, lines before the seq before.
func logQuery(f LogFilter, before int64) (string, []any) {
	from, where, args := logFrom, []string{"l.live_chat_id = ?", "l.event_seq < ?"}, []any{f.LiveChatID, before}
	if f.SessionID != "" {
		from, args = sessionLogFrom, append([]any{f.SessionID, f.SessionID}, args...)
	}
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Outcome != "" {
		add("l.outcome = ?", f.Outcome)
	}
	if f.Event != "" {
		add("l.event = ?", f.Event)
	}
	if !f.From.IsZero() {
		add("l.at >= ?", store.TS(f.From))
	}
	if !f.To.IsZero() {
		add("l.at < ?", store.TS(f.To))
	}
	return "SELECT " + logColumns + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY l.event_seq DESC LIMIT ?", append(args, f.Page.Size()+1)
}

func scanLogEntry(row interface{ Scan(...any) error }) (*LogEntry, error) {
	var e LogEntry
	var at, eventAt store.Timestamp
	if err := row.Scan(&e.ID, &e.EventID, &e.Event, &e.SessionID, &e.Process, &e.Outcome, &e.Reason, &e.InstanceID, &at,
		&e.seq, &e.Retries, &e.RetriedBy, &eventAt); err != nil {
		return nil, err
	}
	e.At = at.Time
	if !eventAt.IsZero() {
		e.EventAt = &eventAt.Time
	}
	return &e, nil
}

// nameSessions fills each line's session and customer names from its event's snapshot, one
// query for the page.
func nameSessions(ctx context.Context, tx *store.Tx, entries []*LogEntry) error {
	seqs := make([]int64, len(entries))
	for i, e := range entries {
		seqs[i] = e.seq
	}
	events, err := chat.EventsBySeq(ctx, tx, seqs)
	if err != nil {
		return err
	}
	bySeq := make(map[int64]*chat.Event, len(events))
	for i := range events {
		bySeq[events[i].Seq] = &events[i]
	}
	for _, e := range entries {
		if ev := bySeq[e.seq]; ev != nil {
			e.SessionName, e.CustomerName = ev.Snapshot.Session.Name, ev.Snapshot.Customer.Name
		}
	}
	return nil
}
