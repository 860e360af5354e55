package feel

import (
	"strings"
	"testing"
	"time"
)

// show writes a result the way the expectations below are written: FEEL literals, with dates,
// times and durations as their ISO 8601 text.
func show(v any) string { return literal(v) }

var testEnv = map[string]any{
	"age": int64(34), "name": "Ann", "approved": true, "score": 7.5, "missing": nil,
	"customer": map[string]any{"name": "Ann", "tier": "gold", "orders": []any{int64(3), int64(8)}},
	"items": []any{
		map[string]any{"sku": "a", "price": 10.0, "qty": int64(2)},
		map[string]any{"sku": "b", "price": 25.0, "qty": int64(1)},
		map[string]any{"sku": "c", "price": 5.5, "qty": int64(4)},
	},
	"nums":    []any{int64(1), int64(2), int64(3), int64(4), int64(5)},
	"created": time.Date(2024, 3, 10, 9, 30, 0, 0, time.UTC),
}

// The cases follow the examples of DMN 1.3 §10.3 (syntax and semantics) and §10.3.4 (built-in
// functions), with the results the specification gives.
var cases = []struct{ src, want string }{
	// Literals and arithmetic (§10.3.2.3, table 54).
	{`1`, `1`}, {`-1`, `-1`}, {`1.5`, `1.5`}, {`.5`, `0.5`}, {`"foo"`, `"foo"`}, {`true`, `true`}, {`null`, `null`},
	{`1 + 2`, `3`}, {`5 - 3`, `2`}, {`2 * 3`, `6`}, {`7 / 2`, `3.5`}, {`2 ** 3`, `8`}, {`1 / 0`, `null`},
	{`0.1 + 0.2`, `0.3`}, {`1 + 2 * 3`, `7`}, {`(1 + 2) * 3`, `9`}, {`-2 ** 2`, `4`}, {`10 - 2 - 3`, `5`},
	{`"foo" + "bar"`, `"foobar"`}, {`1 + null`, `null`}, {`"a" + 1`, `null`}, {`-(3)`, `-3`},
	{`"say \"hi\""`, `"say \"hi\""`}, {`"\u00e9"`, `"é"`}, {`1.2e2`, `120`},
	// Comparisons and three-valued logic (§10.3.2.5, tables 52 and 53).
	{`1 = 1`, `true`}, {`1 != 2`, `true`}, {`1 < 2`, `true`}, {`2 <= 2`, `true`}, {`3 > 2`, `true`}, {`3 >= 4`, `false`},
	{`"a" < "b"`, `true`}, {`null = null`, `true`}, {`1 = null`, `false`}, {`null != 1`, `true`}, {`null < 1`, `null`},
	{`1 = "1"`, `null`}, {`true and true`, `true`}, {`true and false`, `false`}, {`true and null`, `null`},
	{`false and null`, `false`}, {`null and false`, `false`}, {`true or null`, `true`}, {`null or true`, `true`},
	{`false or null`, `null`}, {`false or false`, `false`}, {`"x" and true`, `null`}, {`not(true)`, `false`},
	{`not(null)`, `null`}, {`not(1)`, `null`}, {`[1, 2] = [1, 2]`, `true`}, {`{a: 1} = {a: 1}`, `true`},
	{`[1, 2] = [2, 1]`, `false`},
	// Variables and paths.
	{`is defined(age)`, `true`}, {`is defined(unknown)`, `false`}, {`is defined(customer.nothing)`, `false`},
	{`age`, `34`}, {`age > 18`, `true`}, {`unknown`, `null`}, {`unknown > 1`, `null`}, {`customer.name`, `"Ann"`},
	{`customer.tier = "gold"`, `true`}, {`customer.nothing`, `null`}, {`missing.name`, `null`}, {`items.sku`, `["a", "b", "c"]`},
	{`customer.orders[2]`, `8`},
	// Between and in (§10.3.2.7, unary tests).
	{`5 between 1 and 10`, `true`}, {`11 between 1 and 10`, `false`}, {`null between 1 and 10`, `null`},
	{`"b" between "a" and "c"`, `true`}, {`5 in [1..10]`, `true`}, {`10 in [1..10)`, `false`}, {`1 in (1..10]`, `false`},
	{`1 in ]1..10]`, `false`}, {`5 in (1..10)`, `true`}, {`5 in (< 10)`, `true`}, {`5 in (> 5)`, `false`}, {`5 in >= 5`, `true`},
	{`5 in (1, 5, 9)`, `true`}, {`4 in (1, 5, 9)`, `false`}, {`5 in (< 2, > 4)`, `true`}, {`"b" in ["a", "b"]`, `true`},
	{`"x" in ["a", "b"]`, `false`}, {`3 in nums`, `true`}, {`5 in 5`, `true`}, {`5 in (4)`, `false`},
	{`"b" in ["a".."c"]`, `true`}, {`date("2024-02-01") in [date("2024-01-01")..date("2024-12-31")]`, `true`},
	// if, instance of.
	{`if age > 18 then "adult" else "minor"`, `"adult"`}, {`if null then 1 else 2`, `2`}, {`if 1 then 1 else 2`, `2`},
	{`1 instance of number`, `true`}, {`"a" instance of string`, `true`}, {`"a" instance of number`, `false`},
	{`null instance of Null`, `true`}, {`[1] instance of list`, `true`}, {`{} instance of context`, `true`},
	{`date("2020-01-01") instance of date`, `true`}, {`created instance of date and time`, `true`},
	{`duration("P1D") instance of days and time duration`, `true`}, {`duration("P1Y") instance of years and months duration`, `true`},
	{`1 instance of Any`, `true`},
	// Lists, filters and indexes (§10.3.2.5).
	{`[]`, `[]`}, {`[1, 2, 3]`, `[1, 2, 3]`}, {`[1, 2, 3][1]`, `1`}, {`[1, 2, 3][-1]`, `3`}, {`[1, 2, 3][0]`, `null`},
	{`[1, 2, 3][4]`, `null`}, {`[1, 2, 3, 4][item > 2]`, `[3, 4]`}, {`[1, 2, 3][item > 5]`, `[]`},
	{`items[price > 8].sku`, `["a", "b"]`}, {`items[qty = 4][1].sku`, `"c"`}, {`items[item.price < 6].sku`, `["c"]`},
	{`nums[modulo(item, 2) = 0]`, `[2, 4]`}, {`5[true]`, `[5]`}, {`[[1, 2], [3]][1][2]`, `2`},
	// Contexts.
	{`{a: 1, "b c": 2}`, `{a:1, b c:2}`}, {`{a: 1, b: a + 1}.b`, `2`}, {`{a: {b: "x"}}.a.b`, `"x"`},
	{`{first name: "Ann"} = {"first name": "Ann"}`, `true`}, {`{}`, `{}`}, {`get value({a: 1}, "a")`, `1`},
	{`get entries({a: 1})`, `[{key:"a", value:1}]`},
	// Iteration and quantifiers (§10.3.2.11 and 10.3.2.12).
	{`for x in [1, 2, 3] return x * 2`, `[2, 4, 6]`}, {`for i in 1..3 return i`, `[1, 2, 3]`}, {`for i in 3..1 return i`, `[3, 2, 1]`},
	{`for x in [1, 2], y in [10, 20] return x + y`, `[11, 21, 12, 22]`}, {`for i in 1..4 return if i = 1 then 1 else i * partial[-1]`, `[1, 2, 6, 24]`},
	{`for x in [] return x`, `[]`}, {`some x in [1, 2, 3] satisfies x > 2`, `true`}, {`some x in [1, 2] satisfies x > 2`, `false`},
	{`every x in [1, 2, 3] satisfies x > 0`, `true`}, {`every x in [1, 2, 3] satisfies x > 1`, `false`},
	{`every x in [] satisfies x > 1`, `true`}, {`some x in items satisfies x.price > 20`, `true`},
	{`some x in [1, 2], y in [2, 3] satisfies x * y = 6`, `true`}, {`some x in [1, null] satisfies x > 1`, `null`},
	// String functions (§10.3.4.3, table 69).
	{`substring("foobar", 3)`, `"obar"`}, {`substring("foobar", 3, 3)`, `"oba"`}, {`substring("foo bar", -2, 1)`, `"a"`},
	{`substring("\U01F40Eab", 2)`, `"ab"`}, {`substring(string: "foobar", start position: 3)`, `"obar"`},
	{`string length("foo")`, `3`}, {`string length("été")`, `3`}, {`upper case("aBc4")`, `"ABC4"`}, {`lower case("aBc4")`, `"abc4"`},
	{`substring before("foobar", "bar")`, `"foo"`}, {`substring before("foobar", "xyz")`, `""`},
	{`substring after("foobar", "ob")`, `"ar"`}, {`substring after("", "a")`, `""`},
	{`replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")`, `"[1=ab][2=]cd"`}, {`replace("aBc", "b", "x", "i")`, `"axc"`},
	{`contains("foobar", "of")`, `false`}, {`contains("foobar", "ob")`, `true`}, {`starts with("foobar", "fo")`, `true`},
	{`ends with("foobar", "r")`, `true`}, {`matches("foobar", "^fo*b")`, `true`}, {`matches("FOO", "foo", "i")`, `true`},
	{`split("John Doe", "\s")`, `["John", "Doe"]`}, {`split("a;b;c;;", ";")`, `["a", "b", "c", "", ""]`},
	{`string join(["a", "b", "c"], ", ")`, `"a, b, c"`}, {`string join(["a", null, "c"])`, `"ac"`}, {`string join([], "x")`, `""`},
	{`upper case(1)`, `null`}, {`string length(null)`, `null`},
	// List functions (§10.3.4.4, table 70).
	{`list contains([1, 2, 3], 2)`, `true`}, {`list contains([1, null], null)`, `true`}, {`count([1, 2, 3])`, `3`}, {`count([])`, `0`},
	{`min([1, 2, 3])`, `1`}, {`min(1)`, `1`}, {`min([])`, `null`}, {`max(1, 2, 3)`, `3`}, {`max(["a", "c", "b"])`, `"c"`},
	{`sum([1, 2, 3])`, `6`}, {`sum(1, 2, 3)`, `6`}, {`sum([])`, `0`}, {`sum([1, "a"])`, `null`}, {`mean([1, 2, 3])`, `2`},
	{`mean(1, 2, 3)`, `2`}, {`mean([])`, `null`}, {`all([false, null, true])`, `false`}, {`all(true)`, `true`}, {`all([])`, `true`},
	{`all(0)`, `null`}, {`any([false, null, true])`, `true`}, {`any(false)`, `false`}, {`any([])`, `false`}, {`any([false, null])`, `null`},
	{`sublist([4, 5, 6], 1, 2)`, `[4, 5]`}, {`sublist([4, 5, 6], -2)`, `[5, 6]`}, {`append([1], 2, 3)`, `[1, 2, 3]`},
	{`concatenate([1, 2], [3])`, `[1, 2, 3]`}, {`insert before([1, 3], 1, 2)`, `[2, 1, 3]`}, {`remove([1, 2, 3], 2)`, `[1, 3]`},
	{`reverse([1, 2, 3])`, `[3, 2, 1]`}, {`index of([1, 2, 3, 2], 2)`, `[2, 4]`}, {`union([1, 2], [2, 3])`, `[1, 2, 3]`},
	{`distinct values([1, 2, 3, 2, 1])`, `[1, 2, 3]`}, {`flatten([[1, 2], [[3]], 4])`, `[1, 2, 3, 4]`}, {`product([2, 3, 4])`, `24`},
	{`product(2, 3, 4)`, `24`}, {`sort([3, 1, 4, 2])`, `[1, 2, 3, 4]`}, {`sort(["b", "a"])`, `["a", "b"]`}, {`median(8, 2, 5, 3, 4)`, `4`},
	{`count(items[price > 5])`, `3`}, {`sum(for i in items return i.price * i.qty)`, `67`},
	// Numeric functions (§10.3.4.5, table 71).
	{`decimal(1/3, 2)`, `0.33`}, {`decimal(1.5, 0)`, `2`}, {`decimal(2.5, 0)`, `2`}, {`floor(1.5)`, `1`}, {`floor(-1.5)`, `-2`},
	{`ceiling(1.5)`, `2`}, {`ceiling(-1.5)`, `-1`}, {`abs(-10)`, `10`}, {`abs(10)`, `10`}, {`modulo(12, 5)`, `2`},
	{`modulo(-12, 5)`, `3`}, {`modulo(12, -5)`, `-3`}, {`modulo(10.1, 4.5)`, `1.1`}, {`modulo(1, 0)`, `null`}, {`sqrt(16)`, `4`},
	{`sqrt(-3)`, `null`}, {`odd(5)`, `true`}, {`odd(2)`, `false`}, {`even(2)`, `true`}, {`even(5)`, `false`},
	{`round up(5.5, 0)`, `6`}, {`round up(-5.5, 0)`, `-6`}, {`round up(1.121, 2)`, `1.13`}, {`round down(5.5, 0)`, `5`},
	{`round down(-5.5, 0)`, `-5`}, {`round down(1.129, 2)`, `1.12`}, {`round half up(5.5, 0)`, `6`}, {`round half up(-5.5, 0)`, `-6`},
	{`round half up(1.125, 2)`, `1.13`}, {`round half down(5.5, 0)`, `5`}, {`round half down(-5.5, 0)`, `-5`},
	{`round half down(1.126, 2)`, `1.13`}, {`decimal(n: 1.234, scale: 1)`, `1.2`},
	// Conversion functions (§10.3.4.1, table 67).
	{`string(1.1)`, `"1.1"`}, {`string(null)`, `null`}, {`string(true)`, `"true"`}, {`string(date("2020-01-02"))`, `"2020-01-02"`},
	{`number("1 000,0", " ", ",")`, `1000`}, {`number("12.5")`, `12.5`}, {`number("x")`, `null`}, {`number(from: "1")`, `1`},
	{`date("2012-12-25")`, `2012-12-25`}, {`date(2012, 12, 25)`, `2012-12-25`}, {`date(2012, 2, 30)`, `null`},
	{`date(date and time("2012-12-25T11:00:00Z"))`, `2012-12-25`}, {`date("x")`, `null`}, {`time("23:59:00")`, `23:59:00`},
	{`time(23, 59, 0)`, `23:59:00`}, {`time(date and time("2012-12-25T11:00:00Z"))`, `11:00:00`},
	{`date and time("2012-12-24T23:59:00Z")`, `2012-12-24T23:59:00Z`},
	{`date and time(date("2012-12-24"), time("23:59:00"))`, `2012-12-24T23:59:00Z`},
	{`duration("P1DT2H")`, `P1DT2H`}, {`duration("P2Y2M")`, `P2Y2M`}, {`duration("PT90M")`, `PT1H30M`}, {`duration("P14M")`, `P1Y2M`},
	{`duration("x")`, `null`}, {`years and months duration(date("2011-12-22"), date("2013-08-24"))`, `P1Y8M`},
	{`@"2020-01-01"`, `2020-01-01`}, {`@"P1D"`, `P1D`}, {`@"10:30:00"`, `10:30:00`},
	// Date and duration arithmetic and comparison (§10.3.2.3.5, table 57).
	{`date("2020-01-31") + duration("P1D")`, `2020-02-01`}, {`date("2020-01-31") + duration("P1M")`, `2020-03-02`},
	{`date("2020-03-01") - date("2020-02-01")`, `P29D`}, {`date("2020-01-01") < date("2020-01-02")`, `true`},
	{`date("2020-01-01") = date("2020-01-01")`, `true`}, {`created + duration("PT1H")`, `2024-03-10T10:30:00Z`},
	{`created - duration("P1Y")`, `2023-03-10T09:30:00Z`}, {`created > date and time("2024-01-01T00:00:00Z")`, `true`},
	{`date and time("2024-01-02T00:00:00Z") - date and time("2024-01-01T12:00:00Z")`, `PT12H`},
	{`duration("P1D") + duration("PT12H")`, `P1DT12H`}, {`duration("P1D") * 2`, `P2D`}, {`duration("P2D") / 2`, `P1D`},
	{`duration("P1D") / duration("PT12H")`, `2`}, {`duration("P1Y") + duration("P2M")`, `P1Y2M`}, {`duration("P1D") > duration("PT23H")`, `true`},
	{`duration("P1D") < duration("P1M")`, `null`}, {`time("10:00:00") + duration("PT3H")`, `13:00:00`},
	{`time("10:00:00") - time("08:30:00")`, `PT1H30M`}, {`date("2020-05-04").year`, `2020`}, {`date("2020-05-04").month`, `5`},
	{`date("2020-05-04").weekday`, `1`}, {`duration("P1DT2H").hours`, `2`}, {`duration("P2Y3M").years`, `2`}, {`created.hour`, `9`},
	{`date("2020-01-01") + 1`, `null`},
}

