package value

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/errs"
)

// Money is what expressions and Native see of a money value: the canonical decimal amount and
// the currency. The amount is a string because no float can hold 0.10 exactly; compare amounts
// with Cmp.
type Money struct {
	Amount   string // a decimal with the currency's minor digits at least, e.g. "12.50"
	Currency string // an ISO 4217 code, e.g. "EUR"
}

// String formats m for display, as "12.50 EUR".
func (m Money) String() string { return m.Amount + " " + m.Currency }

// Cmp compares the amount of m with a decimal such as "1000" or "99.99", exactly, and returns
// -1, 0 or +1; the currency is not looked at. It lets a condition say total.Cmp("1000") >= 0
// without a float in sight.
func (m Money) Cmp(amount string) (int, error) {
	a, reason := parseDecimal(m.Amount)
	if reason != "" {
		return 0, errs.New(errs.Invalid, "%s", reason)
	}
	b, reason := parseDecimal(amount)
	if reason != "" {
		return 0, errs.New(errs.Invalid, "%s", reason)
	}
	return cmp.Compare(a, b), nil
}

// Amounts are held as integers of ten-thousandths: four fraction digits cover every currency's
// minor unit (CLF and UYW have four), and fourteen integer digits keep the integer within
// int64 while leaving room for amounts of any business.
const (
	fracDigits = 4
	fracUnit   = 10000
	intDigits  = 14
)

// parseDecimal reads an amount such as "-12.50" into ten-thousandths. It reads only plain
// decimals, not exponents, and says what is wrong otherwise.
func parseDecimal(s string) (int64, string) {
	whole, frac, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !allDigits(whole) || dot && !allDigits(frac) {
		return 0, "amount " + quote(s) + ` is not a decimal such as "12.50"`
	}
	whole, frac = strings.TrimLeft(whole, "0"), strings.TrimRight(frac, "0")
	if len(whole) > intDigits {
		return 0, fmt.Sprintf("amount %s has more than %d digits before the point", quote(s), intDigits)
	}
	if len(frac) > fracDigits {
		return 0, fmt.Sprintf("amount %s has more than %d digits after the point", quote(s), fracDigits)
	}
	// At most 18 digits, which always fit in int64.
	n, _ := strconv.ParseInt("0"+whole+frac+strings.Repeat("0", fracDigits-len(frac)), 10, 64)
	if strings.HasPrefix(s, "-") {
		n = -n
	}
	return n, ""
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// formatDecimal writes ten-thousandths as a decimal with at least minFrac fraction digits and
// no needless trailing zeros, so that 12.5 EUR reads "12.50" and 12.505 EUR keeps its 5.
func formatDecimal(n int64, minFrac int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	frac := strings.TrimRight(fmt.Sprintf("%04d", n%fracUnit), "0")
	if len(frac) < minFrac {
		frac += strings.Repeat("0", minFrac-len(frac))
	}
	whole := strconv.FormatInt(n/fracUnit, 10)
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}

// newMoney makes a money value from an amount and a currency, or says what is wrong.
func newMoney(t Type, amount, currency string, stored bool) (Value, string) {
	n, reason := parseDecimal(amount)
	if reason == "" {
		reason = checkCurrency(currency, stored)
	}
	if reason != "" {
		return Value{}, reason
	}
	return Value{t: t, set: true, i: n, s: currency}, ""
}

// money returns what Native shows of a money value.
func (v Value) money() Money {
	return Money{Amount: formatDecimal(v.i, minorDigits[v.s]), Currency: v.s}
}

// moneyShape is the reminder added to errors about the shape of money input.
const moneyShape = `write money as {"amount":"12.50","currency":"EUR"}`

// parseMoney reads {"amount":"12.50","currency":"EUR"}. The amount may also be a JSON number,
// which is read from its text, never through a float.
func parseMoney(o Options, t Type, raw []byte) (Value, error) {
	if raw[0] != '{' {
		return Value{}, mismatch(t, describeJSON(raw), moneyShape)
	}
	var in struct{ Amount, Currency json.RawMessage }
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Value{}, mismatch(t, "object", "only amount and currency are allowed; "+moneyShape)
	}
	amount, ok := jsonAmount(in.Amount)
	currency, isStr := jsonText(in.Currency)
	if !ok || !isStr {
		return Value{}, mismatch(t, "object", moneyShape)
	}
	v, reason := newMoney(t, amount, currency, o.stored)
	if reason != "" {
		return Value{}, mismatch(t, "object", reason)
	}
	return v, nil
}

// jsonAmount returns the text of an amount given as a JSON string or a JSON number.
func jsonAmount(raw json.RawMessage) (string, bool) {
	raw = trimJSON(raw)
	if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return string(raw), true
	}
	return jsonText(raw)
}

// jsonText returns the content of raw when it is a JSON string.
func jsonText(raw json.RawMessage) (string, bool) {
	raw = trimJSON(raw)
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
