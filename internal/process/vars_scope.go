package process

import (
	"maps"

	"github.com/parleychat/parley/internal/value"
)

// envFor returns what expressions evaluated for token t see: the process's variables,
// overlaid by the local variables of the scopes t runs in (and the input mappings of their
// sub-processes), the innermost winning, overlaid by
// the token's own variables (an inner instance's input element and loopCounter). Without any
// local variable it is the process's environment itself, which callers must not change.
func (st *state) envFor(t *token) map[string]any {
	base := st.environment()
	if t == nil {
		return base
	}
	chain := st.toks.Chain(t)
	if !st.hasLocals(chain) && len(t.Vars) == 0 {
		return base
	}
	env := maps.Clone(base)
	for i := len(chain) - 1; i >= 0; i-- {
		// The token waiting at the sub-process holds the sub-process's zeebe:input values.
		if owner := st.toks.Token(chain[i].Owner); owner != nil {
			for k, raw := range owner.Vars {
				env[k], _ = value.NativeJSON(raw)
			}
		}
		for name := range chain[i].Vars {
			env[name] = st.local(chain[i], name).Native()
		}
	}
	for k, raw := range t.Vars {
		// Token variables are written by the engine from values it encoded itself.
		env[k], _ = value.NativeJSON(raw)
	}
	return env
}

// valueFor returns the value of a variable as token t sees it.
func (st *state) valueFor(t *token, name string) value.Value {
	for _, sc := range st.toks.Chain(t) {
		if _, ok := sc.Vars[name]; ok {
			return st.local(sc, name)
		}
	}
	return st.vars[name]
}

// setFor sets a variable for token t: in the innermost scope of t that has it as a local
// variable, else on the process. This is Camunda 8's rule: a variable no scope declares
// propagates to the process instance.
func (st *state) setFor(t *token, name string, v value.Value) {
	for _, sc := range st.toks.Chain(t) {
		if _, ok := sc.Vars[name]; ok {
			sc.Vars[name] = value.Encode(v)
			return
		}
	}
	st.set(name, v)
}

func (st *state) hasLocals(chain []*scope) bool {
	for _, sc := range chain {
		if len(sc.Vars) > 0 {
			return true
		}
		if owner := st.toks.Token(sc.Owner); owner != nil && len(owner.Vars) > 0 {
			return true
		}
	}
	return false
}

// local decodes a scope's local variable with its declared type; a value that no longer
// decodes (the variable's type cannot change within a version) reads as null.
func (st *state) local(sc *scope, name string) value.Value {
	x, ok := st.v.Variable(name)
	if !ok {
		return value.Value{}
	}
	v, err := value.Decode(x.Type, sc.Vars[name])
	if err != nil {
		return value.Value{}
	}
	return v
}
