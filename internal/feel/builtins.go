package feel

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// builtin is one of FEEL's built-in functions. params names the parameters, for calls with
// named arguments; a name "a|b" has two spellings (date(from: ...) or date(year: ...)). min is
// the number of required arguments; variadic functions take any number after those.
type builtin struct {
	params   []string
	min      int
	variadic bool
	fn       func(e *evaluator, args []any) any
}

type callNode struct {
	name  string
	fn    *builtin
	args  []node
	names []string // the names of the last len(names) arguments
	order []int    // the parameter each argument fills
}

// bind maps named arguments to parameters and checks the number of arguments, at parse time.
func (c *callNode) bind() error {
	b := c.fn
	positional := len(c.args) - len(c.names)
	c.order = make([]int, len(c.args))
	seen := map[int]bool{}
	for i := range c.args {
		p := i
		if i >= positional {
			p = -1
			for j, name := range b.params {
				for _, alias := range strings.Split(name, "|") {
					if alias == c.names[i-positional] {
						p = j
					}
				}
			}
			if p < 0 {
				return fmt.Errorf("%s() has no parameter %q", c.name, c.names[i-positional])
			}
		}
		if seen[p] {
			return fmt.Errorf("%s() is given its parameter %d twice", c.name, p+1)
		}
		seen[p] = true
		c.order[i] = p
	}
	n := len(c.args)
	if len(c.names) > 0 {
		n = 0
		for p := range seen {
			n = max(n, p+1)
		}
	}
	switch {
	case n < b.min:
		return fmt.Errorf("%s() needs at least %d arguments, it is given %d", c.name, b.min, n)
	case !b.variadic && n > len(b.params):
		return fmt.Errorf("%s() takes at most %d arguments, it is given %d", c.name, len(b.params), n)
	}
	return nil
}

func (c *callNode) eval(e *evaluator, sc *scope) any {
	e.step()
	n := 0
	for _, p := range c.order {
		n = max(n, p+1)
	}
	args := make([]any, n)
	for i, a := range c.args {
		args[c.order[i]] = a.eval(e, sc)
	}
	if n < c.fn.min {
		return nil
	}
	return c.fn.fn(e, args)
}

var builtins map[string]*builtin

func fn(params string, min int, f func(e *evaluator, args []any) any) *builtin {
	var ps []string
	if params != "" {
		ps = strings.Split(params, ",")
	}
	variadic := strings.HasSuffix(params, "...")
	return &builtin{params: ps, min: min, variadic: variadic, fn: f}
}

// Typed helpers: each returns ok false when an argument has the wrong type, which FEEL answers
// with null.
func str(v any) (string, bool)  { s, ok := v.(string); return s, ok }
func num(v any) (float64, bool) { f, ok := v.(float64); return f, ok }
func list(v any) ([]any, bool)  { l, ok := v.([]any); return l, ok }

func str1(f func(string) any) func(*evaluator, []any) any {
	return func(_ *evaluator, a []any) any {
		if s, ok := str(a[0]); ok {
			return f(s)
		}
		return nil
	}
}

func str2(f func(string, string) any) func(*evaluator, []any) any {
	return func(_ *evaluator, a []any) any {
		s, ok1 := str(a[0])
		t, ok2 := str(a[1])
		if ok1 && ok2 {
			return f(s, t)
		}
		return nil
	}
}

func num1(f func(float64) any) func(*evaluator, []any) any {
	return func(_ *evaluator, a []any) any {
		if n, ok := num(a[0]); ok {
			return f(n)
		}
		return nil
	}
}

func list1(f func([]any) any) func(*evaluator, []any) any {
	return func(_ *evaluator, a []any) any {
		if l, ok := list(a[0]); ok {
			return f(l)
		}
		return nil
	}
}

// items is the argument list of the functions that take a list or the items themselves:
// sum([1, 2]) and sum(1, 2).
func items(a []any) []any {
	if len(a) == 1 {
		if l, ok := list(a[0]); ok {
			return l
		}
	}
	return a
}

