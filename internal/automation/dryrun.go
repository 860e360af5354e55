package automation

import (
	"context"
	"errors"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// A dry run shows an administrator what a binding would do, before it is saved or turned
// on: it decides the live chat's recent events of the binding's event exactly as the
// dispatcher would now (spam mark, condition, newest published version, mapping and values),
// inside a read-only transaction, so nothing is started and nothing is written. A disabled
// binding is tried as if it were on: the point is to know what turning it on would do.

// Dry-run bounds: how many recent events are tried by default and at most.
const (
	defaultDryRun = 20
	maxDryRun     = 100
)

// The outcome of an event in a dry run that would start the process.
const WouldStart = "would_start"

// DryRunInput is an unsaved binding to try, or nothing to try the saved one.
type DryRunInput struct {
	// Process, when set, is the process of the unsaved binding to try, with Inputs and
	// Condition; when empty the saved binding is tried.
	Process   string            `json:"process,omitempty"`
	Inputs    map[string]string `json:"inputs,omitempty"`
	Condition string            `json:"condition,omitempty"`
	// Limit is how many of the newest events to try: 20 by default, at most 100.
	Limit int `json:"limit,omitempty"`
}

// DryRun is what a binding would have done with each recent event, newest first.
type DryRun struct {
	Event     string        `json:"event"`
	Process   string        `json:"process"`
	Condition string        `json:"condition"`
	Items     []*DryRunItem `json:"items"`
}

// DryRunItem is one event: would_start with the input values, or skipped or failed and why;
// Field names the variable (inputs.<name>) or "condition" at fault when there is one.
type DryRunItem struct {
	EventID      string                 `json:"event_id"`
	At           time.Time              `json:"at"`
	SessionID    string                 `json:"session_id"`
	SessionName  string                 `json:"session_name"`
	CustomerName string                 `json:"customer_name"`
	Outcome      string                 `json:"outcome"`
	Reason       string                 `json:"reason"`
	Field        string                 `json:"field,omitempty"`
	Inputs       map[string]value.Value `json:"inputs,omitempty"`
}

// DryRun tries a binding of a live chat's event on its recent events. Administrators only.
func (s *Service) DryRun(ctx context.Context, liveChatID, event string, in DryRunInput) (*DryRun, error) {
	if _, err := s.eventAdmin(ctx, liveChatID, event); err != nil {
		return nil, err
	}
	limit, err := dryRunLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if err := checkCondition(in.Condition); err != nil {
		return nil, err
	}
	var out *DryRun
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		b, err := dryRunBinding(ctx, tx, liveChatID, event, in)
		if err != nil {
			return err
		}
		out = &DryRun{Event: event, Process: b.Process, Condition: b.Condition, Items: []*DryRunItem{}}
		events, err := chat.RecentEvents(ctx, tx, liveChatID, event, limit)
		for i := 0; err == nil && i < len(events); i++ {
			var item *DryRunItem
			item, err = s.tryEvent(ctx, tx, b, &events[i])
			out.Items = append(out.Items, item)
		}
		return err
	})
	return out, err
}

func dryRunLimit(n int) (int, error) {
	switch {
	case n == 0:
		return defaultDryRun, nil
	case n < 0 || n > maxDryRun:
		return 0, errs.Field("limit", "must be a whole number from 1 to %d", maxDryRun)
	}
	return n, nil
}

// dryRunBinding is the unsaved binding of in, or the saved one; either is tried as enabled.
func dryRunBinding(ctx context.Context, tx *store.Tx, liveChatID, event string, in DryRunInput) (*Binding, error) {
	if in.Process == "" {
		b, err := bindingTx(ctx, tx, liveChatID, event)
		if err != nil {
			return nil, err
		}
		b.Enabled = true
		return b, nil
	}
	return &Binding{LiveChatID: liveChatID, Event: event, Process: in.Process, Inputs: in.Inputs, Condition: in.Condition, Enabled: true}, nil
}

// tryEvent decides one event as the dispatcher would, without starting anything.
func (s *Service) tryEvent(ctx context.Context, tx *store.Tx, b *Binding, ev *chat.Event) (*DryRunItem, error) {
	item := &DryRunItem{EventID: ev.ID, At: ev.At, SessionID: ev.SessionID, SessionName: ev.Snapshot.Session.Name,
		CustomerName: ev.Snapshot.Customer.Name}
	line := logLine{ev: ev, process: b.Process}
	var err error
	if line.depth, err = chainDepth(ctx, tx, ev.By); err != nil {
		return nil, err
	}
	p, err := s.decide(ctx, tx, b, &line)
	if err != nil {
		return nil, err
	}
	if p != nil {
		item.Outcome, item.Inputs = WouldStart, p.start.Inputs
		return item, nil
	}
	item.Outcome, item.Reason = line.outcome, line.reason
	if line.outcome == Failed {
		item.Field = s.failedField(ctx, tx, b, ev)
	}
	return item, nil
}

// failedField names what made an event fail: the condition, or the first variable whose
// mapping or value is at fault; "" when it is the process itself.
func (s *Service) failedField(ctx context.Context, tx *store.Tx, b *Binding, ev *chat.Event) string {
	if _, err := s.conds.holds(b.Condition, ev.Snapshot); err != nil {
		return "condition"
	}
	v, err := s.process.LatestVersionTx(ctx, tx, b.Process)
	if err != nil {
		return ""
	}
	err = checkMapping(v, b.Inputs).Err()
	if err == nil {
		_, err = mapInputs(v, b.Inputs, ev.Snapshot)
		if f := fieldOf(err); f != "" {
			return "inputs." + f
		}
		return ""
	}
	return fieldOf(err)
}

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		f, _ := e.Details["field"].(string)
		return f
	}
	return ""
}