func TestSpecExamples(t *testing.T) {
	for _, c := range cases {
		x, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%s): %v", c.src, err)
			continue
		}
		got, err := x.Eval(testEnv)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if s := show(got); s != c.want {
			t.Errorf("%s = %s, want %s", c.src, s, c.want)
		}
	}
	if len(cases) < 150 {
		t.Errorf("only %d cases", len(cases))
	}
}

func TestNowAndToday(t *testing.T) {
	for _, src := range []string{`now() instance of date and time`, `today() instance of date`, `today() <= date(now())`} {
		x, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := x.Eval(nil); got != true {
			t.Errorf("%s = %v", src, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		``:                        "empty",
		`1 +`:                     "ends too early",
		`foo(1)`:                  "unknown function foo()",
		`substring("a")`:          "substring() needs at least 2 arguments",
		`string length("a", "b")`: "at most 1 arguments",
		`substring(strin: "a", start position: 1)`: `no parameter "strin"`,
		`[1, 2`:               `expected ","`,
		`function(x) x`:       "function definitions are not supported",
		`"abc`:                "not closed",
		`1 instance of thing`: "unknown type",
		`@"tomorrow"`:         "not a date",
		`(1 + 2`:              `expected ")"`,
		`is empty(x)`:         "unknown function is empty()",
		`a < b < c`:           "cannot be chained",
		`a # b`:               "unexpected character",
		strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100): "nests deeper",
		strings.Repeat("a", MaxSource+1):                          "longer than",
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.40q) = %v, want an error containing %q", src, err, want)
		}
	}
}

