package automation

import (
	"context"
	"encoding/json"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// ManualStart is what an operator sends from the session page.
type ManualStart struct {
	Process string                     `json:"process"`
	Inputs  map[string]json.RawMessage `json:"inputs"`
	// Idempotency, when set, makes a repeat of the same start by the same user return the
	// first instance instead of starting a second.
	Idempotency store.Idempotency `json:"-"`
}

// StartManually starts a process by hand, linked to the session, at once. The caller must be
// able to work on the session (an online operator of its live chat, a supervisor or an
// administrator) and may start the process; a spam session is a conflict with code spam in
// the details. Nothing starts when any check fails.
func (s *Service) StartManually(ctx context.Context, sessionID string, in ManualStart) (*process.Instance, error) {
	user, err := auth.StaffFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.Process == "" {
		return nil, errs.Field("process", "is required")
	}
	return s.process.StartOnce(ctx, in.Idempotency, func(tx *store.Tx) (process.Start, error) {
		v, err := s.manualChecks(ctx, tx, user, sessionID, in.Process)
		if err != nil {
			return process.Start{}, err
		}
		inputs, err := v.ParseInputs(in.Inputs)
		if err != nil {
			return process.Start{}, value.InField("inputs", err)
		}
		return process.Start{Code: v.Code, Version: v.Number, Inputs: inputs,
			SessionID: sessionID, Trigger: process.Trigger{Kind: "manual", UserID: user.ID}}, nil
	})
}

// manualChecks applies the rules of a manual start, spam first so that the reason a user sees
// is the one that matters most.
func (s *Service) manualChecks(ctx context.Context, tx *store.Tx, user *auth.User, sessionID, code string) (*process.Version, error) {
	if err := chat.CanSee(ctx, tx, user, sessionID); err != nil {
		return nil, err
	}
	sess, err := s.chat.SessionTx(ctx, tx, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.State == chat.Spam {
		e := errs.New(errs.Conflict, "the session is marked as spam: processes cannot be started for it")
		return nil, e.With("reason", "spam")
	}
	if err := chat.CanWork(ctx, tx, user, sessionID); err != nil {
		return nil, err
	}
	v, err := s.process.LatestVersionTx(ctx, tx, code)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Conflict) {
		return nil, errs.Field("process", "%s", errMessage(err))
	}
	if err != nil {
		return nil, err
	}
	return v, process.CanStart(ctx, user, v)
}

// SessionProcesses lists the instances linked to a session, automatic and manual together,
// each with how it started.
func (s *Service) SessionProcesses(ctx context.Context, sessionID string) ([]*process.InstanceSummary, error) {
	user, err := auth.StaffFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []*process.InstanceSummary
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if err := chat.CanSee(ctx, tx, user, sessionID); err != nil {
			return err
		}
		out, err = s.process.InstancesForSessionTx(ctx, tx, sessionID)
		return err
	})
	if out == nil {
		out = []*process.InstanceSummary{}
	}
	return out, err
}
