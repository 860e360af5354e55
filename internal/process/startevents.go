package process

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Trigger kinds of instances that BPMN start events start by themselves.
const (
	TriggerMessage = "message" // a published message reached a message start event
	TriggerTimer   = "timer"   // a timer start event fired
)

// The kinds of rows in process_start_events.
const (
	startByMessage = "message"
	startByTimer   = "timer"
)

// startElement is the start event an instance begins at: the one asked for, or the none start
// event. A process drawn with only message or timer start events cannot be started by hand.
func startElement(v *Version, id string) (*bpmn.Element, error) {
	if id != "" {
		if el := v.Process.Elements[id]; el != nil && el.Kind != bpmn.KindStart {
			return el, nil
		}
		return nil, errs.New(errs.Invalid, "process %s has no start event %s", v.Code, id)
	}
	if v.Process.Start == nil {
		return nil, errs.New(errs.Invalid, "process %s has no none start event: it starts only by its message or timer start events", v.Code).
			With("process", v.Code)
	}
	return v.Process.Start, nil
}

// syncStartEvents makes the new version's message and timer start events the process's: the
// previous version's schedule and subscriptions are replaced, and a timer's schedule begins at
// the publish.
func syncStartEvents(ctx context.Context, tx *store.Tx, v *Version) error {
	if err := dropStartEvents(ctx, tx, v.Code); err != nil {
		return err
	}
	for _, el := range v.Process.Starts {
		var err error
		switch el.Kind {
		case bpmn.KindMessageStart:
			_, err = tx.Exec(ctx, `INSERT INTO process_start_events (code, version, element_id, kind, message_name, due_at, remaining)
				VALUES (?, ?, ?, ?, ?, NULL, 0)`, v.Code, v.Number, el.ID, startByMessage, el.Message.Name)
		case bpmn.KindTimerStart:
			_, err = tx.Exec(ctx, `INSERT INTO process_start_events (code, version, element_id, kind, message_name, due_at, remaining)
				VALUES (?, ?, ?, ?, '', ?, ?)`, v.Code, v.Number, el.ID, startByTimer, store.TS(el.Timer.Due(tx.Now())), el.Timer.Repetitions())
			if err == nil {
				// The workers sleep until their next due time; this one may come sooner.
				err = tx.Notify(ctx, waits.JobsChannel)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropStartEvents removes a process's start events: it was unpublished, or a new version
// replaces them.
func dropStartEvents(ctx context.Context, tx *store.Tx, code string) error {
	_, err := tx.Exec(ctx, "DELETE FROM process_start_events WHERE code = ?", code)
	return err
}

// startRow is one message or timer start event of a published process.
type startRow struct {
	code      string
	version   int
	element   string
	due       time.Time
	remaining int
}

func queryStartRows(ctx context.Context, tx *store.Tx, query string, args ...any) ([]startRow, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []startRow
	for rows.Next() {
		var r startRow
		var due store.Timestamp
		if err := rows.Scan(&r.code, &r.version, &r.element, &due, &r.remaining); err != nil {
			return nil, err
		}
		r.due = due.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// startByMessages starts an instance of each published process with a message start event of
// the message's name, in the publishing transaction, and returns how many it started. The
// message's variables must be declared variables of each such process, of their types; its text
// goes into the start event's parley:message variable. A message_id within its ttl was already
// checked by the caller, so a repeat never reaches here.
func (s *Service) startByMessages(ctx context.Context, tx *store.Tx, m Message) (int, error) {
	rows, err := queryStartRows(ctx, tx, `SELECT e.code, e.version, e.element_id, e.due_at, e.remaining
		FROM process_start_events e JOIN process_definitions d ON d.code = e.code AND d.published_version = e.version
		WHERE e.kind = ? AND e.message_name = ? AND d.unpublished = ? ORDER BY e.code, e.element_id`, startByMessage, m.Name, false)
	if err != nil {
		return 0, err
	}
	for _, row := range rows {
		v, err := s.VersionTx(ctx, tx, row.code, row.version)
		if err != nil {
			return 0, err
		}
		inputs, err := messageInputs(v, v.Process.Elements[row.element], m)
		if err != nil {
			return 0, err
		}
		trig := Trigger{Kind: TriggerMessage, Event: m.Name, EventID: m.MessageID}
		if _, err := s.StartTx(ctx, tx, Start{Code: row.code, Version: row.version, Inputs: inputs, StartEvent: row.element, Trigger: trig}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// messageInputs are the inputs of an instance a message starts: its variables, checked
// against the version's, and its text in the start event's message variable.
func messageInputs(v *Version, el *bpmn.Element, m Message) (map[string]value.Value, error) {
	inputs, err := v.ParseInputs(m.Variables)
	if err != nil {
		return nil, err
	}
	if name := el.Message.Variable; name != "" && m.Text != "" {
		if x, ok := v.Variable(name); ok {
			val, err := value.FromNative(x.Type, m.Text)
			if err != nil {
				return nil, value.InField(name, err)
			}
			inputs[name] = val
		}
	}
	return inputs, nil
}
