package value

import (
	"encoding/json"
	"strconv"
	"time"
)

// Value is a typed value in canonical form. Values are made only by this package (Parse,
// Decode, FromNative, Null), so a Value of some type always holds a valid value of that type.
//
// The zero Value is a null without a type; Null(t) is a null of type t. Both report IsNull.
type Value struct {
	t   Type
	set bool
	// s is the text of string, phone, email, user, session and item values, and the currency
	// of money values.
	s string
	// i is the integer, or the money amount in ten-thousandths: money never touches a float.
	i  int64
	f  float64
	b  bool
	tm time.Time
	// name and ctype are a file value's name and content type (its id is s, its size i).
	name, ctype string
	// files is the list of a files value; a pointer keeps Value comparable.
	files *[]File
}

// Null returns the null of type t, for callers that let null stand for "absent".
func Null(t Type) Value { return Value{t: t} }

// Type returns the type of v.
func (v Value) Type() Type { return v.t }

// IsNull reports whether v holds no value.
func (v Value) IsNull() bool { return !v.set }

// Equal reports whether v and w have the same type and the same value. Numbers compare by
// value, so 0 and -0 are equal; datetimes compare as instants.
func (v Value) Equal(w Value) bool {
	if !v.t.Equal(w.t) || v.set != w.set {
		return false
	}
	if !v.set {
		return true
	}
	switch v.t.Kind {
	case KindInteger:
		return v.i == w.i
	case KindNumber:
		return v.f == w.f
	case KindBoolean:
		return v.b == w.b
	case KindDatetime:
		return v.tm.Equal(w.tm)
	case KindMoney:
		return v.i == w.i && v.s == w.s
	case KindFile:
		return v.file() == w.file()
	case KindFiles:
		return filesEqual(v.fileList(), w.fileList())
	}
	return v.s == w.s
}

// MarshalJSON writes v in the canonical form Parse reads back to an equal Value; a null writes
// JSON null.
func (v Value) MarshalJSON() ([]byte, error) { return Encode(v), nil }

// UnmarshalJSON always fails: JSON does not say which type a value has, so reading one needs
// Parse or Decode with the type. Without this method encoding/json would silently leave a
// null behind.
func (v *Value) UnmarshalJSON([]byte) error {
	return internal("a Value cannot be unmarshalled without its type; use Parse or Decode")
}

// Encode returns the canonical JSON text of v, the form values are stored in. Decode reads it
// back to an equal Value.
func Encode(v Value) []byte {
	if !v.set {
		return []byte("null")
	}
	switch v.t.Kind {
	case KindInteger:
		return strconv.AppendInt(nil, v.i, 10)
	case KindNumber:
		return formatNumber(v.f)
	case KindBoolean:
		return strconv.AppendBool(nil, v.b)
	case KindDatetime:
		return quoteJSON(v.tm.Format(time.RFC3339Nano))
	case KindMoney:
		m := v.money()
		return []byte(`{"amount":"` + m.Amount + `","currency":"` + m.Currency + `"}`)
	case KindFile:
		return encodeFile(v)
	case KindFiles:
		return encodeFiles(v)
	}
	if v.t.Kind.structured() {
		return []byte(v.s) // already canonical JSON
	}
	return quoteJSON(v.s)
}

// Decode reads a value stored by Encode. It accepts null, which Encode writes for an absent
// value, and it trusts facts that may change after a value was stored: a phone number needs
// only the E.164 shape and a currency only three capital letters, because a telephone numbering
// plan or the ISO 4217 list changing must not make stored data unreadable.
func Decode(t Type, data []byte) (Value, error) {
	return Options{AllowNull: true, stored: true}.Parse(t, data)
}

// String formats v for display and templates: text as is, money as "12.50 EUR", datetimes in
// RFC 3339, and null as the empty string.
func (v Value) String() string {
	if !v.set {
		return ""
	}
	switch v.t.Kind {
	case KindInteger, KindNumber, KindBoolean:
		return string(Encode(v))
	case KindDatetime:
		return v.tm.Format(time.RFC3339Nano)
	case KindMoney:
		return v.money().String()
	case KindFile:
		return v.name
	case KindFiles:
		return fileNames(v.fileList())
	}
	return v.s
}

// formatNumber writes f as encoding/json does, which is the shortest text that parses back to
// exactly f.
func formatNumber(f float64) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		// Values never hold NaN or infinities, the only floats json refuses.
		panic(internal("number %v escaped validation", f))
	}
	return b
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) []byte {
	b, _ := json.Marshal(s) // A Go string always marshals.
	return b
}