func TestLimits(t *testing.T) {
	for src, want := range map[string]string{
		`for i in 1..1000000 return i`:                                                  "longer than 10000",
		`some a in 1..1000, b in 1..1000 satisfies a < 0`:                               "more than 100000 steps",
		`count(for a in 1..100 return for b in 1..100 return for c in 1..100 return c)`: "steps",
	} {
		x, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.Eval(nil)
		if _, ok := err.(*LimitError); !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a limit error containing %q", src, err, want)
		}
	}
	x, _ := Parse(`for i in 1..10 return i`)
	if _, err := x.EvalLimits(nil, Limits{Steps: 5, Items: 100}); err == nil {
		t.Error("a small step limit is not applied")
	}
}

func TestNames(t *testing.T) {
	x, err := Parse(`for o in orders return o.total + tax + {a: 1, b: a + rate}.b + count(items[price > min]) + sum(partial)`)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(x.Names(), ",")
	if want := "orders,tax,rate,items"; got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
}

func TestToGo(t *testing.T) {
	x, _ := Parse(`{d: date("2020-01-02"), p: duration("P1D"), n: [1, time("10:00:00")]}`)
	v, _ := x.Eval(nil)
	m := ToGo(v).(map[string]any)
	if d, ok := m["d"].(time.Time); !ok || !d.Equal(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date = %#v", m["d"])
	}
	if m["p"] != "P1D" || m["n"].([]any)[1] != "10:00:00" {
		t.Errorf("ToGo = %#v", m)
	}
}

func TestType(t *testing.T) {
	for src, want := range map[string]string{
		`a > 1`: "boolean", `"a" + "b"`: "string", `1 + 2`: "number", `a + 1`: "", `[1]`: "list", `{a: 1}`: "context",
		`upper case(a)`: "string", `count(a)`: "number", `if a then "x" else "y"`: "string", `if a then 1 else "y"`: "",
		`a`: "", `null`: "", `some x in a satisfies x`: "boolean", `date(a)`: "date", `-1`: "number",
	} {
		x, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := x.Type(); got != want {
			t.Errorf("Type(%s) = %q, want %q", src, got, want)
		}
	}
}
