package process

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// refs answers value.Resolver inside the engine's transaction, so that a link is checked
// against the same snapshot the write commits on, including what the transaction itself wrote
// (an item created by an earlier step, say). Without Chat or Workspace no session or item can
// exist for the engine, so a link of that kind is reported missing rather than let through.
type refs struct {
	s  *Service
	tx *store.Tx
}

// UserExists reports whether a staff user has the id.
func (r refs) UserExists(ctx context.Context, id string) (bool, error) {
	_, err := auth.UserTx(ctx, r.tx, id)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// SessionExists reports whether a live-chat session has the id.
func (r refs) SessionExists(ctx context.Context, id string) (bool, error) {
	if r.s.deps.Chat == nil {
		return false, nil
	}
	return r.s.deps.Chat.SessionExists(ctx, r.tx, id)
}

// ItemExists reports whether the app ws/app has an item with the id.
func (r refs) ItemExists(ctx context.Context, ws, app, id string) (bool, error) {
	if r.s.deps.Workspace == nil {
		return false, nil
	}
	return r.s.deps.Workspace.ItemExists(ctx, r.tx, ws, app, id)
}

// checkRefs makes sure that the user, session and item values among vals link to records
// that exist, naming the first variable whose record does not, in name order so the answer is
// the same every time. Type checks only see an id's shape; this is what keeps a link to
// nothing out of a context.
func (s *Service) checkRefs(ctx context.Context, tx *store.Tx, vals map[string]value.Value) error {
	r := refs{s: s, tx: tx}
	for _, name := range sortedKeys(vals) {
		if err := value.CheckRefs(ctx, r, name, vals[name]); err != nil {
			return err
		}
	}
	return nil
}
