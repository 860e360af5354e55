package chat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// eachClocked runs fn on each dialect with a clock the test sets.
func eachClocked(t *testing.T, fn func(t *testing.T, db *store.DB, clock *storetest.Clock)) {
	t.Run("sqlite", func(t *testing.T) {
		clock := &storetest.Clock{}
		fn(t, storetest.SQLite(t, storetest.Options{Clock: clock}), clock)
	})
	if storetest.PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) {
			clock := &storetest.Clock{}
			fn(t, storetest.Postgres(t, storetest.Options{Clock: clock}), clock)
		})
	}
}

// A customer rates a closed session once per closure; bad values are refused naming the field.
func TestRatingOncePerClosure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sess := f.customer("hello").Session
		if _, err := f.chat.Rate(f.ctx, sess.ID, chat.RatingInput{Score: 5}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("rating an open session: %v, want conflict", err)
		}
		_, err := f.chat.Close(f.ctx, sess.ID, chat.UserActor(f.operator))
		f.must(err)
		for _, tc := range []struct {
			in    chat.RatingInput
			field string
		}{
			{chat.RatingInput{Score: 0}, "score"},
			{chat.RatingInput{Score: 6}, "score"},
			{chat.RatingInput{Score: 3, Comment: strings.Repeat("я", chat.MaxRatingComment+1)}, "comment"},
		} {
			_, err := f.chat.Rate(f.ctx, sess.ID, tc.in)
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || !strings.HasPrefix(e.Message, tc.field+":") {
				t.Errorf("rating %+v: %v, want invalid naming %s", tc.in.Score, err, tc.field)
			}
		}
		r, err := f.chat.Rate(f.ctx, sess.ID, chat.RatingInput{Score: 4, Comment: "  Быстро, спасибо  "})
		f.must(err)
		if r.Score != 4 || r.Comment != "Быстро, спасибо" {
			t.Fatalf("rating = %+v", r)
		}
		if _, err := f.chat.Rate(f.ctx, sess.ID, chat.RatingInput{Score: 1}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("rating twice: %v, want conflict", err)
		}
		if got := f.session(sess.ID).Rating; got == nil || got.Score != 4 {
			t.Fatalf("the session's rating = %+v", got)
		}
		var snap chat.Snapshot
		f.must(db.Read(f.ctx, func(tx *store.Tx) (err error) {
			snap, err = f.chat.SnapshotTx(f.ctx, tx, sess.ID)
			return err
		}))
		if v, _ := snap.Property("session.rating"); v != int64(4) {
			t.Fatalf("session.rating = %#v, want 4", v)
		}
		if v, _ := snap.Property("session.ratingComment"); v != "Быстро, спасибо" {
			t.Fatalf("session.ratingComment = %#v", v)
		}
		// Writing again reopens the session: the old rating belongs to the old closure, and the
		// next closure may be rated anew.
		f.send("visitor-1", "one more thing")
		if got := f.session(sess.ID).Rating; got != nil {
			t.Fatalf("a reopened session shows the old rating %+v", got)
		}
		_, err = f.chat.Close(f.ctx, sess.ID, chat.UserActor(f.operator))
		f.must(err)
		_, err = f.chat.Rate(f.ctx, sess.ID, chat.RatingInput{Score: 2})
		f.must(err)
		if _, err := f.chat.Rate(f.ctx, "ses_none", chat.RatingInput{Score: 2}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("rating no session: %v, want not found", err)
		}
	})
}

