package bpmn

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/feel"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		src     string
		want    string
		dialect Dialect
	}{
		{"=price >= 0", "price >= 0", DialectFEEL},
		{"=price = 0", "price = 0", DialectFEEL},
		{" = a != 1 ", "a != 1", DialectFEEL},
		{"=a > 1 and b < 2 or c", "a > 1 and b < 2 or c", DialectFEEL},
		{"=not(approved)", "not(approved)", DialectFEEL},
		{`=status = "in bed"`, `status = "in bed"`, DialectFEEL},
		{"=customer.name = null", "customer.name = null", DialectFEEL},
		{"=x in [1, 2]", "x in [1, 2]", DialectFEEL},
		{"=count(items) > 1", "count(items) > 1", DialectFEEL},
		{"=approved", "", DialectFEEL}, // a bare name stays a name
		{"=true", "true", DialectFEEL},
		{"${input == 1}", "input == 1", DialectJUEL},
		{"#{a eq 'x'}", `a == "x"`, DialectJUEL},
		{`${a == 'it\'s'}`, `a == "it's"`, DialectJUEL},
		{"${a && !b}", "a and !b", DialectJUEL},
		{"${not confirmed}", "!confirmed", DialectJUEL},
		{"${confirmed}", "confirmed", DialectJUEL},
		{"${a gt 1 || b le 2}", "a > 1 or b <= 2", DialectJUEL},
		{"${a div 2 mod 3 ne 1}", "a / 2 % 3 != 1", DialectJUEL},
		{"${x == null}", "x == nil", DialectJUEL},
		{"price > 0", "price > 0", DialectExpr},
		{"  price < 0 && len(items) > 2  ", "price < 0 && len(items) > 2", DialectExpr},
	}
	for _, tt := range tests {
		got, dialect, err := Translate(tt.src)
		if feel, ok := FEELSource(got); ok {
			got = feel
		} else if tt.want == "" {
			got = ""
		}
		if err != nil || got != tt.want || dialect != tt.dialect {
			t.Errorf("Translate(%q) = %q, %s, %v; want %q, %s", tt.src, got, dialect, err, tt.want, tt.dialect)
		}
	}
}

