package chat

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones must load on machines without a zoneinfo database
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// WorkingHours is when a live chat answers: a weekly schedule in its time zone, minus
// holidays. Outside them a customer's message gets AutoReply once per out-of-hours period.
// A live chat without working hours (Enabled false) is always working.
type WorkingHours struct {
	Enabled bool `json:"enabled"`
	// TimeZone is an IANA name such as "Europe/Berlin".
	TimeZone string `json:"time_zone"`
	// Schedule lists the open intervals of each weekday; a day may have several.
	Schedule []Interval `json:"schedule"`
	// Holidays are dates (YYYY-MM-DD, in the time zone) closed all day.
	Holidays []string `json:"holidays"`
	// AutoReply is sent as a system message to a customer who writes out of hours; "" sends
	// nothing.
	AutoReply string `json:"auto_reply"`
}

// Interval is one open stretch of a weekday, from From to To ("09:00" to "18:00"; To may be
// "24:00").
type Interval struct {
	Day  string `json:"day"`
	From string `json:"from"`
	To   string `json:"to"`
}

// HoursStatus is whether a live chat is working at a time, and when it opens next if not.
type HoursStatus struct {
	WorkingNow bool `json:"working_now"`
	// NextOpening is null while working or when the schedule never opens again.
	NextOpening *time.Time `json:"next_opening"`
}

var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

const maxAutoReply = 2000

// hours is WorkingHours compiled: the location loaded, times in minutes of the day.
type hours struct {
	loc      *time.Location
	days     [7][][2]int
	holidays map[string]bool
	reply    string
}

// check validates the working hours and compiles them, naming the field of each mistake.
func (w *WorkingHours) check() (*hours, error) {
	var list errs.List
	h := &hours{loc: time.UTC, holidays: map[string]bool{}, reply: w.AutoReply}
	if w.Enabled || w.TimeZone != "" {
		loc, err := time.LoadLocation(w.TimeZone)
		switch {
		case w.TimeZone == "":
			list.Add("time_zone", "is required: an IANA name such as Europe/Berlin")
		case err != nil || w.TimeZone == "Local":
			list.Add("time_zone", "%q is not a known IANA time zone", w.TimeZone)
		default:
			h.loc = loc
		}
	}
	for i, iv := range w.Schedule {
		checkInterval(&list, h, i, iv)
	}
	for i, d := range w.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			list.Add(fieldAt("holidays", i), "%q is not a date (YYYY-MM-DD)", d)
		}
		h.holidays[d] = true
	}
	if utf8.RuneCountInString(w.AutoReply) > maxAutoReply {
		list.Add("auto_reply", "must be at most %d characters", maxAutoReply)
	}
	w.Holidays = slices.Compact(slices.Sorted(slices.Values(w.Holidays)))
	if w.Schedule == nil {
		w.Schedule = []Interval{}
	}
	return h, list.Err()
}

