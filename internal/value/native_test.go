package value

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/errs"
)

type myInt int

func TestFromNative(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		typ  string
		in   any
		want string // the canonical JSON of the result
	}{
		{"integer", 5, `5`},
		{"integer", int64(math.MinInt64), `-9223372036854775808`},
		{"integer", uint8(200), `200`},
		{"integer", myInt(7), `7`},
		{"integer", 4.0, `4`},
		{"integer", float32(-3), `-3`},
		{"number", 3, `3`},
		{"number", int64(1 << 53), `9007199254740992`},
		{"number", float32(1.5), `1.5`},
		{"number", math.Nextafter(0.3, 1), `0.30000000000000004`},
		{"number", math.Copysign(0, -1), `0`},
		{"boolean", true, `true`},
		{"datetime", time.Date(2024, 5, 1, 9, 30, 0, 0, moscow), `"2024-05-01T06:30:00Z"`},
		{"datetime", time.Now().Truncate(time.Hour).Add(time.Nanosecond).In(time.UTC).Truncate(0), ""},
		{"money", Money{Amount: "12.5", Currency: "EUR"}, `{"amount":"12.50","currency":"EUR"}`},
		{"money", map[string]any{"amount": "0.30", "currency": "USD"}, `{"amount":"0.30","currency":"USD"}`},
		{"money", map[string]any{"amount": 1500, "currency": "JPY"}, `{"amount":"1500","currency":"JPY"}`},
		{"phone", "+7 999 123-45-67", `"+79991234567"`},
		{"email", "Ann@EXAMPLE.com", `"Ann@example.com"`},
		{"string", "hi", `"hi"`},
		{"user", "u1", `"u1"`},
		{"session", "s1", `"s1"`},
		{"item:crm/leads", "42", `"42"`},
	}
	for _, tt := range tests {
		typ := mustType(t, tt.typ)
		v, err := FromNative(typ, tt.in)
		if err != nil {
			t.Errorf("FromNative(%s, %#v): %v", tt.typ, tt.in, err)
			continue
		}
		if tt.want == "" {
			tt.want = string(Encode(v))
		}
		checkRoundTrip(t, v, tt.want)
		if again, err := FromNative(typ, v.Native()); err != nil || !again.Equal(v) {
			t.Errorf("FromNative(%s, Native()) = %v, %v; want %v", tt.typ, again, err, v)
		}
	}
}

func TestFromNativeRefuses(t *testing.T) {
	p, _ := Parse(Type{Kind: KindNumber}, json.RawMessage(`2`))
	tests := []struct {
		typ string
		in  any
		msg string
	}{
		{"integer", 4.5, `expected integer, got number 4.5: it has a fraction`},
		{"integer", math.NaN(), `expected integer, got number NaN: not a finite number`},
		{"integer", 1e19, `expected integer, got number 1e+19: out of the integer range`},
		{"integer", uint64(math.MaxUint64), `expected integer, got integer 18446744073709551615: out of the integer range`},
		{"integer", "5", `expected integer, got string "5"`},
		{"integer", p, `expected integer, got number 2`},
		{"integer", nil, `expected integer, got null`},
		{"number", int64(math.MaxInt64), `expected number, got integer 9223372036854775807: too large to be held exactly`},
		{"number", math.Inf(1), `expected number, got number +Inf: not a finite number`},
		{"number", true, `expected number, got boolean true`},
		{"boolean", "true", `expected boolean, got string "true"`},
		{"datetime", "2024-05-01T09:30:00Z", `expected datetime, got string "2024-05-01T09:30:00Z"`},
		{"datetime", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `expected datetime, got datetime 10000-01-01T00:00:00Z: outside the years 0000 to 9999`},
		{"money", 12.5, `expected money, got number 12.5: write money as {"amount":"12.50","currency":"EUR"}`},
		{"money", map[string]any{"amount": 12.5, "currency": "EUR"}, `expected money, got map: the amount must be a decimal string such as "12.50", not a float`},
		{"money", map[string]any{"amount": "1", "currency": "EUR", "x": 1}, `expected money, got map: write money as {amount: "12.50", currency: "EUR"}`},
		{"money", Money{Amount: "1", Currency: "XXX"}, `expected money, got money 1 XXX: currency "XXX" is not a current ISO 4217 code such as EUR or USD`},
		{"phone", 79991234567, `expected phone, got integer 79991234567`},
		{"phone", "89991234567", `expected phone, got string "89991234567": no country code; write the number as +<country code><number>, e.g. +79991234567`},
		{"email", "ann", `expected email, got string "ann": not an email address such as ann@example.com`},
		{"user", "", `expected user, got string "": an id must not be empty`},
		{"item:crm/leads", 42, `expected item:crm/leads, got integer 42`},
		{"string", []string{"a"}, `expected string, got array`},
	}
	for _, tt := range tests {
		_, err := FromNative(mustType(t, tt.typ), tt.in)
		checkFieldErr(t, InField("x", err), "x", "x: "+tt.msg)
	}
}

