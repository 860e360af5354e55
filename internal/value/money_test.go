package value

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

func TestDecimal(t *testing.T) {
	tests := []struct {
		in      string
		units   int64
		minFrac int
		out     string
	}{
		{"0", 0, 2, "0.00"},
		{"-0.00", 0, 2, "0.00"},
		{"0.10", 1000, 2, "0.10"},
		{"0.1", 1000, 0, "0.1"},
		{"007.5000", 75000, 2, "7.50"},
		{"12.505", 125050, 2, "12.505"},
		{"-12.3456", -123456, 2, "-12.3456"},
		{"99999999999999.9999", 999999999999999999, 2, "99999999999999.9999"},
		{"-99999999999999.9999", -999999999999999999, 2, "-99999999999999.9999"},
		{"12345678901234.5678", 123456789012345678, 2, "12345678901234.5678"},
	}
	for _, tt := range tests {
		n, reason := parseDecimal(tt.in)
		if reason != "" || n != tt.units {
			t.Errorf("parseDecimal(%q) = %d, %q; want %d", tt.in, n, reason, tt.units)
		}
		if out := formatDecimal(n, tt.minFrac); out != tt.out {
			t.Errorf("formatDecimal(%d, %d) = %q, want %q", n, tt.minFrac, out, tt.out)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "+5", "1e3", "1,5", " 1", "1 ", "--1", "0x10", "١٢", "NaN"} {
		if _, reason := parseDecimal(bad); reason == "" {
			t.Errorf("parseDecimal(%q) accepted", bad)
		}
	}
}

// TestMoneyIsExact checks amounts that a float64 would get wrong.
func TestMoneyIsExact(t *testing.T) {
	a, _ := parseDecimal("0.10")
	b, _ := parseDecimal("0.20")
	c, _ := parseDecimal("0.30")
	if a+b != c {
		t.Errorf("0.10 + 0.20 = %d ten-thousandths, want %d", a+b, c)
	}
	money := Type{Kind: KindMoney}
	tests := []struct{ in, want string }{
		// Through a float64 these would read 12345678901234.568 and 0.30000000000000004.
		{`{"amount":12345678901234.5678,"currency":"EUR"}`, "12345678901234.5678"},
		{`{"amount":"12345678901234.5678","currency":"EUR"}`, "12345678901234.5678"},
		{`{"amount":0.30,"currency":"EUR"}`, "0.30"},
		{`{"amount":99999999999999.99,"currency":"USD"}`, "99999999999999.99"},
	}
	for _, tt := range tests {
		v, err := Parse(money, json.RawMessage(tt.in))
		if err != nil || v.Native().(Money).Amount != tt.want {
			t.Errorf("Parse(%s) = %v, %v; want amount %s", tt.in, v, err, tt.want)
		}
	}
}

func TestMoneyCmp(t *testing.T) {
	m := Money{Amount: "1000.50", Currency: "EUR"}
	tests := []struct {
		amount string
		want   int
	}{
		{"1000.5", 0}, {"1000.5000", 0}, {"1000", 1}, {"1000.51", -1}, {"-2000", 1}, {"99999999999999", -1},
	}
	for _, tt := range tests {
		if got, err := m.Cmp(tt.amount); err != nil || got != tt.want {
			t.Errorf("Cmp(%q) = %d, %v; want %d", tt.amount, got, err, tt.want)
		}
	}
	if _, err := m.Cmp("1e3"); !errs.Is(err, errs.Invalid) {
		t.Errorf("Cmp(1e3): %v, want an invalid error", err)
	}
	if _, err := (Money{Amount: "x"}).Cmp("1"); !errs.Is(err, errs.Invalid) {
		t.Errorf("Cmp on a bad Money: %v, want an invalid error", err)
	}
}

func TestCurrencyList(t *testing.T) {
	for code, digits := range map[string]int{"EUR": 2, "USD": 2, "RUB": 2, "JPY": 0, "KWD": 3, "CLF": 4, "XAU": 0, "ZWG": 2, "XCG": 2} {
		if got, ok := minorDigits[code]; !ok || got != digits {
			t.Errorf("minorDigits[%s] = %d, %v; want %d", code, got, ok, digits)
		}
	}
	for _, code := range []string{"XTS", "XXX", "HRK", "ZWL", "VEF", "DEM"} {
		if hasCurrency(code) {
			t.Errorf("%s is in the list of current currencies", code)
		}
	}
	listed := 0
	for _, codes := range iso4217 {
		for _, code := range strings.Fields(codes) {
			listed++
			if !currencyShape(code) {
				t.Errorf("malformed code %q in the list", code)
			}
		}
	}
	if listed != len(minorDigits) {
		t.Errorf("%d codes listed but %d distinct: one is in two groups", listed, len(minorDigits))
	}
}
