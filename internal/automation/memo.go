package automation

import (
	"context"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
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
	// states are the batch's sessions' states (loadBatch); nil: read each when needed.
	states map[string]chat.State
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

// loadBatch reads, for a batch's automation events, the states of their sessions, for
// decide's spam check (sessionState reads them from there until forgetStates), and the
// bindings of their live chats (bindingOf), with one query each.
func loadBatch(ctx context.Context, tx *store.Tx, events []chat.Event) error {
	m := memoOf(ctx)
	if m == nil {
		return nil
	}
	seen := map[string]bool{}
	var ids []string
	seenChat := map[string]bool{}
	var chatIDs []string
	for _, ev := range events {
		if !isAutomationEvent(ev.Type) {
			continue
		}
		if !seen[ev.SessionID] {
			seen[ev.SessionID] = true
			ids = append(ids, ev.SessionID)
		}
		key := [2]string{ev.LiveChatID, ev.Type}
		if _, ok := m.bindings[key]; ok {
			continue
		}
		m.bindings[key] = memoBinding{err: unbound(ev.Type)} // until the read finds it
		if !seenChat[ev.LiveChatID] {
			seenChat[ev.LiveChatID] = true
			chatIDs = append(chatIDs, ev.LiveChatID)
		}
	}
	states, err := chat.SessionStatesTx(ctx, tx, ids)
	m.states = states
	if err != nil {
		return err
	}
	return loadBindings(ctx, tx, m, chatIDs)
}

// loadBindings reads the bindings of the live chats into the memo. A batch's events come from
// a few live chats, and reading each (live chat, event) pair when first met was most of a
// dispatch transaction's round trips on PostgreSQL, paid again by every smaller batch when
// several nodes share the dispatch.
func loadBindings(ctx context.Context, tx *store.Tx, m *batchMemo, chatIDs []string) error {
	return store.Chunks(chatIDs, bindingChatsPerQuery, func(args []any) error {
		rows, err := tx.Query(ctx, "SELECT "+bindingColumns+" FROM automation_bindings WHERE live_chat_id "+store.In(len(args)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b, err := scanBinding(rows)
			if b == nil {
				return err
			}
			// An error here is the binding's own (its inputs), as bindingTx would give it.
			key := [2]string{b.LiveChatID, b.Event}
			if _, ok := m.bindings[key]; ok {
				m.bindings[key] = memoBinding{b, err}
			}
		}
		return rows.Err()
	})
}

// bindingChatsPerQuery bounds the live chats of one query.
const bindingChatsPerQuery = 256

// forgetStates drops the states read for the batch, after a process that can change its
// session has run.
func forgetStates(ctx context.Context) {
	if m := memoOf(ctx); m != nil {
		m.states = nil
	}
}

// sessionState is the session's state as it is now in tx.
func sessionState(ctx context.Context, tx *store.Tx, id string) (chat.State, error) {
	m := memoOf(ctx)
	if m == nil || m.states == nil {
		states, err := chat.SessionStatesTx(ctx, tx, []string{id})
		if err != nil {
			return "", err
		}
		return stateOf(states, id)
	}
	return stateOf(m.states, id)
}

func stateOf(states map[string]chat.State, id string) (chat.State, error) {
	st, ok := states[id]
	if !ok {
		return "", errs.New(errs.NotFound, "session %q not found", id)
	}
	return st, nil
}
