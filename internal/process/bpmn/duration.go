package bpmn

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is an ISO 8601 duration (PnYnMnWnDTnHnMnS). Years, months, weeks and days are
// calendar amounts, added on the calendar of the time they are added to; hours, minutes and
// seconds are exact amounts of elapsed time.
type Duration struct {
	Years, Months, Weeks, Days int
	// Clock is the exact part: hours, minutes and seconds together.
	Clock time.Duration
}

// maxDurationField bounds each number so that no sum can overflow; nine digits are far more
// than any business wait needs.
const maxDurationField = 999_999_999

// ParseDuration reads an ISO 8601 duration such as P1M, P2W, PT30M or P1DT12H, with an optional
// decimal fraction on the seconds (PT1.5S). Negative durations are refused. The returned value's
// AddTo method is the function that adds it to a time.
func ParseDuration(s string) (Duration, error) {
	var d Duration
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" || strings.HasSuffix(rest, "T") {
		return d, fmt.Errorf("%q is not an ISO 8601 duration such as PT30M or P1D", s)
	}
	date, clock, hasClock := strings.Cut(rest, "T")
	if err := parseDatePart(date, &d); err != nil {
		return d, fmt.Errorf("%q is not an ISO 8601 duration: %w", s, err)
	}
	if hasClock {
		if err := parseClockPart(clock, &d); err != nil {
			return d, fmt.Errorf("%q is not an ISO 8601 duration: %w", s, err)
		}
	}
	return d, nil
}

// AddTo returns t moved forward by d. Years and months keep the day of the month and clamp it
// to the last day of a shorter month (January 31 plus P1M is February 28 or 29), as java.time
// does for Zeebe and Camunda; days keep the wall-clock time across daylight saving changes.
func (d Duration) AddTo(t time.Time) time.Time {
	if months := d.Years*12 + d.Months; months != 0 {
		y, m, day := t.Date()
		first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
		t = first.AddDate(0, 0, min(day, last)-1)
	}
	if days := d.Weeks*7 + d.Days; days != 0 {
		t = t.AddDate(0, 0, days)
	}
	return t.Add(d.Clock)
}

// IsZero reports whether d adds nothing.
func (d Duration) IsZero() bool { return d == Duration{} }

func parseDatePart(s string, d *Duration) error {
	fields := []struct {
		unit byte
		dst  *int
	}{{'Y', &d.Years}, {'M', &d.Months}, {'W', &d.Weeks}, {'D', &d.Days}}
	return parseFields(s, len(fields), func(i int) byte { return fields[i].unit }, func(i int, num string) error {
		n, err := wholeNumber(num)
		*fields[i].dst = n
		return err
	})
}

func parseClockPart(s string, d *Duration) error {
	units := []byte{'H', 'M', 'S'}
	scale := []float64{3600, 60, 1}
	var seconds float64
	err := parseFields(s, len(units), func(i int) byte { return units[i] }, func(i int, num string) error {
		if units[i] != 'S' {
			n, err := wholeNumber(num)
			seconds += float64(n) * scale[i]
			return err
		}
		f, err := strconv.ParseFloat(strings.Replace(num, ",", ".", 1), 64)
		if err != nil || strings.ContainsAny(num, "eE+-") || num[0] == '.' || num[len(num)-1] == '.' {
			return fmt.Errorf("bad number of seconds %q", num)
		}
		seconds += f
		return nil
	})
	if err != nil {
		return err
	}
	if seconds > float64(math.MaxInt64/int64(time.Second)) {
		return errors.New("the time part is too long")
	}
	d.Clock = time.Duration(math.Round(seconds * float64(time.Second)))
	return nil
}

// parseFields reads number-unit pairs whose units must appear in the given order, each at most
// once, and calls set with the index of the unit and the number text.
func parseFields(s string, n int, unit func(int) byte, set func(int, string) error) error {
	next := 0
	for s != "" {
		end := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != ',' })
		if end <= 0 {
			return fmt.Errorf("expected a number at %q", s)
		}
		i := next
		for i < n && unit(i) != s[end] {
			i++
		}
		if i == n {
			return fmt.Errorf("unexpected %q", s[end:])
		}
		if err := set(i, s[:end]); err != nil {
			return err
		}
		next, s = i+1, s[end+1:]
	}
	return nil
}

func wholeNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n > maxDurationField {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return n, nil
}
