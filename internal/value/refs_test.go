package value

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

// fakeResolver knows a fixed set of records, written "user:u1", "session:s1", "crm/leads:42".
type fakeResolver struct {
	known map[string]bool
	err   error
}

func (f fakeResolver) UserExists(_ context.Context, id string) (bool, error) {
	return f.known["user:"+id], f.err
}

func (f fakeResolver) SessionExists(_ context.Context, id string) (bool, error) {
	return f.known["session:"+id], f.err
}

func (f fakeResolver) ItemExists(_ context.Context, ws, app, id string) (bool, error) {
	return f.known[ws+"/"+app+":"+id], f.err
}

func TestCheckRefs(t *testing.T) {
	r := fakeResolver{known: map[string]bool{"user:u1": true, "session:s1": true, "crm/leads:42": true}}
	tests := []struct {
		typ, in, msg string // msg "" means the reference is fine
	}{
		{"user", `"u1"`, ""},
		{"user", `"u123"`, `owner: user "u123" does not exist`},
		{"session", `"s1"`, ""},
		{"session", `"s2"`, `owner: session "s2" does not exist`},
		{"item:crm/leads", `"42"`, ""},
		{"item:crm/deals", `"42"`, `owner: item "42" of crm/deals does not exist`},
		{"string", `"u123"`, ""},
		{"integer", `5`, ""},
	}
	ctx := context.Background()
	for _, tt := range tests {
		v, err := Parse(mustType(t, tt.typ), json.RawMessage(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		err = CheckRefs(ctx, r, "owner", v)
		if tt.msg == "" && err != nil {
			t.Errorf("%s %s: %v", tt.typ, tt.in, err)
		} else if tt.msg != "" {
			checkFieldErr(t, err, "owner", tt.msg)
		}
	}
	if err := CheckRefs(ctx, r, "owner", Null(Type{Kind: KindUser})); err != nil {
		t.Errorf("null user: %v", err)
	}
}

func TestCheckRefsResolverError(t *testing.T) {
	cause := errs.New(errs.Conflict, "busy")
	v, _ := Parse(Type{Kind: KindUser}, json.RawMessage(`"u1"`))
	err := CheckRefs(context.Background(), fakeResolver{err: cause}, "owner", v)
	if !errors.Is(err, cause) || errs.CodeOf(err) != errs.Conflict {
		t.Errorf("resolver error came back as %v", err)
	}
}
