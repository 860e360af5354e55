package feel

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// temporalLiteral reads @"..." : a date, a time, a date and time, or a duration.
func temporalLiteral(s string) any {
	if strings.HasPrefix(s, "P") || strings.HasPrefix(s, "-P") {
		return parseDuration(s)
	}
	if v := parseDateTime(s); v != nil {
		return v
	}
	if v := parseDate(s); v != nil {
		return v
	}
	return parseTime(s)
}

func parseDate(s string) any {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil
	}
	return Date{t}
}

func parseTime(s string) any {
	for _, layout := range []string{"15:04:05.999999999Z07:00", "15:04:05.999999999", "15:04:05Z07:00", "15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())}
		}
	}
	return nil
}

func parseDateTime(s string) any {
	if i := strings.Index(s, "@"); i > 0 {
		loc, err := time.LoadLocation(s[i+1:])
		if err != nil {
			return nil
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s[:i], loc)
		if err != nil {
			return nil
		}
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	// Without an offset, a date and time is read in UTC, which is how the server stores times.
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t
	}
	return nil
}

var durationPattern = regexp.MustCompile(`^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// parseDuration reads an ISO 8601 duration: years and months (P1Y2M) or days and time
// (P1DT2H); FEEL keeps the two kinds apart.
func parseDuration(s string) any {
	m := durationPattern.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return nil
	}
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(m[i], 10, 64)
		return n
	}
	sign := int64(1)
	if m[1] != "" {
		sign = -1
	}
	ym := m[2] != "" || m[3] != ""
	dt := m[4] != "" || m[5] != "" || m[6] != "" || m[7] != "" || m[8] != ""
	if ym && dt {
		return nil
	}
	if ym {
		return Months(sign * (num(2)*12 + num(3)))
	}
	secs, _ := strconv.ParseFloat(m[8], 64)
	d := time.Duration(num(4))*7*24*time.Hour + time.Duration(num(5))*24*time.Hour + time.Duration(num(6))*time.Hour +
		time.Duration(num(7))*time.Minute + time.Duration(secs*float64(time.Second))
	return Duration(time.Duration(sign) * d)
}

// temporalArith is +, -, * and / over dates, times and durations.
func temporalArith(op string, l, r any) any {
	switch op {
	case "+":
		if v := add(l, r); v != nil {
			return v
		}
		return add(r, l)
	case "-":
		return sub(l, r)
	case "*":
		if f, ok := r.(float64); ok {
			return scale(l, f)
		}
		if f, ok := l.(float64); ok {
			return scale(r, f)
		}
	case "/":
		switch x := l.(type) {
		case Duration:
			if y, ok := r.(Duration); ok && y != 0 {
				return tidy(float64(x) / float64(y))
			}
		case Months:
			if y, ok := r.(Months); ok && y != 0 {
				return tidy(float64(x) / float64(y))
			}
		}
		if f, ok := r.(float64); ok && f != 0 {
			return scale(l, 1/f)
		}
	}
	return nil
}

func add(l, r any) any {
	switch x := l.(type) {
	case time.Time:
		switch y := r.(type) {
		case Duration:
			return x.Add(time.Duration(y))
		case Months:
			return x.AddDate(0, int(y), 0)
		}
	case Date:
		switch y := r.(type) {
		case Duration:
			return Date{x.t.Add(time.Duration(y)).Truncate(24 * time.Hour)}
		case Months:
			return Date{x.t.AddDate(0, int(y), 0)}
		}
	case Time:
		if y, ok := r.(Duration); ok {
			d := (x.d + time.Duration(y)) % (24 * time.Hour)
			if d < 0 {
				d += 24 * time.Hour
			}
			return Time{d}
		}
	case Duration:
		if y, ok := r.(Duration); ok {
			return x + y
		}
	case Months:
		if y, ok := r.(Months); ok {
			return x + y
		}
	}
	return nil
}

func sub(l, r any) any {
	switch x := l.(type) {
	case time.Time:
		switch y := r.(type) {
		case time.Time:
			return Duration(x.Sub(y))
		case Date:
			return Duration(x.Sub(y.t))
		}
	case Date:
		switch y := r.(type) {
		case Date:
			return Duration(x.t.Sub(y.t))
		case time.Time:
			return Duration(x.t.Sub(y))
		}
	case Time:
		if y, ok := r.(Time); ok {
			return Duration(x.d - y.d)
		}
	}
	switch y := r.(type) {
	case Duration:
		return add(l, -y)
	case Months:
		return add(l, -y)
	}
	return nil
}

func scale(v any, f float64) any {
	switch x := v.(type) {
	case Duration:
		return Duration(math.Round(float64(x) * f))
	case Months:
		return Months(math.Round(float64(x) * f))
	}
	return nil
}

// property reads a date's, time's or duration's component: date.year, duration.days and so on.
func property(v any, name string) any {
	var t time.Time
	switch x := v.(type) {
	case Date:
		t = x.t
	case time.Time:
		t = x
	case Time:
		switch name {
		case "hour":
			return float64(x.d / time.Hour)
		case "minute":
			return float64(x.d / time.Minute % 60)
		case "second":
			return float64(x.d / time.Second % 60)
		}
		return nil
	case Duration:
		d := time.Duration(x)
		switch name {
		case "days":
			return float64(d / (24 * time.Hour))
		case "hours":
			return float64(d / time.Hour % 24)
		case "minutes":
			return float64(d / time.Minute % 60)
		case "seconds":
			return float64(d / time.Second % 60)
		}
		return nil
	case Months:
		switch name {
		case "years":
			return float64(x / 12)
		case "months":
			return float64(x % 12)
		}
		return nil
	default:
		return nil
	}
	switch name {
	case "year":
		return float64(t.Year())
	case "month":
		return float64(t.Month())
	case "day":
		return float64(t.Day())
	case "weekday":
		return float64((int(t.Weekday())+6)%7 + 1)
	}
	if _, isDate := v.(Date); isDate {
		return nil
	}
	switch name {
	case "hour":
		return float64(t.Hour())
	case "minute":
		return float64(t.Minute())
	case "second":
		return float64(t.Second())
	case "timezone":
		return t.Location().String()
	}
	return nil
}