func TestFromNativeOptions(t *testing.T) {
	phone := Type{Kind: KindPhone}
	v, err := Options{DefaultRegion: "RU"}.FromNative(phone, "8 999 123-45-67")
	if err != nil || v.String() != "+79991234567" {
		t.Errorf("with RU: %v, %v", v, err)
	}
	for _, in := range []any{nil, Null(phone)} {
		v, err = Options{AllowNull: true}.FromNative(phone, in)
		if err != nil || !v.IsNull() || !v.Type().Equal(phone) {
			t.Errorf("AllowNull FromNative(%#v) = %#v, %v", in, v, err)
		}
	}
	if _, err := FromNative(phone, Null(phone)); !errs.Is(err, errs.Invalid) {
		t.Errorf("FromNative of a null Value: %v, want invalid", err)
	}
}

func TestNativeAndZero(t *testing.T) {
	for _, k := range kinds {
		typ := Type{Kind: k}
		if k == KindItem {
			typ = Type{Kind: KindItem, Workspace: "crm", App: "leads"}
		}
		v, err := FromNative(typ, typ.Zero())
		if k == KindMoney || k == KindPhone || k == KindEmail || k == KindUser || k == KindSession || k == KindItem || k == KindFile {
			// The zero of these is not itself a valid value: an empty id, address or file.
			if err == nil {
				t.Errorf("%s: FromNative(Zero()) accepted %v", typ, v)
			}
			continue
		}
		if err != nil || reflect.TypeOf(v.Native()) != typ.GoType() {
			t.Errorf("%s: Native() is %T, GoType() %v, err %v", typ, v.Native(), typ.GoType(), err)
		}
	}
	if (Type{}).Zero() != nil || (Type{}).GoType() != nil {
		t.Error("the zero Type has a Go type")
	}
	if (Value{}).Native() != nil {
		t.Error("the zero Value is not nil in expressions")
	}
}

// TestExpr walks the engine's path: type-check an expression at publish time against an
// environment of zero values, run it on the natives of real values, and bring the result back.
func TestExpr(t *testing.T) {
	types := map[string]Type{
		"total": {Kind: KindMoney}, "count": {Kind: KindInteger}, "phone": {Kind: KindPhone},
		"at": {Kind: KindDatetime}, "vip": {Kind: KindBoolean}, "ratio": {Kind: KindNumber},
	}
	inputs := map[string]string{
		"total": `{"amount":"1000.50","currency":"EUR"}`, "count": `3`, "phone": `"+79991234567"`,
		"at": `"2024-05-01T09:30:00Z"`, "vip": `true`, "ratio": `0.5`,
	}
	typeEnv, env := map[string]any{}, map[string]any{}
	for name, typ := range types {
		typeEnv[name] = typ.Zero()
		v, err := ParseField(name, typ, json.RawMessage(inputs[name]))
		if err != nil {
			t.Fatal(err)
		}
		env[name] = v.Native()
	}
	run := func(code string, want Type) (Value, error) {
		prog, err := expr.Compile(code, expr.Env(typeEnv))
		if err != nil {
			return Value{}, err
		}
		out, err := expr.Run(prog, env)
		if err != nil {
			return Value{}, err
		}
		return FromNative(want, out)
	}
	tests := []struct {
		code string
		typ  Type
		want string
	}{
		{`total.Cmp("1000") > 0 && total.Currency == "EUR" && vip`, Type{Kind: KindBoolean}, `true`},
		{`count * 2`, Type{Kind: KindInteger}, `6`},
		{`(count + 1) / 2`, Type{Kind: KindInteger}, `2`},
		{`count * ratio`, Type{Kind: KindNumber}, `1.5`},
		{`count`, Type{Kind: KindNumber}, `3`},
		{`at.Year() == 2024 && at < now()`, Type{Kind: KindBoolean}, `true`},
		{`"Paid " + string(total)`, Type{Kind: KindString}, `"Paid 1000.50 EUR"`},
		{`phone`, Type{Kind: KindPhone}, `"+79991234567"`},
		{`{amount: total.Amount, currency: "USD"}`, Type{Kind: KindMoney}, `{"amount":"1000.50","currency":"USD"}`},
	}
	for _, tt := range tests {
		v, err := run(tt.code, tt.typ)
		if err != nil || string(Encode(v)) != tt.want {
			t.Errorf("%s = %s, %v; want %s", tt.code, Encode(v), err, tt.want)
		}
	}
	if _, err := expr.Compile(`count + phone`, expr.Env(typeEnv)); err == nil {
		t.Error("int + string type-checked")
	}
	if _, err := run(`count / 2`, Type{Kind: KindInteger}); !errs.Is(err, errs.Invalid) {
		t.Errorf("3 / 2 into an integer: %v, want invalid", err)
	}
}
