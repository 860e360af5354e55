package value

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

// mustType parses a type written in a test table.
func mustType(t testing.TB, s string) Type {
	t.Helper()
	typ, err := ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// checkRoundTrip asserts that v encodes to want and that both Parse (allowing null only for a
// null) and Decode read that encoding back to an equal value encoding the same bytes.
func checkRoundTrip(t testing.TB, v Value, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil || string(got) != want {
		t.Fatalf("json.Marshal = %s, %v; want %s", got, err, want)
	}
	for name, read := range map[string]func(Type, []byte) (Value, error){
		"Parse":  func(t Type, b []byte) (Value, error) { return Options{AllowNull: v.IsNull()}.Parse(t, b) },
		"Decode": Decode,
	} {
		back, err := read(v.Type(), got)
		if err != nil || !back.Equal(v) || string(Encode(back)) != want {
			t.Fatalf("%s(%s) = %s, %v; want an equal value", name, got, Encode(back), err)
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	tests := []struct {
		typ, in, json, text string
	}{
		{"string", `"hello"`, `"hello"`, "hello"},
		{"string", `""`, `""`, ""},
		{"string", `"a \u003c b \"q\" ünï 😀"`, `"a \u003c b \"q\" ünï 😀"`, `a < b "q" ünï 😀`},
		{"integer", `42`, `42`, "42"},
		{"integer", ` -0 `, `0`, "0"},
		{"integer", `-9223372036854775808`, `-9223372036854775808`, "-9223372036854775808"},
		{"integer", `9223372036854775807`, `9223372036854775807`, "9223372036854775807"},
		{"number", `12.5`, `12.5`, "12.5"},
		{"number", `7`, `7`, "7"},
		{"number", `-0.0`, `0`, "0"},
		{"number", `1e21`, `1e+21`, "1e+21"},
		{"number", `0.1`, `0.1`, "0.1"},
		{"number", `1e-400`, `0`, "0"},
		{"boolean", `true`, `true`, "true"},
		{"boolean", `false`, `false`, "false"},
		{"datetime", `"2024-05-01T09:30:00Z"`, `"2024-05-01T09:30:00Z"`, "2024-05-01T09:30:00Z"},
		{"datetime", `"2024-05-01T09:30:00+03:00"`, `"2024-05-01T06:30:00Z"`, "2024-05-01T06:30:00Z"},
		{"datetime", `"2024-12-31T23:30:00.250-05:00"`, `"2025-01-01T04:30:00.25Z"`, "2025-01-01T04:30:00.25Z"},
		{"money", `{"amount":"12.50","currency":"EUR"}`, `{"amount":"12.50","currency":"EUR"}`, "12.50 EUR"},
		{"money", `{"currency":"EUR","amount":"12.5"}`, `{"amount":"12.50","currency":"EUR"}`, "12.50 EUR"},
		{"money", `{"amount":12.5,"currency":"USD"}`, `{"amount":"12.50","currency":"USD"}`, "12.50 USD"},
		{"money", `{"amount":"1000","currency":"JPY"}`, `{"amount":"1000","currency":"JPY"}`, "1000 JPY"},
		{"money", `{"amount":"12.3456","currency":"EUR"}`, `{"amount":"12.3456","currency":"EUR"}`, "12.3456 EUR"},
		{"money", `{"amount":"-0.5","currency":"KWD"}`, `{"amount":"-0.500","currency":"KWD"}`, "-0.500 KWD"},
		{"money", `{"amount":"12345678901234.56","currency":"RUB"}`, `{"amount":"12345678901234.56","currency":"RUB"}`, "12345678901234.56 RUB"},
		{"phone", `"+7 (999) 123-45-67"`, `"+79991234567"`, "+79991234567"},
		{"phone", `"+1 650-253-0000"`, `"+16502530000"`, "+16502530000"},
		{"phone", `"+44 20 7946 0958"`, `"+442079460958"`, "+442079460958"},
		{"email", `"Ann.Lee@Example.COM"`, `"Ann.Lee@example.com"`, "Ann.Lee@example.com"},
		{"email", `" bob+tag@mail.example.org "`, `"bob+tag@mail.example.org"`, "bob+tag@mail.example.org"},
		{"user", `"u123"`, `"u123"`, "u123"},
		{"session", `"01HZX3J7"`, `"01HZX3J7"`, "01HZX3J7"},
		{"item:crm/leads", `"42"`, `"42"`, "42"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			v, err := Parse(mustType(t, tt.typ), json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.text {
				t.Errorf("String() = %q, want %q", v.String(), tt.text)
			}
			checkRoundTrip(t, v, tt.json)
		})
	}
}

func TestParseFieldRefuses(t *testing.T) {
	tests := []struct {
		typ, in, msg string
	}{
		{"integer", `"12"`, `expected integer, got string "12"`},
		{"integer", `12.5`, `expected integer, got number 12.5`},
		{"integer", `12.0`, `expected integer, got number 12.0`},
		{"integer", `1e3`, `expected integer, got number 1e3`},
		{"integer", `9223372036854775808`, `expected integer, got number 9223372036854775808: out of the integer range`},
		{"integer", `true`, `expected integer, got boolean true`},
		{"number", `"1.5"`, `expected number, got string "1.5"`},
		{"number", `1e400`, `expected number, got number 1e400: out of the number range`},
		{"boolean", `"true"`, `expected boolean, got string "true"`},
		{"boolean", `1`, `expected boolean, got number 1`},
		{"string", `12`, `expected string, got number 12`},
		{"string", `["a"]`, `expected string, got array`},
		{"string", `{"a":1}`, `expected string, got object`},
		{"string", `null`, `expected string, got null`},
		{"string", ``, `expected string, got nothing`},
		{"string", `"unterminated`, `expected string, got invalid JSON`},
		{"datetime", `"2024-05-01 09:30"`, `expected datetime, got string "2024-05-01 09:30": not an RFC 3339 time such as "2024-05-01T09:30:00Z"`},
		{"datetime", `"0000-01-01T00:00:00+01:00"`, `expected datetime, got string "0000-01-01T00:00:00+01:00": outside the years 0000 to 9999`},
		{"datetime", `1714555800`, `expected datetime, got number 1714555800`},
		{"money", `12.5`, `expected money, got number 12.5: write money as {"amount":"12.50","currency":"EUR"}`},
		{"money", `"12.50 EUR"`, `expected money, got string "12.50 EUR": write money as {"amount":"12.50","currency":"EUR"}`},
		{"money", `{"amount":"12.50"}`, `expected money, got object: write money as {"amount":"12.50","currency":"EUR"}`},
		{"money", `{"amount":"12.50","currency":"EUR","note":1}`, `expected money, got object: only amount and currency are allowed; write money as {"amount":"12.50","currency":"EUR"}`},
		{"money", `{"amount":"12,50","currency":"EUR"}`, `expected money, got object: amount "12,50" is not a decimal such as "12.50"`},
		{"money", `{"amount":1e3,"currency":"EUR"}`, `expected money, got object: amount "1e3" is not a decimal such as "12.50"`},
		{"money", `{"amount":"12.34567","currency":"EUR"}`, `expected money, got object: amount "12.34567" has more than 4 digits after the point`},
		{"money", `{"amount":"123456789012345","currency":"EUR"}`, `expected money, got object: amount "123456789012345" has more than 14 digits before the point`},
		{"money", `{"amount":"1","currency":"eur"}`, `expected money, got object: currency "eur" must be written in capitals: EUR`},
		{"money", `{"amount":"1","currency":"ABC"}`, `expected money, got object: currency "ABC" is not a current ISO 4217 code such as EUR or USD`},
		{"money", `{"amount":"1","currency":"HRK"}`, `expected money, got object: currency "HRK" is not a current ISO 4217 code such as EUR or USD`},
		{"phone", `"89991234567"`, `expected phone, got string "89991234567": no country code; write the number as +<country code><number>, e.g. +79991234567`},
		{"phone", `"+7 999"`, `expected phone, got string "+7 999": not a valid phone number`},
		{"phone", `"call me"`, `expected phone, got string "call me": not a valid phone number`},
		{"phone", `"+1 650-253-0000 ext. 12"`, `expected phone, got string "+1 650-253-0000 ext. 12": extensions are not supported; give the number alone`},
		{"phone", `79991234567`, `expected phone, got number 79991234567`},
		{"email", `"Ann <ann@example.com>"`, `expected email, got string "Ann <ann@example.com>": give the bare address, such as ann@example.com, without a name or brackets`},
		{"email", `"ann"`, `expected email, got string "ann": not an email address such as ann@example.com`},
		{"email", `"ann@example.com, bob@example.com"`, `expected email, got string "ann@example.com, bob@example.com": not an email address such as ann@example.com`},
		{"user", `""`, `expected user, got string "": an id must not be empty`},
		{"user", `123`, `expected user, got number 123`},
		{"session", `" s1"`, `expected session, got string " s1": an id must not hold control characters or spaces at its ends`},
		{"item:crm/leads", `{"id":"42"}`, `expected item:crm/leads, got object`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			_, err := ParseField("var", mustType(t, tt.typ), json.RawMessage(tt.in))
			checkFieldErr(t, err, "var", "var: "+tt.msg)
		})
	}
}

// checkFieldErr asserts that err is an invalid *errs.Error about field with the message msg.
func checkFieldErr(t testing.TB, err error, field, msg string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok {
		t.Fatalf("error %v (%T), want *errs.Error", err, err)
	}
	if e.Code != errs.Invalid || e.Message != msg || e.Details["field"] != field {
		t.Fatalf("got code %s, message %q, details %v;\nwant invalid, %q, field %q",
			e.Code, e.Message, e.Details, msg, field)
	}
}

func TestParseLongString(t *testing.T) {
	ok := json.RawMessage(`"` + strings.Repeat("a", maxString) + `"`)
	if _, err := Parse(Type{Kind: KindString}, ok); err != nil {
		t.Fatalf("1 MiB string refused: %v", err)
	}
	long := json.RawMessage(`"` + strings.Repeat("a", maxString+1) + `"`)
	_, err := Parse(Type{Kind: KindString}, long)
	if !errs.Is(err, errs.Invalid) || !strings.HasSuffix(err.Error(), "longer than the limit of 1 MiB") ||
		len(err.Error()) > 200 {
		t.Fatalf("long string: %v", err)
	}
}

func TestNull(t *testing.T) {
	phone := Type{Kind: KindPhone}
	for _, in := range []string{"null", " null ", "", " "} {
		if !IsNull(json.RawMessage(in)) {
			t.Errorf("IsNull(%q) = false", in)
		}
		v, err := Options{AllowNull: true}.Parse(phone, json.RawMessage(in))
		if err != nil || !v.IsNull() || !v.Type().Equal(phone) || v.Native() != nil || v.String() != "" {
			t.Errorf("AllowNull Parse(%q) = %#v, %v; want a phone null", in, v, err)
		}
		checkRoundTrip(t, v, "null")
	}
	for _, in := range []string{`"null"`, `0`, `{}`} {
		if IsNull(json.RawMessage(in)) {
			t.Errorf("IsNull(%q) = true", in)
		}
	}
	if !Null(phone).Equal(Null(phone)) || Null(phone).Equal(Null(Type{Kind: KindEmail})) {
		t.Error("nulls compare wrongly")
	}
	if b, _ := json.Marshal(struct{ V Value }{}); string(b) != `{"V":null}` {
		t.Errorf("zero Value marshals as %s", b)
	}
}

func TestDefaultRegion(t *testing.T) {
	phone := Type{Kind: KindPhone}
	ru := Options{DefaultRegion: "ru"}
	for _, in := range []string{`"8 (999) 123-45-67"`, `"999 123 45 67"`, `"+7 999 123 45 67"`} {
		v, err := ru.Parse(phone, json.RawMessage(in))
		if err != nil || v.String() != "+79991234567" {
			t.Errorf("Parse(%s) with RU = %v, %v", in, v, err)
		}
	}
	_, err := ru.ParseField("phone", phone, json.RawMessage(`"123"`))
	checkFieldErr(t, err, "phone", `phone: expected phone, got string "123": not a valid phone number`)

	_, err = Options{DefaultRegion: "XX"}.Parse(phone, json.RawMessage(`"999 123 45 67"`))
	if err == nil || errs.CodeOf(err) != errs.Internal {
		t.Errorf("unknown region: %v, want an internal error", err)
	}
}

// TestDecodeTrustsStoredData shows that data stored under older rules stays readable, while
// its shape is still checked.
func TestDecodeTrustsStoredData(t *testing.T) {
	money, phone := Type{Kind: KindMoney}, Type{Kind: KindPhone}
	v, err := Decode(money, []byte(`{"amount":"10.00","currency":"HRK"}`))
	if err != nil || v.String() != "10 HRK" {
		t.Errorf("withdrawn currency: %v, %v", v, err)
	}
	if _, err := Parse(money, Encode(v)); err == nil {
		t.Error("Parse accepted a withdrawn currency")
	}
	v, err = Decode(phone, []byte(`"+99912345678"`))
	if err != nil || v.String() != "+99912345678" {
		t.Errorf("stored phone: %v, %v", v, err)
	}
	for _, bad := range []string{`"8 999 123"`, `"+0123"`, `"+1234567890123456"`} {
		if _, err := Decode(phone, []byte(bad)); !errs.Is(err, errs.Invalid) {
			t.Errorf("Decode(%s) = %v, want invalid", bad, err)
		}
	}
	if _, err := Decode(money, []byte(`{"amount":"1","currency":"eur"}`)); err == nil {
		t.Error("Decode accepted a lower-case currency")
	}
}

func TestParseInvalidType(t *testing.T) {
	_, err := Parse(Type{Kind: "strng"}, json.RawMessage(`"x"`))
	if err == nil || errs.CodeOf(err) != errs.Internal {
		t.Errorf("Parse into invalid type: %v, want an internal error", err)
	}
}

func TestEqual(t *testing.T) {
	p := func(typ, in string) Value {
		v, err := Parse(mustType(t, typ), json.RawMessage(in))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		a, b Value
		want bool
	}{
		{p("string", `"a"`), p("string", `"a"`), true},
		{p("string", `"a"`), p("user", `"a"`), false},
		{p("item:crm/leads", `"1"`), p("item:crm/deals", `"1"`), false},
		{p("integer", `1`), p("number", `1`), false},
		{p("number", `0.1`), p("number", `1e-1`), true},
		{p("datetime", `"2024-05-01T09:30:00+03:00"`), p("datetime", `"2024-05-01T06:30:00Z"`), true},
		{p("money", `{"amount":"1.5","currency":"EUR"}`), p("money", `{"amount":"1.50","currency":"EUR"}`), true},
		{p("money", `{"amount":"1.5","currency":"EUR"}`), p("money", `{"amount":"1.5","currency":"USD"}`), false},
		{p("phone", `"+7 999 123-45-67"`), p("phone", `"+79991234567"`), true},
		{p("boolean", `true`), p("boolean", `false`), false},
	}
	for i, tt := range tests {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("%d: %v.Equal(%v) = %v, want %v", i, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestValueRefusesUnmarshal(t *testing.T) {
	var in struct{ V Value }
	if err := json.Unmarshal([]byte(`{"V":"x"}`), &in); err == nil {
		t.Error("a Value was unmarshalled without its type")
	}
}
