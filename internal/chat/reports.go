package chat

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// ReportQuery chooses a report's days and live chats. From and To are whole UTC days,
// To included; LiveChatID narrows the report to one live chat.
type ReportQuery struct {
	From, To   string
	LiveChatID string
}

// MaxReportDays bounds a report's range: a year of days.
const MaxReportDays = 366

// DefaultReportDays is the range when none is given: the last seven days, today included.
const DefaultReportDays = 7

const dayLayout = "2006-01-02"

// ReportRange is a report's checked range: [Start, End) in UTC, End the day after To.
type ReportRange struct {
	From, To   string
	Start, End time.Time
}

// Range checks the query's dates against today (UTC) and fills in the defaults.
func (q ReportQuery) Range(now time.Time) (ReportRange, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	r := ReportRange{Start: today.AddDate(0, 0, 1-DefaultReportDays), End: today.AddDate(0, 0, 1)}
	var list errs.List
	if q.From != "" {
		t, err := time.Parse(dayLayout, q.From)
		if err != nil {
			list.Add("from", "must be a day as YYYY-MM-DD, not %q", q.From)
		}
		r.Start = t
	}
	if q.To != "" {
		t, err := time.Parse(dayLayout, q.To)
		if err != nil {
			list.Add("to", "must be a day as YYYY-MM-DD, not %q", q.To)
		}
		r.End = t.AddDate(0, 0, 1)
	}
	if err := list.Err(); err != nil {
		return r, err
	}
	switch {
	case !r.Start.Before(r.End):
		return r, errs.Field("to", "must be the day of from or later")
	case r.End.Sub(r.Start) > MaxReportDays*24*time.Hour:
		return r, errs.Field("to", "is more than %d days after from", MaxReportDays)
	}
	r.From, r.To = r.Start.Format(dayLayout), r.End.AddDate(0, 0, -1).Format(dayLayout)
	return r, nil
}

// Report is what supervisors and administrators read about their live chats over a range of
// days. Spam sessions are left out of every figure: they were never conversations.
type Report struct {
	From      string           `json:"from"`
	To        string           `json:"to"`
	LiveChats []ReportLiveChat `json:"live_chats"`
	// Days has a row per day and live chat, zeros included, so a chart has every day.
	Days []ReportDay `json:"days"`
	// FirstResponse is from a session's first message to the first operator reply, over the
	// sessions created in the range that got one; Resolution from the first message to the
	// closing, over the sessions created in the range that are closed.
	FirstResponse ReportDurations  `json:"first_response"`
	Resolution    ReportDurations  `json:"resolution"`
	Ratings       ReportRatings    `json:"ratings"`
	Operators     []ReportOperator `json:"operators"`
	// Automation is filled in by the automation package, which owns its log.
	Automation []ReportAutomation `json:"automation"`
}

// ReportLiveChat is a live chat a report covers.
type ReportLiveChat struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ReportDay is how many sessions a live chat got on a day.
type ReportDay struct {
	Date       string `json:"date"`
	LiveChatID string `json:"live_chat_id"`
	Sessions   int    `json:"sessions"`
}

// ReportDurations are the median and 90th percentile of durations, in whole seconds, by the
// nearest-rank method (the ⌈p·n⌉-th smallest); null when Count is 0.
type ReportDurations struct {
	Count         int    `json:"count"`
	MedianSeconds *int64 `json:"median_seconds"`
	P90Seconds    *int64 `json:"p90_seconds"`
}

// ReportRatings are the ratings given in the range: how many, their average (null when
// none, rounded to two decimals) and how many of each score.
type ReportRatings struct {
	Count        int                 `json:"count"`
	Average      *float64            `json:"average"`
	Distribution []ReportRatingCount `json:"distribution"`
}

// ReportRatingCount is how many ratings had the score.
type ReportRatingCount struct {
	Score int `json:"score"`
	Count int `json:"count"`
}

