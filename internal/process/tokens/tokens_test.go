package tokens

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestScopesAndTokensNeverShareAnID(t *testing.T) {
	var s Set
	owner := s.NewToken("sub")
	sc := s.NewScope("sub", 0, owner.ID)
	inner := s.NewToken("inner-start")
	inner.Scope = sc.ID
	ids := map[int]bool{owner.ID: true}
	for _, id := range []int{sc.ID, inner.ID} {
		if ids[id] {
			t.Fatalf("id %d is given twice: token %d, scope %d, token %d", id, owner.ID, sc.ID, inner.ID)
		}
		ids[id] = true
	}
	if s.Token(sc.ID) != nil {
		t.Fatalf("the scope's id %d names a token", sc.ID)
	}
}

func TestForkRunsInTheScopeOfItsToken(t *testing.T) {
	var s Set
	owner := s.NewToken("outer")
	sc := s.NewScope("outer", 0, owner.ID)
	nested := s.NewScope("inner", sc.ID, owner.ID+10)
	t1 := s.NewToken("a")
	t1.Scope = nested.ID
	t2 := s.Fork(t1, "b")
	if t2.Scope != nested.ID || t2.El != "b" {
		t.Fatalf("the fork runs at %s in scope %d; want b in scope %d", t2.El, t2.Scope, nested.ID)
	}
	if got := s.Chain(t2); !reflect.DeepEqual(got, []*Scope{nested, sc}) {
		t.Fatalf("the fork's scopes are %v; want the nested one, then its parent", got)
	}
	if got := s.ScopeOwnedBy(owner.ID); got != sc {
		t.Fatalf("token %d owns %v; want scope %d", owner.ID, got, sc.ID)
	}
	s.RemoveScope(nested)
	if s.Scope(nested.ID) != nil || len(s.Chain(t2)) != 0 {
		t.Fatal("a removed scope is still found")
	}
	s.Remove(t1)
	if s.Token(t1.ID) != nil || s.Token(t2.ID) != t2 {
		t.Fatal("removing one token did not remove exactly that token")
	}
}

func TestStoredTokensKeepTheirPlaceAndLocals(t *testing.T) {
	var s Set
	body := s.NewToken("each")
	body.Wait, body.Loop = WaitMulti, &Loop{Total: 2, Started: 1}
	inner := s.Fork(body, "each")
	inner.Body = body.ID
	if err := inner.SetLocal("item", map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := inner.SetLocal("bad", func() {}); err == nil {
		t.Fatal("a value JSON cannot hold was stored")
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Set
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("the tokens read back differ:\n%s", raw)
	}
	if got := back.Token(inner.ID).Locals()["item"]; !reflect.DeepEqual(got, map[string]any{"n": 1.0}) {
		t.Fatalf("the inner token's item reads back as %v", got)
	}
	if got := LocalVars(string(raw), inner.ID); string(got["item"]) != `{"n":1}` {
		t.Fatalf("the stored locals of token %d are %s", inner.ID, got)
	}
	if LocalVars(string(raw), 99) != nil || LocalVars("not json", inner.ID) != nil {
		t.Fatal("locals of a missing token, or of unreadable tokens, are not nil")
	}
}
