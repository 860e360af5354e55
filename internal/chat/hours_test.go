package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// newYorkHours is Monday to Friday, 09:00 to 17:00 in New York (UTC-5 in January), with a
// lunch break on Wednesdays, and 2 January 2026 (a Friday) off.
func newYorkHours() chat.WorkingHours {
	w := chat.WorkingHours{Enabled: true, TimeZone: "America/New_York", Holidays: []string{"2026-01-02"},
		AutoReply: "We're away; we'll answer when we open."}
	for _, d := range []string{"monday", "tuesday", "thursday", "friday"} {
		w.Schedule = append(w.Schedule, chat.Interval{Day: d, From: "09:00", To: "17:00"})
	}
	w.Schedule = append(w.Schedule, chat.Interval{Day: "wednesday", From: "09:00", To: "12:00"}, chat.Interval{Day: "wednesday", From: "13:00", To: "17:00"})
	return w
}

func TestWorkingHoursInTheLiveChatsTimeZone(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, clock *storetest.Clock) {
		_, _, err := f.chat.SetWorkingHours(f.ctx, f.admin, f.lc.ID, newYorkHours())
		f.must(err)
		monday9 := time.Date(2026, 1, 5, 14, 0, 0, 0, time.UTC) // 09:00 in New York
		cases := []struct {
			at      time.Time
			working bool
			next    time.Time
		}{
			{time.Date(2026, 1, 1, 15, 0, 0, 0, time.UTC), true, time.Time{}},                                    // Thursday 10:00
			{time.Date(2026, 1, 1, 22, 30, 0, 0, time.UTC), false, time.Date(2026, 1, 5, 14, 0, 0, 0, time.UTC)}, // Thursday 17:30; Friday is a holiday
			{time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC), false, monday9},                                       // the holiday
			{time.Date(2026, 1, 5, 13, 59, 0, 0, time.UTC), false, monday9},                                      // Monday 08:59
			{monday9, true, time.Time{}},
			{time.Date(2026, 1, 7, 17, 30, 0, 0, time.UTC), false, time.Date(2026, 1, 7, 18, 0, 0, 0, time.UTC)}, // Wednesday lunch
		}
		for _, c := range cases {
			clock.Set(c.at)
			_, st, err := f.chat.WorkingHours(f.ctx, f.operator, f.lc.ID)
			f.must(err)
			var next time.Time
			if st.NextOpening != nil {
				next = *st.NextOpening
			}
			if st.WorkingNow != c.working || !next.Equal(c.next) {
				t.Errorf("at %s: working %v, next opening %s; want %v, %s", c.at, st.WorkingNow, next, c.working, c.next)
			}
		}
	})
}

func TestOutOfHoursAutoReplyOncePerPeriod(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, clock *storetest.Clock) {
		_, _, err := f.chat.SetWorkingHours(f.ctx, f.admin, f.lc.ID, newYorkHours())
		f.must(err)
		replies := func(sessionID string) int {
			msgs, err := f.chat.VisitorMessages(f.ctx, sessionID, store.Page{Limit: 100})
			f.must(err)
			n := 0
			for _, m := range msgs.Items {
				if m.Author == chat.AuthorSystem && strings.HasPrefix(m.Text, "We're away") {
					n++
				}
			}
			return n
		}
		clock.Set(time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)) // the holiday
		id := f.send("night-owl", "hello?").Session.ID
		f.send("night-owl", "anyone?")
		clock.Set(time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC)) // Monday 08:00: the same period
		f.send("night-owl", "still there?")
		if n := replies(id); n != 1 {
			t.Fatalf("%d auto replies in one out-of-hours period, want 1", n)
		}
		clock.Set(time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)) // working: no reply
		f.send("night-owl", "good morning")
		clock.Set(time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)) // Monday evening: a new period
		f.send("night-owl", "me again")
		if n := replies(id); n != 2 {
			t.Fatalf("%d auto replies after two out-of-hours periods, want 2", n)
		}
	})
}

func TestWorkingHoursAreCheckedField(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, _ *storetest.Clock) {
		bad := chat.WorkingHours{Enabled: true, TimeZone: "Mars/Olympus",
			Schedule: []chat.Interval{{Day: "someday", From: "09:00", To: "17:00"}, {Day: "monday", From: "18:00", To: "09:00"}, {Day: "friday", From: "9", To: "25:00"}},
			Holidays: []string{"2026-13-01"}}
		_, _, err := f.chat.SetWorkingHours(f.ctx, f.admin, f.lc.ID, bad)
		wantCode(t, err, errs.Invalid)
		for _, field := range []string{"time_zone", "schedule[0].day", "schedule[1].to", "schedule[2].from", "holidays[0]"} {
			if !strings.Contains(err.Error(), field+":") {
				t.Errorf("error %q does not name %s", err, field)
			}
		}
		_, _, err = f.chat.SetWorkingHours(f.ctx, f.supervisor, f.lc.ID, newYorkHours())
		wantCode(t, err, errs.Forbidden)
		w, st, err := f.chat.WorkingHours(f.ctx, f.operator, f.lc.ID)
		f.must(err)
		if w.Enabled || !st.WorkingNow {
			t.Fatalf("a refused change left hours %+v, working %v", w, st.WorkingNow)
		}
	})
}
