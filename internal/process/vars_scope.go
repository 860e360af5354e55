package process

import (
	"encoding/json"

	"github.com/parleychat/parley/internal/value"
)

// envFor returns what expressions evaluated for token t see: the process variables, overlaid
// by the token's own variables. Without own variables it is the shared process environment,
// which callers must not change.
func (st *state) envFor(t *token) map[string]any {
	env := st.environment()
	if t == nil || len(t.Vars) == 0 {
		return env
	}
	out := make(map[string]any, len(env)+len(t.Vars))
	for k, v := range env {
		out[k] = v
	}
	for k, raw := range t.Vars {
		// Token variables are written by the engine from values it encoded itself.
		out[k], _ = value.NativeJSON(raw)
	}
	return out
}

// localVars returns the own variables of token id in an instance's stored tokens, or nil when
// the token has none or is gone (its task ended).
func localVars(tokens string, id int) map[string]json.RawMessage {
	var set tokenSet
	if json.Unmarshal([]byte(tokens), &set) != nil {
		return nil
	}
	for _, t := range set.Tokens {
		if t.ID == id {
			return t.Vars
		}
	}
	return nil
}