func nums(a []any) ([]float64, bool) {
	l := items(a)
	out := make([]float64, len(l))
	for i, v := range l {
		f, ok := num(v)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

func init() {
	builtins = map[string]*builtin{
		"not": fn("negand", 1, func(_ *evaluator, a []any) any { return not(a[0]) }),
		// Zeebe's is defined: a variable without a value is not defined in Parley, where every
		// variable is declared.
		"is defined": fn("value", 1, func(_ *evaluator, a []any) any { return a[0] != nil }),

		// Strings. Positions count characters from 1; a negative one counts from the end.
		"substring": fn("string,start position,length", 2, func(_ *evaluator, a []any) any {
			s, ok1 := str(a[0])
			start, ok2 := num(a[1])
			if !ok1 || !ok2 {
				return nil
			}
			r := []rune(s)
			i := position(start, len(r))
			if i < 0 || i > len(r) {
				return nil
			}
			end := len(r)
			if len(a) > 2 && a[2] != nil {
				n, ok := num(a[2])
				if !ok || n < 0 {
					return nil
				}
				end = min(len(r), i+int(n))
			}
			return string(r[i:end])
		}),
		"string length":    fn("string", 1, str1(func(s string) any { return float64(utf8.RuneCountInString(s)) })),
		"upper case":       fn("string", 1, str1(func(s string) any { return strings.ToUpper(s) })),
		"lower case":       fn("string", 1, str1(func(s string) any { return strings.ToLower(s) })),
		"trim":             fn("string", 1, str1(func(s string) any { return strings.TrimSpace(s) })),
		"contains":         fn("string,match", 2, str2(func(s, m string) any { return strings.Contains(s, m) })),
		"starts with":      fn("string,match", 2, str2(func(s, m string) any { return strings.HasPrefix(s, m) })),
		"ends with":        fn("string,match", 2, str2(func(s, m string) any { return strings.HasSuffix(s, m) })),
		"substring before": fn("string,match", 2, str2(func(s, m string) any { b, _, _ := strings.Cut(s, m); return cutOr(b, s, m) })),
		"substring after": fn("string,match", 2, str2(func(s, m string) any {
			if _, a, ok := strings.Cut(s, m); ok {
				return a
			}
			return ""
		})),
		"matches": fn("input,pattern,flags", 2, func(_ *evaluator, a []any) any {
			s, ok := str(a[0])
			re := regex(a[1:])
			if !ok || re == nil {
				return nil
			}
			return re.MatchString(s)
		}),
		"replace": fn("input,pattern,replacement,flags", 3, func(e *evaluator, a []any) any {
			s, ok1 := str(a[0])
			rep, ok2 := str(a[2])
			re := regex([]any{a[1], flag(a, 3)})
			if !ok1 || !ok2 || re == nil {
				return nil
			}
			out := re.ReplaceAllString(s, groupRef.ReplaceAllString(rep, "$${$1}"))
			e.checkItems(len(out))
			return out
		}),
		"split": fn("string,delimiter", 2, func(_ *evaluator, a []any) any {
			s, ok := str(a[0])
			re := regex(a[1:2])
			if !ok || re == nil {
				return nil
			}
			return anys(re.Split(s, -1))
		}),
		"string join": fn("list,delimiter", 1, func(e *evaluator, a []any) any {
			l, ok := list(a[0])
			sep, okSep := "", true
			if len(a) > 1 && a[1] != nil {
				sep, okSep = str(a[1])
			}
			if !ok || !okSep {
				return nil
			}
			parts := make([]string, 0, len(l))
			for _, v := range l {
				switch s := v.(type) {
				case nil:
				case string:
					parts = append(parts, s)
				default:
					return nil
				}
			}
			out := strings.Join(parts, sep)
			e.checkItems(len(out))
			return out
		}),

		// Lists.
		"list contains": fn("list,element", 2, func(_ *evaluator, a []any) any {
			if l, ok := list(a[0]); ok {
				return listContains(l, a[1])
			}
			return nil
		}),
		"count": fn("list", 1, list1(func(l []any) any { return float64(len(l)) })),
		"min":   fn("list...", 1, func(_ *evaluator, a []any) any { return extreme(items(a), -1) }),
		"max":   fn("list...", 1, func(_ *evaluator, a []any) any { return extreme(items(a), 1) }),
		"sum": fn("list...", 1, func(_ *evaluator, a []any) any {
			n, ok := nums(a)
			if !ok {
				return nil
			}
			s := 0.0
			for _, f := range n {
				s += f
			}
			return tidy(s)
		}),
		"product": fn("list...", 1, func(_ *evaluator, a []any) any {
			n, ok := nums(a)
			if !ok || len(n) == 0 {
				return nil
			}
			p := 1.0
			for _, f := range n {
				p *= f
			}
			return tidy(p)
		}),
		"mean": fn("list...", 1, func(_ *evaluator, a []any) any {
			n, ok := nums(a)
			if !ok || len(n) == 0 {
				return nil
			}
			s := 0.0
			for _, f := range n {
				s += f
			}
			return tidy(s / float64(len(n)))
		}),
		"median": fn("list...", 1, func(_ *evaluator, a []any) any {
			n, ok := nums(a)
			if !ok || len(n) == 0 {
				return nil
			}
			sort.Float64s(n)
			if len(n)%2 == 1 {
				return n[len(n)/2]
			}
			return tidy((n[len(n)/2-1] + n[len(n)/2]) / 2)
		}),
		"all": fn("list...", 1, func(_ *evaluator, a []any) any { return allAny(items(a), false) }),
		"any": fn("list...", 1, func(_ *evaluator, a []any) any { return allAny(items(a), true) }),
		"sublist": fn("list,start position,length", 2, func(_ *evaluator, a []any) any {
			l, ok1 := list(a[0])
			start, ok2 := num(a[1])
			if !ok1 || !ok2 {
				return nil
			}
			i := position(start, len(l))
			if i < 0 || i >= len(l) {
				return nil
			}
			end := len(l)
			if len(a) > 2 && a[2] != nil {
				n, ok := num(a[2])
				if !ok || i+int(n) > len(l) || n < 0 {
					return nil
				}
				end = i + int(n)
			}
			return append([]any{}, l[i:end]...)
		}),
		"append": fn("list,item...", 1, func(e *evaluator, a []any) any {
			l, ok := list(a[0])
			if !ok {
				return nil
			}
			e.checkItems(len(l) + len(a) - 1)
			return append(append([]any{}, l...), a[1:]...)
		}),
		"concatenate": fn("list...", 1, func(e *evaluator, a []any) any {
			out := []any{}
			for _, v := range a {
				l, ok := list(v)
				if !ok {
					return nil
				}
				e.checkItems(len(out) + len(l))
				out = append(out, l...)
			}
			return out
		}),
		"insert before": fn("list,position,newItem", 3, func(e *evaluator, a []any) any {
			l, ok1 := list(a[0])
			p, ok2 := num(a[1])
			i := position(p, len(l))
			if !ok1 || !ok2 || i < 0 || i >= len(l) {
				return nil
			}
			e.checkItems(len(l) + 1)
			out := append(append(append([]any{}, l[:i]...), a[2]), l[i:]...)
			return out
		}),
		"remove": fn("list,position", 2, func(_ *evaluator, a []any) any {
			l, ok1 := list(a[0])
			p, ok2 := num(a[1])
			i := position(p, len(l))
			if !ok1 || !ok2 || i < 0 || i >= len(l) {
				return nil
			}
			return append(append([]any{}, l[:i]...), l[i+1:]...)
		}),
		"reverse": fn("list", 1, list1(func(l []any) any {
			out := make([]any, len(l))
			for i, v := range l {
				out[len(l)-1-i] = v
			}
			return out
		})),
		"index of": fn("list,match", 2, func(_ *evaluator, a []any) any {
			l, ok := list(a[0])
			if !ok {
				return nil
			}
			out := []any{}
			for i, v := range l {
				if equal(v, a[1]) == true {
					out = append(out, float64(i+1))
				}
			}
			return out
		}),
		"union": fn("list...", 1, func(e *evaluator, a []any) any {
			var all []any
			for _, v := range a {
				l, ok := list(v)
				if !ok {
					return nil
				}
				e.checkItems(len(all) + len(l))
				all = append(all, l...)
			}
			return distinct(all)
		}),
		"distinct values": fn("list", 1, list1(distinct)),
		"flatten": fn("list", 1, func(e *evaluator, a []any) any {
			if _, ok := list(a[0]); !ok {
				return nil
			}
			var out []any
			var walk func(any)
			walk = func(v any) {
				e.step()
				if l, ok := list(v); ok {
					for _, x := range l {
						walk(x)
					}
					return
				}
				out = append(out, v)
			}
			walk(a[0])
			if out == nil {
				out = []any{}
			}
			return out
		}),
		"sort": fn("list", 1, list1(func(l []any) any {
			out := append([]any{}, l...)
			ok := true
			sort.SliceStable(out, func(i, j int) bool {
				c, comparable := compare(out[i], out[j])
				ok = ok && comparable
				return c < 0
			})
			if !ok && len(out) > 1 {
				return nil
			}
			return out
		})),

		// Numbers.
		"decimal": fn("n,scale", 2, roundWith(func(f float64) float64 { return math.RoundToEven(f) })),
		"floor":   fn("n,scale", 1, roundWith(math.Floor)),
		"ceiling": fn("n,scale", 1, roundWith(math.Ceil)),
		"round up": fn("n,scale", 1, roundWith(func(f float64) float64 {
			if f < 0 {
				return math.Floor(f)
			}
			return math.Ceil(f)
		})),
		"round down":    fn("n,scale", 1, roundWith(math.Trunc)),
		"round half up": fn("n,scale", 1, roundWith(math.Round)),
		"round half down": fn("n,scale", 1, roundWith(func(f float64) float64 {
			if math.Abs(f-math.Trunc(f)) == 0.5 {
				return math.Trunc(f)
			}
			return math.Round(f)
		})),
		"abs": fn("n", 1, func(_ *evaluator, a []any) any {
			switch x := a[0].(type) {
			case float64:
				return math.Abs(x)
			case Duration:
				return Duration(max(x, -x))
			case Months:
				return Months(max(x, -x))
			}
			return nil
		}),
		"modulo": fn("dividend,divisor", 2, func(_ *evaluator, a []any) any {
			x, ok1 := num(a[0])
			y, ok2 := num(a[1])
			if !ok1 || !ok2 || y == 0 {
				return nil
			}
			return tidy(x - y*math.Floor(x/y))
		}),
		"sqrt": fn("number", 1, num1(func(f float64) any {
			if f < 0 {
				return nil
			}
			return tidy(math.Sqrt(f))
		})),
		"log": fn("number", 1, num1(func(f float64) any {
			if f <= 0 {
				return nil
			}
			return tidy(math.Log(f))
		})),
		"exp":  fn("number", 1, num1(func(f float64) any { return tidy(math.Exp(f)) })),
		"odd":  fn("number", 1, num1(func(f float64) any { return f == math.Trunc(f) && math.Mod(f, 2) != 0 })),
		"even": fn("number", 1, num1(func(f float64) any { return f == math.Trunc(f) && math.Mod(f, 2) == 0 })),

		// Conversions.
		"string": fn("from", 1, func(_ *evaluator, a []any) any { return text(a[0]) }),
		"number": fn("from,grouping separator,decimal separator", 1, func(_ *evaluator, a []any) any {
			s, ok := str(a[0])
			if !ok {
				return nil
			}
			if g, ok := str(flag(a, 1)); ok {
				s = strings.ReplaceAll(s, g, "")
			}
			if d, ok := str(flag(a, 2)); ok {
				s = strings.ReplaceAll(s, d, ".")
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil
			}
			return f
		}),
		"date": fn("from|year,month,day", 1, func(_ *evaluator, a []any) any {
			if len(a) == 3 {
				y, ok1 := num(a[0])
				m, ok2 := num(a[1])
				d, ok3 := num(a[2])
				t := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
				if !ok1 || !ok2 || !ok3 || t.Day() != int(d) || t.Month() != time.Month(m) {
					return nil
				}
				return Date{t}
			}
			switch x := a[0].(type) {
			case string:
				return parseDate(x)
			case time.Time:
				return Date{time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)}
			case Date:
				return x
			}
			return nil
		}),
		"time": fn("from|hour,minute,second,offset", 1, func(_ *evaluator, a []any) any {
			if len(a) >= 3 {
				h, ok1 := num(a[0])
				m, ok2 := num(a[1])
				s, ok3 := num(a[2])
				if !ok1 || !ok2 || !ok3 || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s >= 60 {
					return nil
				}
				return Time{time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s*float64(time.Second))}
			}
			switch x := a[0].(type) {
			case string:
				return parseTime(x)
			case time.Time:
				return Time{time.Duration(x.Hour())*time.Hour + time.Duration(x.Minute())*time.Minute + time.Duration(x.Second())*time.Second}
			case Date:
				return Time{}
			}
			return nil
		}),
		"date and time": fn("from|date,time", 1, func(_ *evaluator, a []any) any {
			if len(a) == 2 {
				var d time.Time
				switch x := a[0].(type) {
				case Date:
					d = x.t
				case time.Time:
					d = time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, x.Location())
				default:
					return nil
				}
				t, ok := a[1].(Time)
				if !ok {
					return nil
				}
				return d.Add(t.d)
			}
			switch x := a[0].(type) {
			case string:
				if v := parseDateTime(x); v != nil {
					return v
				}
				if v, ok := parseDate(x).(Date); ok {
					return v.t
				}
			case time.Time:
				return x
			case Date:
				return x.t
			}
			return nil
		}),
		"duration": fn("from", 1, str1(func(s string) any { return parseDuration(s) })),
		"years and months duration": fn("from,to", 2, func(_ *evaluator, a []any) any {
			from, ok1 := dayOf(a[0])
			to, ok2 := dayOf(a[1])
			if !ok1 || !ok2 {
				return nil
			}
			m := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
			if m > 0 && to.Day() < from.Day() {
				m--
			} else if m < 0 && to.Day() > from.Day() {
				m++
			}
			return Months(m)
		}),
		"now":   fn("", 0, func(e *evaluator, _ []any) any { return e.now() }),
		"today": fn("", 0, func(e *evaluator, _ []any) any { return Date{e.now().UTC().Truncate(24 * time.Hour)} }),

		// Contexts.
		"get value": fn("m,key", 2, func(_ *evaluator, a []any) any {
			m, ok1 := a[0].(map[string]any)
			k, ok2 := str(a[1])
			if !ok1 || !ok2 {
				return nil
			}
			return m[k]
		}),
		"get entries": fn("m", 1, func(_ *evaluator, a []any) any {
			m, ok := a[0].(map[string]any)
			if !ok {
				return nil
			}
			out := []any{}
			for _, k := range sortedKeys(m) {
				out = append(out, map[string]any{"key": k, "value": m[k]})
			}
			return out
		}),
	}
}