// TestReportFigures builds a known week and checks every figure against numbers worked out
// by hand. First responses are 30, 60, 120 and 300 s: the median by nearest rank is the 2nd
// of 4 (60 s), the 90th percentile the 4th (300 s). Resolutions are 600, 1200 and 3600 s:
// median the 2nd of 3 (1200 s), p90 the 3rd (3600 s).
func TestReportFigures(t *testing.T) {
	eachClocked(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		day1 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		clock.Set(day1)
		f := newFixture(t, db)
		at := func(d time.Duration) { clock.Set(day1.Add(d)) }
		type plan struct {
			op           *auth.User
			reply, close time.Duration // after the first message; 0: never
			score        int
		}
		plans := []plan{
			{f.operator, 60 * time.Second, 600 * time.Second, 5},
			{f.operator, 120 * time.Second, 1200 * time.Second, 4},
			{f.supervisorOp, 300 * time.Second, 3600 * time.Second, 2},
			{f.supervisorOp, 30 * time.Second, 0, 0},
		}
		for i, p := range plans {
			start := time.Duration(i) * 2 * time.Hour
			at(start)
			sess := f.customer("hello").Session
			_, err := f.chat.Assign(f.ctx, sess.ID, p.op.ID, chat.UserActor(f.admin))
			f.must(err)
			at(start + p.reply)
			_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: sess.ID, Text: "hi", By: chat.UserActor(p.op)})
			f.must(err)
			if p.close > 0 {
				at(start + p.close)
				_, err = f.chat.Close(f.ctx, sess.ID, chat.UserActor(p.op))
				f.must(err)
				_, err = f.chat.Rate(f.ctx, sess.ID, chat.RatingInput{Score: p.score})
				f.must(err)
			}
		}
		at(8 * time.Hour)
		spam := f.customer("buy now").Session
		_, err := f.chat.MarkSpam(f.ctx, spam.ID, chat.UserActor(f.admin))
		f.must(err)
		at(24 * time.Hour)
		f.customer("next day, nobody answers")
		f.otherChatCustomer("Sales is not in Support's report")

		var rep *chat.Report
		f.must(db.Read(f.ctx, func(tx *store.Tx) (err error) {
			rep, err = f.chat.ReportTx(f.ctx, tx, f.supervisor, chat.ReportQuery{From: "2026-03-02", To: "2026-03-04"})
			return err
		}))
		if len(rep.LiveChats) != 1 || rep.LiveChats[0].Name != "Support" || rep.From != "2026-03-02" || rep.To != "2026-03-04" {
			t.Fatalf("report covers %+v from %s to %s", rep.LiveChats, rep.From, rep.To)
		}
		var perDay []int
		for _, d := range rep.Days {
			perDay = append(perDay, d.Sessions)
		}
		if len(perDay) != 3 || perDay[0] != 4 || perDay[1] != 1 || perDay[2] != 0 {
			t.Fatalf("sessions per day = %v, want [4 1 0] (spam left out)", perDay)
		}
		wantDurations(t, "first response", rep.FirstResponse, 4, 60, 300)
		wantDurations(t, "resolution", rep.Resolution, 3, 1200, 3600)
		if r := rep.Ratings; r.Count != 3 || r.Average == nil || *r.Average != 3.67 ||
			r.Distribution[1].Count != 1 || r.Distribution[3].Count != 1 || r.Distribution[4].Count != 1 || r.Distribution[0].Count != 0 {
			t.Fatalf("ratings = %+v (average %v), want 3 ratings averaging 3.67", r, *r.Average)
		}
		load := map[string][2]int{}
		for _, o := range rep.Operators {
			load[o.Name] = [2]int{o.SessionsHandled, o.OpenNow}
		}
		if len(load) != 2 || load[f.operator.DisplayName] != [2]int{2, 0} || load[f.supervisorOp.DisplayName] != [2]int{2, 1} {
			t.Fatalf("operators' load = %v", load)
		}
	})
}

func wantDurations(t *testing.T, what string, d chat.ReportDurations, count int, median, p90 int64) {
	t.Helper()
	if d.Count != count || d.MedianSeconds == nil || *d.MedianSeconds != median || d.P90Seconds == nil || *d.P90Seconds != p90 {
		t.Fatalf("%s = %d, %v, %v; want %d, %d s, %d s", what, d.Count, ptr(d.MedianSeconds), ptr(d.P90Seconds), count, median, p90)
	}
}

func ptr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A report's range is checked naming the field, and an operator who supervises nothing is
// refused.
func TestReportRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			q     chat.ReportQuery
			field string
		}{
			{chat.ReportQuery{From: "March"}, "from"},
			{chat.ReportQuery{From: "2026-03-02", To: "2026-03-01"}, "to"},
			{chat.ReportQuery{From: "2024-01-01", To: "2026-01-01"}, "to"},
		} {
			err := db.Read(f.ctx, func(tx *store.Tx) error {
				_, err := f.chat.ReportTx(f.ctx, tx, f.admin, tc.q)
				return err
			})
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || !strings.HasPrefix(e.Message, tc.field+":") {
				t.Errorf("%+v: %v, want invalid naming %s", tc.q, err, tc.field)
			}
		}
		err := db.Read(f.ctx, func(tx *store.Tx) error {
			_, err := f.chat.ReportTx(f.ctx, tx, f.operator, chat.ReportQuery{})
			return err
		})
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an operator's report: %v, want forbidden", err)
		}
	})
}
