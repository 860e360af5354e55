package value

import (
	"encoding/json"
	"testing"
)

// fuzzTypes are the types FuzzParse picks from with its first argument.
var fuzzTypes = []Type{
	{Kind: KindString}, {Kind: KindInteger}, {Kind: KindNumber}, {Kind: KindBoolean},
	{Kind: KindDatetime}, {Kind: KindMoney}, {Kind: KindPhone}, {Kind: KindEmail},
	{Kind: KindUser}, {Kind: KindSession}, {Kind: KindItem, Workspace: "crm", App: "leads"},
}

// FuzzParse checks that Parse never panics, that every error it returns is an invalid
// *errs.Error, and that whatever it accepts encodes to a form that Parse and Decode read back
// to an equal value with the same encoding.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`"x"`, `12`, `-0`, `1e400`, `12.5`, `true`, `null`, `"2024-05-01T09:30:00+03:00"`,
		`{"amount":"12.50","currency":"EUR"}`, `{"amount":0.10,"currency":"KWD"}`,
		`"+7 (999) 123-45-67"`, `"8 999 123 45 67"`, `"Ann@Example.COM"`, `" u1 "`, `"\u0000"`,
		`[1]`, `"0000-01-01T00:00:00+01:00"`, `"ann@ÉXAMPLE.com"`,
	}
	for _, s := range seeds {
		for k := range fuzzTypes {
			f.Add(uint8(k), s)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, raw string) {
		typ := fuzzTypes[int(k)%len(fuzzTypes)]
		for _, o := range []Options{{}, {DefaultRegion: "RU", AllowNull: true}} {
			v, err := o.Parse(typ, json.RawMessage(raw))
			if err != nil {
				checkFieldErr(t, InField("f", err), "f", "f: "+err.Error())
				continue
			}
			if !v.Type().Equal(typ) {
				t.Fatalf("Parse gave a %s for a %s", v.Type(), typ)
			}
			checkRoundTrip(t, v, string(Encode(v)))
		}
	})
}
