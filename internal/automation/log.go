package automation

import (
	"context"
	"github.com/parleychat/parley/internal/auth/policy"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// LogEntry is one line of the automation log.
type LogEntry struct {
	EventID    string    `json:"event_id"`
	Event      string    `json:"event"`
	SessionID  string    `json:"session_id"`
	Process    string    `json:"process"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason"`
	InstanceID string    `json:"instance_id"`
	At         time.Time `json:"at"`
	seq        int64
}

// LogFilter narrows the log.
type LogFilter struct {
	LiveChatID string
	Outcome    string
	SessionID  string
	Page       store.Page
}

// Log returns a live chat's automation log, newest first. Administrators only.
func (s *Service) Log(ctx context.Context, f LogFilter) (store.List[*LogEntry], error) {
	var list store.List[*LogEntry]
	admin, err := policy.UserCan(ctx, policy.AutomationRead)
	if err != nil {
		return list, err
	}
	if f.Outcome != "" && f.Outcome != Started && f.Outcome != Skipped && f.Outcome != Failed {
		return list, errs.Field("outcome", "must be started, skipped or failed, not %q", f.Outcome)
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
		list = store.Cut(entries, f.Page, func(e *LogEntry) string { return strconv.FormatInt(e.seq, 10) })
		return err
	})
	return list, err
}

func queryLog(ctx context.Context, tx *store.Tx, f LogFilter, before int64) ([]*LogEntry, error) {
	rows, err := tx.Query(ctx, `SELECT event_id, event, session_id, process_code, outcome, reason, instance_id, at, event_seq
		FROM automation_log WHERE live_chat_id = ? AND event_seq < ? AND (? = '' OR outcome = ?) AND (? = '' OR session_id = ?)
		ORDER BY event_seq DESC LIMIT ?`, f.LiveChatID, before, f.Outcome, f.Outcome, f.SessionID, f.SessionID, f.Page.Size()+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LogEntry
	for rows.Next() {
		var e LogEntry
		var at store.Timestamp
		if err := rows.Scan(&e.EventID, &e.Event, &e.SessionID, &e.Process, &e.Outcome, &e.Reason, &e.InstanceID, &at, &e.seq); err != nil {
			return nil, err
		}
		e.At = at.Time
		out = append(out, &e)
	}
	return out, rows.Err()
}
