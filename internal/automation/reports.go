package automation

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// Report returns the supervisors' and administrators' report (chat.Report) with the
// automation outcomes of the same live chats and days, read in one transaction so that every
// figure is of the same moment.
func (s *Service) Report(ctx context.Context, u *auth.User, q chat.ReportQuery) (rep *chat.Report, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if rep, err = s.chat.ReportTx(ctx, tx, u, q); err != nil {
			return err
		}
		return reportOutcomes(ctx, tx, rep)
	})
	return rep, err
}

// reportOutcomes counts the automation log's lines per live chat and outcome over the
// report's days, a row per live chat, zeros included.
func reportOutcomes(ctx context.Context, tx *store.Tx, rep *chat.Report) error {
	if len(rep.LiveChats) == 0 {
		return nil
	}
	r, err := chat.ReportQuery{From: rep.From, To: rep.To}.Range(tx.Now())
	if err != nil {
		return err
	}
	ids := make([]any, len(rep.LiveChats))
	byChat := map[string]*chat.ReportAutomation{}
	rep.Automation = make([]chat.ReportAutomation, len(rep.LiveChats))
	for i, c := range rep.LiveChats {
		ids[i] = c.ID
		rep.Automation[i].LiveChatID = c.ID
		byChat[c.ID] = &rep.Automation[i]
	}
	rows, err := tx.Query(ctx, "SELECT live_chat_id, outcome, COUNT(*) FROM automation_log WHERE live_chat_id "+store.In(len(ids))+
		" AND at >= ? AND at < ? GROUP BY live_chat_id, outcome", append(ids, store.TS(r.Start), store.TS(r.End))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, outcome string
		var n int
		if err := rows.Scan(&id, &outcome, &n); err != nil {
			return err
		}
		switch a := byChat[id]; outcome {
		case Started:
			a.Started += n
		case Skipped:
			a.Skipped += n
		case Failed:
			a.Failed += n
		}
	}
	return rows.Err()
}
