package process

import (
	"context"
	"strconv"

	"github.com/parleychat/parley/internal/store"
)

// FieldUse reports which process uses a field of an app, so that the workspace refuses to
// remove it: the newest published version of every process, and every version that still has
// running instances, is asked. It has the signature of workspace.FieldUseChecker.
func (s *Service) FieldUse(ctx context.Context, tx *store.Tx, ws, app, field string) (string, error) {
	versions, err := s.PublishedVersionsTx(ctx, tx)
	if err != nil {
		return "", err
	}
	running, err := s.runningVersions(ctx, tx)
	if err != nil {
		return "", err
	}
	for _, v := range append(versions, running...) {
		if el := v.UsesField(ws, app, field); el != "" {
			return "process " + v.Code + " version " + strconv.Itoa(v.Number) + " (" + el + ")", nil
		}
	}
	return "", nil
}

func (s *Service) runningVersions(ctx context.Context, tx *store.Tx) ([]*Version, error) {
	return s.VersionsWhere(ctx, tx, "SELECT DISTINCT code, version FROM process_instances WHERE state IN (?, ?)", StateActive, StateIncident)
}