func cutOr(before, s, m string) any {
	if strings.Contains(s, m) {
		return before
	}
	return ""
}

func flag(a []any, i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

func dayOf(v any) (time.Time, bool) {
	switch x := v.(type) {
	case Date:
		return x.t, true
	case time.Time:
		return x, true
	}
	return time.Time{}, false
}

var groupRef = regexp.MustCompile(`\$(\d+)`)

// regex compiles a FEEL pattern with its flags (i, s, m, x); Go's syntax is close to the XML
// Schema syntax FEEL names, and an invalid pattern gives null.
func regex(a []any) *regexp.Regexp {
	p, ok := str(a[0])
	if !ok {
		return nil
	}
	if f, ok := str(flag(a, 1)); ok && f != "" {
		flags := strings.ReplaceAll(f, "x", "")
		if strings.Trim(flags, "ism") != "" {
			return nil
		}
		if flags != "" {
			p = "(?" + flags + ")" + p
		}
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil
	}
	return re
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func extreme(l []any, dir int) any {
	if len(l) == 0 {
		return nil
	}
	best := l[0]
	for _, v := range l[1:] {
		c, ok := compare(v, best)
		if !ok {
			return nil
		}
		if c == dir {
			best = v
		}
	}
	if _, ok := compare(best, best); !ok {
		return nil
	}
	return best
}

// allAny is all() (want false: any false makes it false) and any() (want true).
func allAny(l []any, want bool) any {
	var out any = !want
	for _, v := range l {
		b, ok := v.(bool)
		switch {
		case ok && b == want:
			return want
		case !ok:
			out = nil
		}
	}
	return out
}

func distinct(l []any) any {
	out := []any{}
	for _, v := range l {
		if listContains(out, v) != true {
			out = append(out, v)
		}
	}
	return out
}

// roundWith rounds n to scale decimal places (0 when absent) with the given rounding.
func roundWith(round func(float64) float64) func(*evaluator, []any) any {
	return func(_ *evaluator, a []any) any {
		n, ok := num(a[0])
		scale := 0.0
		if len(a) > 1 && a[1] != nil {
			var okS bool
			scale, okS = num(a[1])
			ok = ok && okS && scale == math.Trunc(scale) && scale >= -20 && scale <= 20
		}
		if !ok {
			return nil
		}
		p := math.Pow(10, scale)
		// Scaling first goes through text so that 1.005 * 100 is 100.5, not 100.49999.
		scaled, _ := strconv.ParseFloat(strconv.FormatFloat(n*p, 'g', 15, 64), 64)
		return tidy(round(scaled) / p)
	}
}

// position turns a FEEL position into a Go index: positions count from 1, and negative ones
// from the end (-1 is the last). The result may be out of range; callers check it.
func position(p float64, n int) int {
	if p < 0 {
		return n + int(p)
	}
	return int(p) - 1
}
