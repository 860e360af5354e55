package value

import (
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in   string
		want Type
	}{
		{"string", Type{Kind: KindString}},
		{"integer", Type{Kind: KindInteger}},
		{"number", Type{Kind: KindNumber}},
		{"boolean", Type{Kind: KindBoolean}},
		{"datetime", Type{Kind: KindDatetime}},
		{"money", Type{Kind: KindMoney}},
		{"phone", Type{Kind: KindPhone}},
		{"email", Type{Kind: KindEmail}},
		{"user", Type{Kind: KindUser}},
		{"session", Type{Kind: KindSession}},
		{"item:crm/leads", Type{Kind: KindItem, Workspace: "crm", App: "leads"}},
		{"item:sales-2/deal_stages", Type{Kind: KindItem, Workspace: "sales-2", App: "deal_stages"}},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if err != nil || !got.Equal(tt.want) || got.String() != tt.in {
			t.Errorf("ParseType(%q) = %#v (%q), %v; want %#v", tt.in, got, got, err, tt.want)
		}
	}
}

func TestParseTypeRefuses(t *testing.T) {
	const rule = "must start with a lower-case letter and hold at most 64 lower-case letters, digits, '-' or '_'"
	tests := []struct{ in, msg string }{
		{"strng", `unknown type "strng"; use one of string, integer, number, boolean, datetime, money, phone, email, user, session, file, files, list, object, item:<workspace>/<app>`},
		{"String", `unknown type "String"; use one of string, integer, number, boolean, datetime, money, phone, email, user, session, file, files, list, object, item:<workspace>/<app>`},
		{"", `unknown type ""; use one of string, integer, number, boolean, datetime, money, phone, email, user, session, file, files, list, object, item:<workspace>/<app>`},
		{" string", `unknown type " string"; use one of string, integer, number, boolean, datetime, money, phone, email, user, session, file, files, list, object, item:<workspace>/<app>`},
		{"item", `type "item" needs its app: write item:<workspace>/<app>, e.g. item:crm/leads`},
		{"item:crm", `invalid type "item:crm": write item:<workspace>/<app>, e.g. item:crm/leads`},
		{"item:crm/", `invalid type "item:crm/": app code "" ` + rule},
		{"item:/leads", `invalid type "item:/leads": workspace code "" ` + rule},
		{"item:CRM/leads", `invalid type "item:CRM/leads": workspace code "CRM" ` + rule},
		{"item:crm/leads/x", `invalid type "item:crm/leads/x": app code "leads/x" ` + rule},
		{"item:crm/1leads", `invalid type "item:crm/1leads": app code "1leads" ` + rule},
	}
	for _, tt := range tests {
		_, err := ParseType(tt.in)
		e, ok := err.(*errs.Error)
		if !ok || e.Code != errs.Invalid || e.Message != tt.msg {
			t.Errorf("ParseType(%q) error = %v;\nwant %s", tt.in, err, tt.msg)
		}
	}
}

func TestTypeJSON(t *testing.T) {
	type variable struct {
		Name string `json:"name"`
		Type Type   `json:"type"`
	}
	in := []variable{{"lead", Type{Kind: KindItem, Workspace: "crm", App: "leads"}}, {"phone", Type{Kind: KindPhone}}}
	b, err := json.Marshal(in)
	want := `[{"name":"lead","type":"item:crm/leads"},{"name":"phone","type":"phone"}]`
	if err != nil || string(b) != want {
		t.Fatalf("Marshal = %s, %v; want %s", b, err, want)
	}
	var out []variable
	if err := json.Unmarshal(b, &out); err != nil || !out[0].Type.Equal(in[0].Type) || !out[1].Type.Equal(in[1].Type) {
		t.Fatalf("Unmarshal = %v, %v", out, err)
	}
	err = json.Unmarshal([]byte(`{"name":"x","type":"strng"}`), &out[0])
	if !errs.Is(err, errs.Invalid) {
		t.Errorf("Unmarshal of unknown type: %v, want an invalid error", err)
	}
	if _, err := json.Marshal(Type{}); err == nil {
		t.Error("the zero Type marshalled")
	}
	if _, err := json.Marshal(Type{Kind: KindString, App: "x"}); err == nil {
		t.Error("a string type with an app marshalled")
	}
}

func TestAssignable(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"string", "string", true},
		{"phone", "phone", true},
		{"phone", "string", false},
		{"string", "phone", false},
		{"integer", "number", false},
		{"session", "string", false},
		{"item:crm/leads", "item:crm/leads", true},
		{"item:crm/leads", "item:crm/deals", false},
		{"item:crm/leads", "item:sales/leads", false},
	}
	for _, tt := range tests {
		if got := Assignable(mustType(t, tt.from), mustType(t, tt.to)); got != tt.want {
			t.Errorf("Assignable(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestValidCode(t *testing.T) {
	good := []string{"a", "crm", "leads_2", "sales-eu", "a123456789012345678901234567890123456789012345678901234567890123"}
	bad := []string{"", "1a", "_a", "-a", "Crm", "crm leads", "crm/leads", "a1234567890123456789012345678901234567890123456789012345678901234", "é"}
	for _, s := range good {
		if !ValidCode(s) {
			t.Errorf("ValidCode(%q) = false", s)
		}
	}
	for _, s := range bad {
		if ValidCode(s) {
			t.Errorf("ValidCode(%q) = true", s)
		}
	}
}
