package automation

import (
	"context"
	"strings"

	"github.com/parleychat/parley/internal/chat"

	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// batchMemo remembers, for the events of one batch, what reading the same binding, setting
// or process version again would return: nothing in the batch's transaction changes them,
// and on PostgreSQL each read was a round trip per event. The states of the batch's
// sessions are read once at its start (sessionStates), for the spam check: the batch ends
// right after any write of its own to the chat, so only another transaction could change
// them meanwhile, and a spam mark racing the dispatcher is as if it came a moment later.
type batchMemo struct {
	bindings map[[2]string]memoBinding
	verbose  map[string]bool
	versions map[string]memoVersion
	states   map[string]chat.State
}

type memoBinding struct {
	b   *Binding
	err error
}

type memoVersion struct {
	v   *process.Version
	err error
}

type memoKey struct{}

// withMemo returns a context that carries a new memo for one batch.
func withMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &batchMemo{bindings: map[[2]string]memoBinding{},
		verbose: map[string]bool{}, versions: map[string]memoVersion{}, states: map[string]chat.State{}})
}

func memoOf(ctx context.Context) *batchMemo {
	m, _ := ctx.Value(memoKey{}).(*batchMemo)
	return m
}

// bindingOf is bindingTx, remembered for the batch.
func bindingOf(ctx context.Context, tx *store.Tx, liveChatID, event string) (*Binding, error) {
	m := memoOf(ctx)
	if m == nil {
		return bindingTx(ctx, tx, liveChatID, event)
	}
	key := [2]string{liveChatID, event}
	if e, ok := m.bindings[key]; ok {
		return e.b, e.err
	}
	b, err := bindingTx(ctx, tx, liveChatID, event)
	m.bindings[key] = memoBinding{b, err}
	return b, err
}

// verboseOf is verboseTx, remembered for the batch.
func verboseOf(ctx context.Context, tx *store.Tx, liveChatID string) (bool, error) {
	m := memoOf(ctx)
	if m == nil {
		return verboseTx(ctx, tx, liveChatID)
	}
	if v, ok := m.verbose[liveChatID]; ok {
		return v, nil
	}
	v, err := verboseTx(ctx, tx, liveChatID)
	if err == nil {
		m.verbose[liveChatID] = v
	}
	return v, err
}

// latestVersionOf is the engine's LatestVersionTx, remembered for the batch.
func (s *Service) latestVersionOf(ctx context.Context, tx *store.Tx, code string) (*process.Version, error) {
	m := memoOf(ctx)
	if m == nil {
		return s.process.LatestVersionTx(ctx, tx, code)
	}
	if e, ok := m.versions[code]; ok {
		return e.v, e.err
	}
	v, err := s.process.LatestVersionTx(ctx, tx, code)
	m.versions[code] = memoVersion{v, err}
	return v, err
}

// sessionStatesPerQuery bounds the ids of one look-up of session states.
const sessionStatesPerQuery = 256

// readSessionStates reads the states of the batch's sessions into the memo, with one query
// per sessionStatesPerQuery of them rather than one per event.
func readSessionStates(ctx context.Context, tx *store.Tx, batch []chat.Event) error {
	m := memoOf(ctx)
	var ids []any
	seen := map[string]bool{}
	for _, ev := range batch {
		if isAutomationEvent(ev.Type) && !seen[ev.SessionID] {
			seen[ev.SessionID] = true
			ids = append(ids, ev.SessionID)
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), sessionStatesPerQuery)
		rows, err := tx.Query(ctx, "SELECT id, state FROM sessions WHERE id IN (?"+strings.Repeat(", ?", n-1)+")", ids[:n]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				rows.Close()
				return err
			}
			m.states[id] = chat.State(state)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// sessionState is the session's state as the batch read it, or read now when the batch did
// not (a session that is gone is an error, as it was).
func (s *Service) sessionState(ctx context.Context, tx *store.Tx, id string) (chat.State, error) {
	if m := memoOf(ctx); m != nil {
		if st, ok := m.states[id]; ok {
			return st, nil
		}
	}
	sess, err := s.chat.SessionTx(ctx, tx, id)
	if err != nil {
		return "", err
	}
	return sess.State, nil
}
