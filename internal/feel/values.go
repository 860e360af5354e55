package feel

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The FEEL values that Go has no type for. Numbers are float64, strings string, booleans bool,
// date and time time.Time, lists []any and contexts map[string]any; null is nil.
type (
	// Date is a calendar date without a time of day.
	Date struct{ t time.Time }
	// Time is a time of day, without a date.
	Time struct{ d time.Duration }
	// Duration is a days and time duration.
	Duration time.Duration
	// Months is a years and months duration, counted in months.
	Months int
	// Range is an interval of numbers, strings, dates or durations.
	Range struct {
		Lo, Hi         any
		LoOpen, HiOpen bool
	}
)

func (d Date) String() string { return d.t.Format("2006-01-02") }

func (t Time) String() string {
	d := t.d
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

func (d Duration) String() string {
	v := time.Duration(d)
	if v == 0 {
		return "PT0S"
	}
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	b.WriteByte('P')
	if days := v / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		v -= days * 24 * time.Hour
	}
	if v > 0 {
		b.WriteByte('T')
		if h := v / time.Hour; h > 0 {
			fmt.Fprintf(&b, "%dH", h)
			v -= h * time.Hour
		}
		if m := v / time.Minute; m > 0 {
			fmt.Fprintf(&b, "%dM", m)
			v -= m * time.Minute
		}
		if v > 0 {
			b.WriteString(strconv.FormatFloat(v.Seconds(), 'f', -1, 64) + "S")
		}
	}
	return b.String()
}

func (m Months) String() string {
	v, sign := int(m), ""
	if v < 0 {
		v, sign = -v, "-"
	}
	switch {
	case v == 0:
		return "P0M"
	case v%12 == 0:
		return fmt.Sprintf("%sP%dY", sign, v/12)
	case v < 12:
		return fmt.Sprintf("%sP%dM", sign, v)
	}
	return fmt.Sprintf("%sP%dY%dM", sign, v/12, v%12)
}

// fromGo turns a variable's Go value into a FEEL value: integers become numbers, structs and
// other maps become contexts through their JSON form.
func fromGo(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64, time.Time, Date, Time, Duration, Months, Range:
		return v
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	case time.Duration:
		return Duration(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromGo(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fromGo(e)
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		return f
	case reflect.String:
		return rv.String()
	case reflect.Slice:
		if rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = fromGo(rv.Index(i).Interface())
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return fromGo(out)
}

// ToGo turns a FEEL result into plain Go values: whole numbers stay float64 (callers convert),
// dates become time.Time at midnight UTC, times and durations their ISO 8601 text.
func ToGo(v any) any {
	switch x := v.(type) {
	case Date:
		return x.t
	case Time, Duration, Months:
		return fmt.Sprint(x)
	case Range:
		return map[string]any{"start": ToGo(x.Lo), "end": ToGo(x.Hi), "startIncluded": !x.LoOpen, "endIncluded": !x.HiOpen}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToGo(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ToGo(e)
		}
		return out
	}
	return v
}

// equal is FEEL's =: null equals only null; values of different types are not comparable (null).
func equal(a, b any) any {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok {
			return nil
		}
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if e := equal(x[i], y[i]); e != true {
				return e
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return nil
		}
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return false
			}
			if e := equal(v, w); e != true {
				return e
			}
		}
		return true
	case bool:
		y, ok := b.(bool)
		if !ok {
			return nil
		}
		return x == y
	case Range:
		y, ok := b.(Range)
		if !ok {
			return nil
		}
		return x.LoOpen == y.LoOpen && x.HiOpen == y.HiOpen && equal(x.Lo, y.Lo) == true && equal(x.Hi, y.Hi) == true
	}
	c, ok := compare(a, b)
	if !ok {
		return nil
	}
	return c == 0
}

// compare orders two values of the same ordered type; ok is false when they cannot be ordered.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			return cmp3(x < y, x > y), true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	case Date:
		if y, ok := b.(Date); ok {
			return x.t.Compare(y.t), true
		}
	case Time:
		if y, ok := b.(Time); ok {
			return cmp3(x.d < y.d, x.d > y.d), true
		}
	case Duration:
		if y, ok := b.(Duration); ok {
			return cmp3(x < y, x > y), true
		}
	case Months:
		if y, ok := b.(Months); ok {
			return cmp3(x < y, x > y), true
		}
	}
	return 0, false
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

// tidy rounds a computed number to 15 significant digits, so that decimal arithmetic reads as
// people expect it to (0.1 + 0.2 = 0.3) despite binary floating point.
func tidy(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return f
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return r
}

// typeName names a value's FEEL type, for instance of and messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "Null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case Date:
		return "date"
	case Time:
		return "time"
	case time.Time:
		return "date and time"
	case Duration:
		return "days and time duration"
	case Months:
		return "years and months duration"
	case []any:
		return "list"
	case map[string]any:
		return "context"
	case Range:
		return "range"
	}
	return "Any"
}

// text is FEEL's string(): a value as text.
func text(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		if x.Location() == time.UTC {
			return x.Format("2006-01-02T15:04:05Z")
		}
		return x.Format("2006-01-02T15:04:05Z07:00")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = literal(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + literal(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func literal(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if v == nil {
		return "null"
	}
	return text(v).(string)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