// ReportOperator is an operator's load: the sessions created in the range that they handle
// or handled (are or stayed their operator), and those assigned to them and open now.
type ReportOperator struct {
	OperatorID      string `json:"operator_id"`
	Name            string `json:"name"`
	SessionsHandled int    `json:"sessions_handled"`
	OpenNow         int    `json:"open_now"`
}

// ReportAutomation counts a live chat's automation log lines by outcome.
type ReportAutomation struct {
	LiveChatID string `json:"live_chat_id"`
	Started    int    `json:"started"`
	Skipped    int    `json:"skipped"`
	Failed     int    `json:"failed"`
}

// ReportTx builds the chat's part of the report inside the caller's read transaction, over
// the live chats the user supervises (administrators: all). It answers with the range and the
// live chats too, so the caller adds its own figures for the same ones.
func (s *Service) ReportTx(ctx context.Context, tx *store.Tx, u *auth.User, q ReportQuery) (*Report, error) {
	r, err := q.Range(tx.Now())
	if err != nil {
		return nil, err
	}
	chats, err := reportChats(ctx, tx, u, q.LiveChatID)
	if err != nil {
		return nil, err
	}
	rep := &Report{From: r.From, To: r.To, LiveChats: chats, Days: []ReportDay{}, Operators: []ReportOperator{}, Automation: []ReportAutomation{}}
	if len(chats) == 0 {
		rep.Ratings = ratingStats(nil)
		return rep, nil
	}
	ids := make([]any, len(chats))
	for i, c := range chats {
		ids[i] = c.ID
	}
	for _, step := range []func(context.Context, *store.Tx, *Report, ReportRange, []any) error{reportSessions, reportRatings, reportOperators} {
		if err := step(ctx, tx, rep, r, ids); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// reportChats lists the live chats the user may read reports of: every one for
// administrators, else those they supervise; one named live chat must be among them.
func reportChats(ctx context.Context, tx *store.Tx, u *auth.User, only string) ([]ReportLiveChat, error) {
	if only != "" {
		lc, err := getLiveChat(ctx, tx, only)
		if err != nil {
			return nil, err
		}
		if err := allow(ctx, tx, u, policy.ReportRead, only); err != nil {
			return nil, err
		}
		return []ReportLiveChat{{lc.ID, lc.Name}}, nil
	}
	q, args := "SELECT id, name FROM live_chats ORDER BY name", []any{}
	if !u.IsAdmin() {
		q = `SELECT DISTINCT lc.id, lc.name FROM live_chats lc JOIN live_chat_groups lg ON lg.live_chat_id = lc.id
			JOIN group_members gm ON gm.group_id = lg.group_id WHERE gm.user_id = ? AND lg.role = ? ORDER BY lc.name`
		args = []any{u.ID, roleSupervisor}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReportLiveChat{}
	for rows.Next() {
		var c ReportLiveChat
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 && !u.IsAdmin() {
		return nil, errs.New(errs.Forbidden, "reports are for the supervisors of a live chat and administrators")
	}
	return out, nil
}

// reportSessions counts sessions per day and live chat and measures their first response and
// resolution times.
func reportSessions(ctx context.Context, tx *store.Tx, rep *Report, r ReportRange, ids []any) error {
	rows, err := tx.Query(ctx, `SELECT s.live_chat_id, s.created_at, s.state, s.closed_at,
		(SELECT MIN(m.created_at) FROM messages m WHERE m.session_id = s.id AND m.author_kind = ?)
		FROM sessions s WHERE s.live_chat_id `+store.In(len(ids))+` AND s.created_at >= ? AND s.created_at < ? AND s.state <> ?`,
		append(append([]any{string(AuthorOperator)}, ids...), store.TS(r.Start), store.TS(r.End), string(Spam))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	perDay := map[[2]string]int{}
	var firsts, resolutions []time.Duration
	for rows.Next() {
		var chatID, state string
		var created, closed, replied store.Timestamp
		if err := rows.Scan(&chatID, &created, &state, &closed, &replied); err != nil {
			return err
		}
		perDay[[2]string{created.Format(dayLayout), chatID}]++
		if !replied.IsZero() {
			firsts = append(firsts, replied.Sub(created.Time))
		}
		if State(state) == Closed && !closed.IsZero() {
			resolutions = append(resolutions, closed.Sub(created.Time))
		}
	}
	for day := r.Start; day.Before(r.End); day = day.AddDate(0, 0, 1) {
		for _, c := range rep.LiveChats {
			d := day.Format(dayLayout)
			rep.Days = append(rep.Days, ReportDay{Date: d, LiveChatID: c.ID, Sessions: perDay[[2]string{d, c.ID}]})
		}
	}
	rep.FirstResponse, rep.Resolution = durationStats(firsts), durationStats(resolutions)
	return rows.Err()
}

// reportRatings summarises the ratings given in the range.
func reportRatings(ctx context.Context, tx *store.Tx, rep *Report, r ReportRange, ids []any) error {
	rows, err := tx.Query(ctx, "SELECT score FROM session_ratings WHERE live_chat_id "+store.In(len(ids))+" AND rated_at >= ? AND rated_at < ?",
		append(ids, store.TS(r.Start), store.TS(r.End))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var scores []int
	for rows.Next() {
		var score int
		if err := rows.Scan(&score); err != nil {
			return err
		}
		scores = append(scores, score)
	}
	rep.Ratings = ratingStats(scores)
	return rows.Err()
}

// reportOperators measures each operator's load: sessions handled in the range and open now.
func reportOperators(ctx context.Context, tx *store.Tx, rep *Report, r ReportRange, ids []any) error {
	rows, err := tx.Query(ctx, `SELECT u.id, u.display_name,
		SUM(CASE WHEN s.created_at >= ? AND s.created_at < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN s.state = ? THEN 1 ELSE 0 END)
		FROM sessions s JOIN users u ON u.id = s.operator_id
		WHERE s.live_chat_id `+store.In(len(ids))+` AND s.state <> ? AND ((s.created_at >= ? AND s.created_at < ?) OR s.state = ?)
		GROUP BY u.id, u.display_name ORDER BY u.display_name, u.id`,
		append(append([]any{store.TS(r.Start), store.TS(r.End), string(Assigned)}, ids...),
			string(Spam), store.TS(r.Start), store.TS(r.End), string(Assigned))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o ReportOperator
		if err := rows.Scan(&o.OperatorID, &o.Name, &o.SessionsHandled, &o.OpenNow); err != nil {
			return err
		}
		rep.Operators = append(rep.Operators, o)
	}
	return rows.Err()
}

// durationStats returns the count, median and 90th percentile of ds (nearest rank).
func durationStats(ds []time.Duration) ReportDurations {
	out := ReportDurations{Count: len(ds)}
	if len(ds) == 0 {
		return out
	}
	slices.Sort(ds)
	rank := func(p float64) *int64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		secs := int64(ds[max(i, 0)] / time.Second)
		return &secs
	}
	out.MedianSeconds, out.P90Seconds = rank(0.5), rank(0.9)
	return out
}

// ratingStats counts scores 1 to 5 and averages them.
func ratingStats(scores []int) ReportRatings {
	out := ReportRatings{Count: len(scores), Distribution: make([]ReportRatingCount, 5)}
	sum := 0
	for i := range out.Distribution {
		out.Distribution[i].Score = i + 1
	}
	for _, s := range scores {
		if s >= 1 && s <= 5 {
			out.Distribution[s-1].Count++
		}
		sum += s
	}
	if len(scores) > 0 {
		avg := math.Round(float64(sum)/float64(len(scores))*100) / 100
		out.Average = &avg
	}
	return out
}
