package value

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Options adjust parsing to the caller. The zero Options is the strict default that Parse,
// ParseField and FromNative use.
type Options struct {
	// DefaultRegion is the ISO 3166-1 region, such as "RU", assumed for phone numbers written
	// without "+<country code>". Empty refuses such numbers, because guessing a country could
	// send a message to a stranger's phone.
	DefaultRegion string
	// AllowNull makes JSON null, missing JSON and Go nil a typed null Value instead of an error,
	// for optional variables and fields.
	AllowNull bool
	// stored marks data read back from the database; see Decode.
	stored bool
}

// Parse reads a value of type t from JSON input, strictly; see the package documentation for
// the accepted forms. Errors are *errs.Error with code invalid.
func Parse(t Type, raw json.RawMessage) (Value, error) { return Options{}.Parse(t, raw) }

// ParseField is Parse for the variable or field called name: an error's message starts with
// the name and its Details["field"] holds it, as in "amount: expected money, got number 12.5".
func ParseField(name string, t Type, raw json.RawMessage) (Value, error) {
	return Options{}.ParseField(name, t, raw)
}

// ParseField is the package's ParseField with these options.
func (o Options) ParseField(name string, t Type, raw json.RawMessage) (Value, error) {
	v, err := o.Parse(t, raw)
	return v, InField(name, err)
}

// Parse is the package's Parse with these options.
func (o Options) Parse(t Type, raw json.RawMessage) (Value, error) {
	if !t.valid() {
		return Value{}, internal("parse into invalid type %#v", t)
	}
	raw = trimJSON(raw)
	if IsNull(raw) && o.AllowNull {
		return Null(t), nil
	}
	if err := checkJSON(t, raw); err != nil {
		return Value{}, err
	}
	switch t.Kind {
	case KindInteger:
		return parseInteger(t, raw)
	case KindNumber:
		return parseNumber(t, raw)
	case KindBoolean:
		return parseBoolean(t, raw)
	case KindMoney:
		return parseMoney(o, t, raw)
	case KindFile:
		return parseFile(t, raw)
	case KindFiles:
		return parseFiles(t, raw)
	case KindList, KindObject:
		return parseStructured(t, raw)
	}
	return o.parseText(t, raw)
}

// checkJSON refuses input that is no value at all: nothing, broken JSON, or null.
func checkJSON(t Type, raw []byte) error {
	switch {
	case len(raw) == 0:
		return mismatch(t, "nothing", "")
	case !json.Valid(raw):
		return mismatch(t, "invalid JSON", "")
	case raw[0] == 'n':
		return mismatch(t, "null", "")
	}
	return nil
}

// parseText reads a JSON string into a value of a text-shaped type.
func (o Options) parseText(t Type, raw []byte) (Value, error) {
	s, ok := jsonText(raw)
	if !ok {
		return Value{}, mismatch(t, describeJSON(raw), "")
	}
	v, reason, err := o.fromText(t, s)
	if reason != "" {
		return Value{}, mismatch(t, describeJSON(raw), reason)
	}
	return v, err
}

// IsNull reports whether raw is JSON null or empty, as a field left out of a JSON object
// arrives; callers that treat both as "absent" test this before parsing.
func IsNull(raw json.RawMessage) bool {
	raw = trimJSON(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// isNumber reports whether valid JSON raw is a number.
func isNumber(raw []byte) bool { return raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' }

// parseInteger reads a JSON number written without fraction or exponent. 12.0 and 1e3 are
// refused too: integers are exact, and a fraction in the input hints at a mistake upstream.
func parseInteger(t Type, raw []byte) (Value, error) {
	if !allDigits(strings.TrimPrefix(string(raw), "-")) {
		return Value{}, mismatch(t, describeJSON(raw), "")
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return Value{}, mismatch(t, describeJSON(raw), "out of the integer range")
	}
	return Value{t: t, set: true, i: n}, nil
}

// parseNumber reads any JSON number into a float64, refusing those beyond its range rather
// than turning them into infinities.
func parseNumber(t Type, raw []byte) (Value, error) {
	if !isNumber(raw) {
		return Value{}, mismatch(t, describeJSON(raw), "")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && math.IsInf(f, 0) {
		return Value{}, mismatch(t, describeJSON(raw), "out of the number range")
	}
	return newNumber(t, f), nil
}

// newNumber makes a number value; -0 becomes 0 so that equal numbers encode the same.
func newNumber(t Type, f float64) Value {
	if f == 0 {
		f = 0
	}
	return Value{t: t, set: true, f: f}
}

// parseBoolean reads true or false.
func parseBoolean(t Type, raw []byte) (Value, error) {
	switch string(raw) {
	case "true", "false":
		return Value{t: t, set: true, b: raw[0] == 't'}, nil
	}
	return Value{}, mismatch(t, describeJSON(raw), "")
}

// maxString bounds string values; longer text belongs in an attachment, not in a variable.
const maxString = 1 << 20

// fromText makes a value of a text-shaped type: string, datetime, phone, email and the links.
// It returns either the value, or the reason the text does not fit, or an internal error.
func (o Options) fromText(t Type, s string) (Value, string, error) {
	var reason string
	switch t.Kind {
	case KindString:
		if len(s) > maxString {
			return Value{}, "longer than the limit of 1 MiB", nil
		}
	case KindDatetime:
		return datetimeFromText(t, s)
	case KindPhone:
		p, reason, err := o.phone(s)
		return Value{t: t, set: true, s: p}, reason, err
	case KindEmail:
		s, reason = email(s)
	case KindUser, KindSession, KindItem:
		reason = checkID(s)
	default:
		return Value{}, "", internal("%s is not a text type", t)
	}
	return Value{t: t, set: true, s: s}, reason, nil
}

// datetimeFromText reads an RFC 3339 time and keeps it in UTC, so that equal instants encode
// the same. Years must stay within 0000–9999 after the move to UTC, the range RFC 3339 can
// write back.
func datetimeFromText(t Type, s string) (Value, string, error) {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Value{}, `not an RFC 3339 time such as "2024-05-01T09:30:00Z"`, nil
	}
	return newDatetime(t, tm)
}

// newDatetime makes a datetime value from any time.Time, dropping its location and monotonic
// clock reading, which are not part of the value.
func newDatetime(t Type, tm time.Time) (Value, string, error) {
	tm = tm.UTC().Round(0)
	if tm.Year() < 0 || tm.Year() > 9999 {
		return Value{}, "outside the years 0000 to 9999", nil
	}
	return Value{t: t, set: true, tm: tm}, "", nil
}
