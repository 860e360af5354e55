package process

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// The states of an instance.
const (
	StateActive    = "active"    // running or waiting
	StateIncident  = "incident"  // active, but a step failed for good and waits for an administrator
	StateCompleted = "completed" // every token ended, or a terminate end event was reached
	StateCancelled = "cancelled" // an administrator cancelled it
)

// state is an instance loaded for one transaction.
type state struct {
	id        string
	v         *Version
	vars      map[string]value.Value
	env       map[string]any
	toks      tokenSet
	seq       int
	status    string
	sessionID string
	trigger   Trigger
	created   time.Time
	ended     time.Time
	isNew     bool
}

// environment returns what expressions see: every declared variable, nil when unset.
func (st *state) environment() map[string]any {
	if st.env == nil {
		st.env = make(map[string]any, len(st.v.Variables))
		for _, x := range st.v.Variables {
			st.env[x.Name] = st.vars[x.Name].Native()
		}
	}
	return st.env
}

func (st *state) set(name string, v value.Value) {
	st.vars[name] = v
	if st.env != nil {
		st.env[name] = v.Native()
	}
}

// encodeVars writes the variables as one JSON object in name order, so equal contexts store
// equal bytes.
func encodeVars(vars map[string]value.Value) string {
	names := make([]string, 0, len(vars))
	for n, v := range vars {
		if !v.IsNull() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		q, _ := json.Marshal(n)
		b.Write(q)
		b.WriteByte(':')
		b.Write(value.Encode(vars[n]))
	}
	b.WriteByte('}')
	return b.String()
}

func decodeVars(v *Version, data string) (map[string]value.Value, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		return nil, err
	}
	out := make(map[string]value.Value, len(raw))
	for name, r := range raw {
		x, ok := v.Variable(name)
		if !ok {
			continue
		}
		val, err := value.Decode(x.Type, r)
		if err != nil {
			return nil, err
		}
		out[name] = val
	}
	return out, nil
}

const instanceColumns = `id, code, version, state, variables, tokens, seq, session_id, trigger, created_at, ended_at`

// loadState reads an instance; with lock set it locks the row on PostgreSQL. Every change to
// an instance goes through that lock, which is what keeps two parallel branches, a worker and
// a person from moving it at once.
func (s *Service) loadState(ctx context.Context, tx *store.Tx, id string, lock bool) (*state, error) {
	st := &state{id: id}
	var code, vars, toks, trig string
	var n int
	var created, ended store.Timestamp
	q := "SELECT " + instanceColumns + " FROM process_instances WHERE id = ?"
	read := func(q string) error {
		return tx.QueryRow(ctx, q, id).
			Scan(&st.id, &code, &n, &st.status, &vars, &toks, &st.seq, &st.sessionID, &trig, &created, &ended)
	}
	var err error
	if !lock || tx.ForUpdate() == "" {
		err = read(q)
	} else {
		// The callers of an instance are locked before it (lockCallers). Most instances have no
		// caller, and reading such a row locks it in one statement; parent_id is final once
		// others can see the row, so the condition never skips a row it should have locked.
		// Only an instance with a caller (or none at all) is read again, after its callers.
		err = read(q + " AND parent_id = ''" + tx.ForUpdate())
		if errs.Is(err, errs.NotFound) {
			if err = lockCallers(ctx, tx, id); err == nil {
				err = read(q + tx.ForUpdate())
			}
		}
	}
	if err != nil {
		return nil, store.NotFound(err, "instance %q not found", id)
	}
	st.created, st.ended = created.Time, ended.Time
	if st.v, err = s.VersionTx(ctx, tx, code, n); err != nil {
		return nil, err
	}
	if st.vars, err = decodeVars(st.v, vars); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(toks), &st.toks); err != nil {
		return nil, err
	}
	return st, json.Unmarshal([]byte(trig), &st.trigger)
}

// save writes the instance row: a new instance is added to the batch, an existing one is
// updated.
func (st *state) save(ctx context.Context, tx *store.Tx, b *batch) error {
	toks, _ := json.Marshal(st.toks)
	vars := encodeVars(st.vars)
	if st.isNew {
		trig, _ := json.Marshal(st.trigger)
		b.add(instancesTable, st.id, st.v.Code, st.v.Number, st.status, vars, string(toks), st.seq, st.sessionID, string(trig),
			store.TS(st.created), store.TS(st.ended), store.TS(tx.Now()))
		st.isNew = false
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE process_instances SET state = ?, variables = ?, tokens = ?, seq = ?, ended_at = ?, updated_at = ? WHERE id = ?`,
		st.status, vars, string(toks), st.seq, store.TS(st.ended), store.TS(tx.Now()), st.id)
	return err
}

// ended reports whether the instance can no longer move.
func (st *state) done() bool { return st.status == StateCompleted || st.status == StateCancelled }

func errEnded(st *state) error {
	return errs.New(errs.Conflict, "instance %s is %s", st.id, st.status)
}