func TestTranslateRefuses(t *testing.T) {
	tests := []struct{ src, why string }{
		{"=is defined(x)", ""},
		{"=is empty(x)", "unknown function is empty()"},
		{"=a < b < c", "cannot be chained"},
		{"=(a < b) = true", ""}, // parenthesised, so fine: checked below as accepted
		{"=count(items) > 1", ""},
		{`=date("2020-01-01") > d`, ""},
		{"=if a then b else c", ""},
		{"=a ** 2", ""},
		{`=@"2020-01-01"`, ""},
		{"=a[1]", ""},
		{"=let = 1", ""}, // FEEL is not read as expr-lang, so its keywords do not matter
		{"=not x", `unexpected "x"`},
		{"=", "empty"},
		{"=x = 'a'", `unexpected character '\''`},
		{`="abc`, "not closed"},
		{"=function(x) x", "function definitions are not supported"},
		{"${empty x}", `"empty" is not supported`},
		{"${execution.getVariable('a')}", "function call execution.getVariable"},
		{"${a ? b : c}", `'?' is not supported`},
		{"${a} and ${b}", "not supported"},
		{"${a == 1 == true}", "chained comparisons"},
		{"price >", "not a valid expression"},
		{"", "empty"},
		{"=" + strings.Repeat("a", maxExpression+1), "longer than"},
	}
	for _, tt := range tests {
		got, _, err := Translate(tt.src)
		if tt.why == "" {
			if err != nil {
				t.Errorf("Translate(%q) refused: %v", tt.src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Translate(%q) = %q, %v; want an error containing %q", tt.src, got, err, tt.why)
		}
	}
}

func TestTranslateLanguage(t *testing.T) {
	if got, d, err := translateLanguage("price = 0", "feel"); err != nil || got != feelPrefix+`"price = 0")` || d != DialectFEEL {
		t.Errorf("feel = %q %s %v", got, d, err)
	}
	if got, d, err := translateLanguage("a == 1", "expr"); err != nil || got != "a == 1" || d != DialectExpr {
		t.Errorf("expr = %q %s %v", got, d, err)
	}
	if _, _, err := translateLanguage("a == 1", "groovy"); err == nil || !strings.Contains(err.Error(), "groovy") {
		t.Errorf("groovy: %v", err)
	}
}

// TestTranslationMeaning evaluates translated expressions, to show that they mean what the
// source meant, including the FEEL case of the corpus where both conditions hold. FEEL is
// evaluated by package feel, the rest by expr-lang.
func TestTranslationMeaning(t *testing.T) {
	tests := []struct {
		src  string
		env  map[string]any
		want bool
	}{
		{"=price >= 0", map[string]any{"price": 0}, true},
		{"=price = 0", map[string]any{"price": 0.0}, true},
		{"=price = 0", map[string]any{"price": 5}, false},
		{"=not(a = 1) and b", map[string]any{"a": 2, "b": true}, true},
		{"=x = null", map[string]any{"x": nil}, true},
		{"=x > 1 or y", map[string]any{"x": nil, "y": true}, true},
		{"=items[1] = 3", map[string]any{"items": []any{3, 4}}, true},
		{`=customer.name = "Ann"`, map[string]any{"customer": map[string]any{"name": "Ann"}}, true},
		{"${input == 2}", map[string]any{"input": 2}, true},
		{"${not confirmed}", map[string]any{"confirmed": false}, true},
		{"${a gt 1 && b le 2}", map[string]any{"a": 3, "b": 2}, true},
		{"${n mod 2 eq 1}", map[string]any{"n": 7}, true},
	}
	for _, tt := range tests {
		src, _, err := Translate(tt.src)
		if err != nil {
			t.Fatalf("Translate(%q): %v", tt.src, err)
		}
		var got any
		if f, ok := FEELSource(src); ok {
			x, perr := feel.Parse(f)
			if perr != nil {
				t.Fatal(perr)
			}
			got, err = x.Eval(tt.env)
		} else {
			got, err = expr.Eval(src, tt.env)
		}
		if err != nil || got != tt.want {
			t.Errorf("%q → %q with %v = %v, %v; want %v", tt.src, src, tt.env, got, err, tt.want)
		}
	}
}

func TestFeelOrStatic(t *testing.T) {
	for in, want := range map[string]string{"=key": "key", "abc": `"abc"`, `a"b`: `"a\"b"`} {
		if got, err := feelOrStatic(in); err != nil || got != want {
			t.Errorf("feelOrStatic(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestTemplateExpressions(t *testing.T) {
	got, err := templateExpressions("Hello {{customer.name}}, about {{ subject }}!")
	if err != nil || strings.Join(got, "|") != "customer.name|subject" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := templateExpressions("Hello {{customer"); err == nil {
		t.Error("an unclosed placeholder must be refused")
	}
	if _, err := templateExpressions("Hello {{ a + }}"); err == nil {
		t.Error("a bad expression must be refused")
	}
	if got, err := templateExpressions("no placeholders }}"); err != nil || len(got) != 0 {
		t.Errorf("plain text: %v, %v", got, err)
	}
}

// unwrapFEEL returns the FEEL source a translated expression carries, or the expression.
func unwrapFEEL(src string) string {
	if s, ok := FEELSource(src); ok {
		return s
	}
	return src
}

// withFEEL adds a stand-in for the engine's FEEL function to an expr-lang environment, so that
// tests can compile translated FEEL with expr-lang alone.
func withFEEL(env map[string]any) map[string]any {
	out := map[string]any{FEELFunction: func(...any) any { return nil }}
	for k, v := range env {
		out[k] = v
	}
	return out
}
