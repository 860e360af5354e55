package tokens

import (
	"encoding/json"
	"fmt"
	"slices"
)

// What a token waits for.
const (
	WaitTask    = "task"
	WaitJob     = "job"
	WaitTimer   = "timer"
	WaitMessage = "message"
	WaitJoin    = "join"
	// At an event-based gateway: one timer job or message subscription per catch event after
	// it, all under the token's id.
	WaitEvent    = "event"
	WaitIncident = "incident"
	// At a multi-instance activity: the body token waits for its inner instances.
	WaitMulti = "multi"
	// At a sub-process (or an event sub-process): the token waits while the tokens of the
	// scope it owns run inside.
	WaitScope = "scope"
)

// Token is one place where an instance is. Tokens live in the instance row, so moving them is
// part of the one write that also stores the variables.
type Token struct {
	ID   int    `json:"id"`
	El   string `json:"el"`
	Flow string `json:"flow,omitempty"` // the flow a token waiting at a join arrived by
	Wait string `json:"wait"`
	// Scope is the id of the sub-process scope the token runs in; 0 is the process.
	Scope int `json:"scope,omitempty"`
	// Vars are the token's own variables, which shadow the process's in expressions evaluated
	// for it: an inner instance's input element and loopCounter, an element's zeebe:input
	// locals.
	Vars map[string]json.RawMessage `json:"vars,omitempty"`
	// Body is set on an inner instance of a multi-instance activity: the id of the token that
	// waits at the activity for all of them (its body); Index is its place in the input.
	Body  int `json:"body,omitempty"`
	Index int `json:"index,omitempty"`
	// Loop is the bookkeeping of a multi-instance activity, on its body token.
	Loop *Loop `json:"loop,omitempty"`
	// LocalsOf is the element whose zeebe:input locals are in Vars, dropped when the token leaves.
	LocalsOf string `json:"locals_of,omitempty"`
	// Call is the instance a token waiting at a call activity waits for.
	Call string `json:"call,omitempty"`
}

// Loop is the bookkeeping of a multi-instance activity, kept on its body token.
type Loop struct {
	Total     int `json:"total"`
	Started   int `json:"started"`
	Completed int `json:"completed"`
	// Items is the input of a sequential activity, kept for the instances still to start.
	Items []json.RawMessage `json:"items,omitempty"`
	// Results holds each inner instance's output element by input position, null until it
	// completed; only with an output collection.
	Results []json.RawMessage `json:"results,omitempty"`
}

// Scope is one running instance of a sub-process: the tokens whose Scope is its ID run its
// inner flow, while its owner token waits at the sub-process in the parent scope. Ids come
// from the same counter as tokens, so a scope id never names a token as well.
type Scope struct {
	ID     int    `json:"id"`
	El     string `json:"el"`               // the sub-process or event sub-process
	Parent int    `json:"parent,omitempty"` // the enclosing scope; 0 is the process
	Owner  int    `json:"owner"`            // the token waiting at El in the parent scope
	// Vars are the scope's local variables, which shadow the process's for its tokens.
	Vars map[string]json.RawMessage `json:"vars,omitempty"`
}

// Set is where an instance is: its tokens and running scopes, and the counter both take their
// ids from. It is stored as JSON in the instance row.
type Set struct {
	Next   int      `json:"next"`
	Tokens []*Token `json:"tokens"`
	// Scopes are the running sub-process scopes.
	Scopes []*Scope `json:"scopes,omitempty"`
}

// NewToken adds a token at el, in the process's scope.
func (s *Set) NewToken(el string) *Token {
	s.Next++
	t := &Token{ID: s.Next, El: el}
	s.Tokens = append(s.Tokens, t)
	return t
}

// Remove takes token t out of the set.
func (s *Set) Remove(t *Token) {
	for i, x := range s.Tokens {
		if x == t {
			s.Tokens = append(s.Tokens[:i], s.Tokens[i+1:]...)
			return
		}
	}
}

// Token returns the token with the id, or nil.
func (s *Set) Token(id int) *Token {
	for _, t := range s.Tokens {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Fork starts a token at el in the same scope as t: a parallel branch or a non-interrupting
// boundary event's path runs where the token it comes from runs.
func (s *Set) Fork(t *Token, el string) *Token {
	n := s.NewToken(el)
	n.Scope = t.Scope
	return n
}

// NewScope starts a scope of sub-process el inside scope parent, owned by token owner.
func (s *Set) NewScope(el string, parent, owner int) *Scope {
	s.Next++
	sc := &Scope{ID: s.Next, El: el, Parent: parent, Owner: owner}
	s.Scopes = append(s.Scopes, sc)
	return sc
}

// Scope returns the running scope with the id, or nil (always for 0, the process).
func (s *Set) Scope(id int) *Scope {
	for _, sc := range s.Scopes {
		if sc.ID == id {
			return sc
		}
	}
	return nil
}

// ScopeOwnedBy returns the scope a token waiting at a sub-process owns, or nil.
func (s *Set) ScopeOwnedBy(tok int) *Scope {
	for _, sc := range s.Scopes {
		if sc.Owner == tok {
			return sc
		}
	}
	return nil
}

// RemoveScope takes scope sc out of the set; its tokens are the caller's to end first.
func (s *Set) RemoveScope(sc *Scope) {
	s.Scopes = slices.DeleteFunc(s.Scopes, func(x *Scope) bool { return x == sc })
}

// Chain lists the scopes token t runs in, innermost first.
func (s *Set) Chain(t *Token) []*Scope {
	var out []*Scope
	for sc := s.Scope(t.Scope); sc != nil; sc = s.Scope(sc.Parent) {
		out = append(out, sc)
	}
	return out
}

// Locals decodes the token's own variables.
func (t *Token) Locals() map[string]any {
	out := make(map[string]any, len(t.Vars))
	for k, raw := range t.Vars {
		var v any
		if err := json.Unmarshal(raw, &v); err == nil {
			out[k] = v
		}
	}
	return out
}

// SetLocal gives the token its own variable name.
func (t *Token) SetLocal(name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("the value of %s cannot be stored: %w", name, err)
	}
	if t.Vars == nil {
		t.Vars = map[string]json.RawMessage{}
	}
	t.Vars[name] = raw
	return nil
}

// LocalVars returns the own variables of token id in an instance's stored tokens, or nil when
// the token has none or is gone (its task ended).
func LocalVars(stored string, id int) map[string]json.RawMessage {
	var set Set
	if json.Unmarshal([]byte(stored), &set) != nil {
		return nil
	}
	if t := set.Token(id); t != nil {
		return t.Vars
	}
	return nil
}