func fieldAt(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func checkInterval(list *errs.List, h *hours, i int, iv Interval) {
	field := fieldAt("schedule", i)
	day := slices.Index(weekdays, strings.ToLower(iv.Day))
	if day < 0 {
		list.Add(field+".day", "%q is not a weekday (monday … sunday)", iv.Day)
	}
	from, okFrom := clockMinutes(iv.From)
	to, okTo := clockMinutes(iv.To)
	switch {
	case !okFrom:
		list.Add(field+".from", "%q is not a time of day (HH:MM)", iv.From)
	case !okTo:
		list.Add(field+".to", "%q is not a time of day (HH:MM, up to 24:00)", iv.To)
	case from >= to:
		list.Add(field+".to", "must be after from (%s)", iv.From)
	case day >= 0:
		h.days[day] = append(h.days[day], [2]int{from, to})
	}
}

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes of the day.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	hh, mm := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	for _, c := range s[:2] + s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if hh > 24 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// workingAt reports whether the live chat works at t. nil hours (none set) always work.
func (h *hours) workingAt(t time.Time) bool {
	if h == nil {
		return true
	}
	lt := t.In(h.loc)
	if h.holidays[lt.Format(time.DateOnly)] {
		return false
	}
	m := lt.Hour()*60 + lt.Minute()
	for _, iv := range h.days[lt.Weekday()] {
		if m >= iv[0] && m < iv[1] {
			return true
		}
	}
	return false
}

// nextOpening is the first time after t when the live chat starts working, looked for a
// year and a week ahead (long enough for any list of holidays); ok is false when the
// schedule never opens.
func (h *hours) nextOpening(t time.Time) (time.Time, bool) {
	lt := t.In(h.loc)
	y, mo, d := lt.Date()
	for i := range 373 {
		day := time.Date(y, mo, d+i, 0, 0, 0, 0, h.loc)
		if h.holidays[day.Format(time.DateOnly)] {
			continue
		}
		var best time.Time
		for _, iv := range h.days[day.Weekday()] {
			at := time.Date(day.Year(), day.Month(), day.Day(), iv[0]/60, iv[0]%60, 0, 0, h.loc)
			if at.After(t) && !h.workingAt(at.Add(-time.Minute)) && (best.IsZero() || at.Before(best)) {
				best = at
			}
		}
		if !best.IsZero() {
			return best, true
		}
	}
	return time.Time{}, false
}

// status is whether the live chat works at t and, if not, when it opens.
func (h *hours) status(t time.Time) HoursStatus {
	if h.workingAt(t) {
		return HoursStatus{WorkingNow: true}
	}
	st := HoursStatus{}
	if next, ok := h.nextOpening(t); ok {
		next = next.UTC()
		st.NextOpening = &next
	}
	return st
}

// periodKey names the out-of-hours period t falls in by its end, so that two messages of one
// period share it: the auto reply goes once per session per key.
func (h *hours) periodKey(t time.Time) int64 {
	if next, ok := h.nextOpening(t); ok {
		return store.Micros(next)
	}
	return math.MaxInt64
}

// compiledHours caches the compiled working hours by their stored JSON, since every event's
// snapshot asks whether its live chat works; the JSON of a live chat's hours changes rarely.
var compiledHours sync.Map

// parseHours compiles stored working hours; "" (none set) and disabled hours are nil, which
// always work. Stored hours were checked when saved; hours that no longer compile (a time
// zone a newer tz database dropped) count as none.
func parseHours(raw string) *hours {
	if raw == "" {
		return nil
	}
	if h, ok := compiledHours.Load(raw); ok {
		return h.(*hours)
	}
	var w WorkingHours
	if json.Unmarshal([]byte(raw), &w) != nil || !w.Enabled {
		return nil
	}
	h, err := w.check()
	if err != nil {
		return nil
	}
	compiledHours.Store(raw, h)
	return h
}

// WorkingHours returns the live chat's working hours (disabled ones when none were set) and
// whether it works now, for the staff of the live chat.
func (s *Service) WorkingHours(ctx context.Context, u *auth.User, liveChatID string) (w *WorkingHours, st HoursStatus, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		raw, err := workingHoursRaw(ctx, tx, liveChatID)
		if err != nil {
			return err
		}
		if err := allow(ctx, tx, u, policy.LiveChatRead, liveChatID); err != nil {
			return err
		}
		w, st = decodeHours(raw), parseHours(raw).status(tx.Now())
		return nil
	})
	return w, st, err
}

// SetWorkingHours replaces the live chat's working hours (administrators). Every mistake is
// named by its field and nothing is saved then.
func (s *Service) SetWorkingHours(ctx context.Context, u *auth.User, liveChatID string, w WorkingHours) (*WorkingHours, HoursStatus, error) {
	h, err := w.check()
	if err != nil {
		return nil, HoursStatus{}, err
	}
	raw, err := json.Marshal(w)
	if err != nil {
		return nil, HoursStatus{}, err
	}
	var st HoursStatus
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := workingHoursRaw(ctx, tx, liveChatID); err != nil {
			return err
		}
		if err := allow(ctx, tx, u, policy.LiveChatConfigure, liveChatID); err != nil {
			return err
		}
		forgetSessions(tx) // cached sessions hold what this changes
		if _, err := tx.Exec(ctx, "UPDATE live_chats SET working_hours = ?, updated_at = ? WHERE id = ?",
			string(raw), store.TS(tx.Now()), liveChatID); err != nil {
			return err
		}
		if !w.Enabled {
			h = nil
		}
		st = h.status(tx.Now())
		return auth.Audit(ctx, tx, "livechat.working_hours", "livechat", liveChatID, w)
	})
	return &w, st, err
}

func workingHoursRaw(ctx context.Context, tx *store.Tx, liveChatID string) (string, error) {
	var raw string
	err := tx.QueryRow(ctx, "SELECT working_hours FROM live_chats WHERE id = ?", liveChatID).Scan(&raw)
	return raw, store.NotFound(err, "live chat %q not found", liveChatID)
}

// decodeHours reads stored working hours; none stored reads as disabled, in UTC.
func decodeHours(raw string) *WorkingHours {
	w := &WorkingHours{TimeZone: "UTC", Schedule: []Interval{}, Holidays: []string{}}
	if raw != "" {
		_ = json.Unmarshal([]byte(raw), w)
	}
	if w.Holidays == nil {
		w.Holidays = []string{}
	}
	return w
}

// LiveChatHoursTx says whether the live chat works now and when it opens next, inside the
// caller's transaction: what the widget tells a customer before they write.
func LiveChatHoursTx(ctx context.Context, tx *store.Tx, liveChatID string) (HoursStatus, error) {
	raw, err := workingHoursRaw(ctx, tx, liveChatID)
	return parseHours(raw).status(tx.Now()), err
}
