package automation

import (
	"context"

	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// batchMemo remembers, for the events of one batch, what reading the same binding, setting
// or process version again would return: nothing in the batch's transaction changes them,
// and on PostgreSQL each read was a round trip per event. The session is still read for
// every event, so that spam (and any other check before a start) sees it as it is now.
type batchMemo struct {
	bindings map[[2]string]memoBinding
	verbose  map[string]bool
	versions map[string]memoVersion
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
		verbose: map[string]bool{}, versions: map[string]memoVersion{}})
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
