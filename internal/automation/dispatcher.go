package automation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Run dispatches chat events until ctx ends: at once after every commit that wrote events
// (store notifications reach every node), and on a slow poll as a safety net.
func (s *Service) Run(ctx context.Context) {
	ctx = s.counting(ctx)
	wake, cancel := s.db.Subscribe(chat.EventsChannel)
	defer cancel()
	poll := time.NewTicker(s.opts.Poll)
	defer poll.Stop()
	gained := make(chan struct{}, 1)
	if s.db.Dialect() == store.Postgres {
		if _, err := s.renewLeases(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("automation: taking leases on the outbox's parts failed; will retry", "err", err)
		}
		leasing := make(chan struct{})
		defer func() { <-leasing }()
		go func() { defer close(leasing); s.holdLeases(ctx, gained) }()
	}
	var pace store.Pacer
	for {
		s.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-wake:
			pace.Wait(ctx)
		case <-gained:
		case <-poll.C:
			// Number the events a node that died after its commit left without a seq.
			if err := chat.SequencePending(ctx, s.db); err != nil && ctx.Err() == nil {
				s.log.Error("automation: numbering pending chat events failed; will retry", "err", err)
			}
		}
	}
}

// drain dispatches batches until the outbox is caught up or other nodes hold what is left.
func (s *Service) drain(ctx context.Context) {
	if s.db.Dialect() == store.Postgres {
		s.drainPartitions(ctx)
		return
	}
	for ctx.Err() == nil && !s.caughtUp(ctx) {
		n, err := s.dispatchCursor(ctx, consumer)
		if !s.progressed(ctx, n, err) {
			return
		}
	}
}

// progressed logs a failed batch and reports whether the batch handled events.
func (s *Service) progressed(ctx context.Context, n int, err error) bool {
	if err != nil && ctx.Err() == nil {
		s.log.Error("automation dispatch failed; will retry", "err", err)
	}
	return err == nil && n > 0
}

// DispatchOnce handles one batch of events in one transaction and returns how many it
// handled; 0 when there were none or other nodes are dispatching them. On PostgreSQL the
// batch is of one part of the outbox (chat.PartitionOf) that has events waiting.
//
// A batch ends early, after the event whose process wrote to the chat (a reply, a close, an
// assignment). That write holds the session's row (and on SQLite the outbox counter, which
// every chat write needs last) until commit; going on would hold up the customer for the
// rest of the batch. The rest of the batch is read again by the next transaction, so exactly
// once still rests on the cursor and the log line committing with the instance.
func (s *Service) DispatchOnce(ctx context.Context) (int, error) {
	if s.db.Dialect() != store.Postgres {
		return s.dispatchCursor(ctx, consumer)
	}
	parts, err := s.pendingParts(ctx, nil)
	if err != nil {
		return 0, err
	}
	for _, p := range parts {
		if n, err := s.dispatchParts(ctx, []int{p}); err != nil || n > 0 {
			return n, err
		}
	}
	return 0, nil
}

// dispatchCursor handles the next batch of the events that the named cursor follows: the
// whole outbox on SQLite (PostgreSQL's parts: dispatchParts).
func (s *Service) dispatchCursor(ctx context.Context, cursor string) (int, error) {
	return s.dispatchIn(ctx, func(tx *store.Tx) ([]chat.Event, error) {
		after, ok, err := chat.ClaimCursor(ctx, tx, cursor)
		if err != nil || !ok {
			return nil, err
		}
		return chat.EventsAfter(ctx, tx, after, s.opts.Batch)
	}, func(tx *store.Tx, events []chat.Event) error {
		return chat.AdvanceCursor(ctx, tx, cursor, events[len(events)-1].Seq)
	})
}

// dispatchIn handles one batch in one transaction: read claims its cursors and returns the
// batch, advance records the events handled (all of the batch, or those up to the first that
// wrote to the chat), and both commit with the instances started.
func (s *Service) dispatchIn(ctx context.Context, read func(*store.Tx) ([]chat.Event, error),
	advance func(*store.Tx, []chat.Event) error) (int, error) {
	var events []chat.Event
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		events = nil
		batch, err := read(tx)
		if err != nil || len(batch) == 0 {
			return err
		}
		if events, err = s.dispatchBatch(ctx, tx, batch); err != nil {
			return err
		}
		if err := advance(tx, events); err != nil {
			return err
		}
		if s.beforeCommit != nil {
			return s.beforeCommit()
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if s.afterBatch != nil {
		s.afterBatch(messageIDs(events))
	}
	return len(events), nil
}

// dispatchBatch handles the batch's events in order and returns those it handled: all of
// them, or those up to the first that wrote to the chat (see DispatchOnce).
//
// The instances of processes that cannot act on the chat are started together, a run of
// events at a time, with StartManyTx: their rows are then written with a few statements per
// run rather than per instance, which is most of what a start costs. A process that can
// act on the chat starts alone, after the run before it, so that the batch can stop right
// after its chat write. Either way, starts keep the events' order.
func (s *Service) dispatchBatch(ctx context.Context, tx *store.Tx, batch []chat.Event) ([]chat.Event, error) {
	ctx = withMemo(ctx)
	if err := loadBatch(ctx, tx, batch); err != nil {
		return nil, err
	}
	var run []queued
	for i := range batch {
		ev := &batch[i]
		p, err := s.dispatch(ctx, tx, ev)
		if err != nil {
			return nil, err
		}
		if p == nil || !p.alone {
			run = append(run, queued{ev: ev, start: p})
			continue
		}
		if err := s.startRun(ctx, tx, run); err != nil {
			return nil, err
		}
		s.runDone(run)
		run = nil
		if err := s.startAlone(ctx, tx, p); err != nil {
			return nil, err
		}
		forgetStates(ctx)
		s.eventDone(ev)
		if chat.WroteEvents(tx) {
			return batch[:i+1], nil
		}
	}
	if err := s.startRun(ctx, tx, run); err != nil {
		return nil, err
	}
	s.runDone(run)
	return batch, nil
}

// queued is an event of the current run: finished (start is nil), or waiting for its
// instance to start with the run's others.
type queued struct {
	ev    *chat.Event
	start *pendingStart
}

// pendingStart is an instance that an event is to start, with the log line that records it.
type pendingStart struct {
	line  logLine
	start process.Start
	// alone is set when the process can act on the chat: it starts on its own.
	alone bool
}

// startRun starts the run's instances together and writes their log lines. When one of them
// is refused, the run starts again one by one, so that the refusal fails that event alone.
func (s *Service) startRun(ctx context.Context, tx *store.Tx, run []queued) error {
	var pending []*pendingStart
	for _, q := range run {
		if q.start != nil {
			pending = append(pending, q.start)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return s.startTogether(ctx, tx, pending)
}

// runDone tells the tests' hook that the run's events are done.
func (s *Service) runDone(run []queued) {
	for _, q := range run {
		s.eventDone(q.ev)
	}
}

func (s *Service) startTogether(ctx context.Context, tx *store.Tx, pending []*pendingStart) error {
	starts := make([]process.Start, len(pending))
	for i, p := range pending {
		starts[i] = p.start
	}
	var insts []*process.Instance
	err := tx.Savepoint(ctx, func() (err error) {
		insts, err = s.process.StartManyTx(ctx, tx, starts)
		return err
	})
	if err != nil && refusal(err) != "" {
		for _, p := range pending {
			if err := s.startAlone(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	lines := make([]logLine, len(pending))
	for i, p := range pending {
		p.line.outcome, p.line.instance = Started, insts[i].ID
		lines[i] = p.line
	}
	return writeLogs(ctx, tx, lines)
}

// startAlone starts one instance, undone alone (savepoint) and logged as failed when it is
// refused, and writes its log line.
func (s *Service) startAlone(ctx context.Context, tx *store.Tx, p *pendingStart) error {
	var inst *process.Instance
	err := tx.Savepoint(ctx, func() (err error) {
		inst, err = s.process.StartTx(ctx, tx, p.start)
		return err
	})
	switch reason := refusal(err); {
	case err == nil:
		p.line.outcome, p.line.instance = Started, inst.ID
	case reason != "":
		p.line.outcome, p.line.reason = Failed, reason
	default:
		return err
	}
	return writeLog(ctx, tx, p.line)
}

// refusal is the message of an error that refuses one start (bad inputs, a process that
// cannot start), and "" for any other error, which fails the whole batch to be tried again.
func refusal(err error) string {
	var e *errs.Error
	if err != nil && errors.As(err, &e) && e.Code != errs.Internal {
		return e.Message
	}
	return ""
}

// eventDone tells the tests' hook that an event's work is done.
func (s *Service) eventDone(ev *chat.Event) {
	if s.afterEvent != nil {
		s.afterEvent(ev)
	}
}

func messageIDs(events []chat.Event) []string {
	var ids []string
	for _, ev := range events {
		if ev.Type == chat.EventMessageReceived && ev.Snapshot.LastMessage != nil {
			ids = append(ids, ev.Snapshot.LastMessage.ID)
		}
	}
	return ids
}

// logLine is one line of the automation log being written.
type logLine struct {
	ev       *chat.Event
	process  string
	outcome  string
	reason   string
	instance string
	depth    int
}

// dispatch handles one event: the binding's outcome and its log line, or the instance to
// start, whose log line is written once it started.
func (s *Service) dispatch(ctx context.Context, tx *store.Tx, ev *chat.Event) (*pendingStart, error) {
	if !isAutomationEvent(ev.Type) {
		return nil, nil
	}
	b, err := bindingOf(ctx, tx, ev.LiveChatID, ev.Type)
	if errs.Is(err, errs.NotFound) {
		return nil, s.logUnbound(ctx, tx, ev)
	}
	if err != nil {
		return nil, err
	}
	line := logLine{ev: ev, process: b.Process}
	if line.depth, err = chainDepth(ctx, tx, ev.By); err != nil {
		return nil, err
	}
	p, err := s.decide(ctx, tx, b, &line)
	if err != nil || p != nil {
		return p, err
	}
	return nil, writeLog(ctx, tx, line)
}

func isAutomationEvent(t string) bool {
	return t == chat.EventSessionCreated || t == chat.EventMessageReceived || t == chat.EventSessionClosed
}

// logUnbound records an event without a binding, only when the live chat asks for verbose logs.
func (s *Service) logUnbound(ctx context.Context, tx *store.Tx, ev *chat.Event) error {
	verbose, err := verboseOf(ctx, tx, ev.LiveChatID)
	if err != nil || !verbose {
		return err
	}
	return writeLog(ctx, tx, logLine{ev: ev, outcome: Skipped, reason: "no process is bound to this event"})
}

// decide fills the line's outcome, or, when everything allows the start, returns the
// instance to start.
func (s *Service) decide(ctx context.Context, tx *store.Tx, b *Binding, line *logLine) (*pendingStart, error) {
	switch {
	case !b.Enabled:
		line.outcome, line.reason = Skipped, "the binding is disabled"
		return nil, nil
	case line.depth > MaxChainDepth:
		line.outcome, line.reason = Skipped, fmt.Sprintf("processes started one another %d times in a row on this session; the bound is %d", line.depth-1, MaxChainDepth)
		return nil, nil
	}
	state, err := sessionState(ctx, tx, line.ev.SessionID)
	if err != nil {
		return nil, err
	}
	if state == chat.Spam {
		line.outcome, line.reason = Skipped, "the session is marked as spam"
		return nil, nil
	}
	if !s.conditionAllows(b, line) {
		return nil, nil
	}
	p, err := s.prepare(ctx, tx, b, line)
	if reason := refusal(err); reason != "" {
		line.outcome, line.reason = Failed, reason
		return nil, nil
	}
	return p, err
}

// prepare maps the snapshot to the inputs of the newest published version, to start it
// linked to the session.
func (s *Service) prepare(ctx context.Context, tx *store.Tx, b *Binding, line *logLine) (*pendingStart, error) {
	v, err := s.latestVersionOf(ctx, tx, b.Process)
	if err != nil {
		return nil, errs.New(errs.Conflict, "process %s cannot start: %s", b.Process, errMessage(err))
	}
	if err := checkMapping(v, b.Inputs).Err(); err != nil {
		return nil, errs.New(errs.Invalid, "the mapping no longer fits version %d of %s: %s", v.Number, v.Code, errMessage(err))
	}
	inputs, err := mapInputs(v, b.Inputs, line.ev.Snapshot)
	if err != nil {
		return nil, err
	}
	return &pendingStart{line: *line, alone: v.ActsOnChat(), start: process.Start{
		Code: v.Code, Version: v.Number, Inputs: inputs, SessionID: line.ev.SessionID,
		Trigger: process.Trigger{Kind: "automatic", Event: line.ev.Type, EventID: line.ev.ID, LiveChatID: line.ev.LiveChatID},
	}}, nil
}

func errMessage(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// mapInputs reads each mapped property from the snapshot as a typed value. An empty property
// is left out; if its variable is required the start fails with both named.
func mapInputs(v *process.Version, inputs map[string]string, snap chat.Snapshot) (map[string]value.Value, error) {
	out := make(map[string]value.Value, len(inputs))
	var list errs.List
	for name, path := range inputs {
		variable, _ := v.Variable(name)
		raw, _ := snap.Property(path)
		val, ok, err := toValue(variable.Type, raw)
		switch {
		case err != nil:
			list.Add(name, "property %s: %s", path, errMessage(err))
		case ok:
			out[name] = val
		case variable.Required:
			list.Add(name, "required variable %q gets no value: property %s is empty for this session", name, path)
		}
	}
	return out, list.Err()
}

// toValue turns a snapshot property into a typed value; ok is false for an empty property.
func toValue(t value.Type, raw any) (value.Value, bool, error) {
	switch x := raw.(type) {
	case nil:
		return value.Value{}, false, nil
	case int64:
		raw = int(x)
	case *time.Time:
		if x == nil {
			return value.Value{}, false, nil
		}
		raw = *x
	}
	v, err := value.FromNative(t, raw)
	return v, err == nil, err
}

// chainDepth is how many automatic starts led to the event: 0 for events caused by customers,
// operators or the API; for an event caused by a process instance, that instance's depth + 1.
func chainDepth(ctx context.Context, tx *store.Tx, by string) (int, error) {
	instance, ok := strings.CutPrefix(by, "process:")
	if !ok {
		return 0, nil
	}
	var depth int
	// The literal condition lets it use automation_log_instance, which holds only started lines.
	err := tx.QueryRow(ctx, "SELECT chain_depth FROM automation_log WHERE instance_id = ? AND instance_id <> ''", instance).Scan(&depth)
	if errs.Is(err, errs.NotFound) {
		return 1, nil // started by hand or by the API: the chain starts here
	}
	return depth + 1, err
}

// writeLog writes the line; its unique key refuses a second line for the same event and
// binding, which would mean a second start.
func writeLog(ctx context.Context, tx *store.Tx, l logLine) error {
	return writeLogs(ctx, tx, []logLine{l})
}

// logRowsPerInsert bounds one INSERT of log lines (12 parameters each).
const logRowsPerInsert = 64

// writeLogs writes the lines with one INSERT per logRowsPerInsert of them, sent with the
// batch's next write (ExecLater), usually the cursor's advance: a round trip less per batch.
func writeLogs(ctx context.Context, tx *store.Tx, lines []logLine) error {
	if tx.Dialect() == store.Postgres {
		return writeLogArrays(ctx, tx, lines)
	}
	for len(lines) > 0 {
		n := min(len(lines), logRowsPerInsert)
		rows := make([]string, n)
		args := make([]any, 0, 12*n)
		at := store.TS(tx.Now())
		for i, l := range lines[:n] {
			rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, store.NewID("alog"), l.ev.ID, l.ev.Seq, l.ev.Type, l.ev.LiveChatID, l.ev.SessionID, l.process,
				l.outcome, l.reason, l.instance, l.depth, at)
		}
		if err := tx.ExecLater(ctx, `INSERT INTO automation_log (id, event_id, event_seq, event, live_chat_id, session_id, process_code,
			outcome, reason, instance_id, chain_depth, at) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			return err
		}
		countLines(ctx, tx, lines[:n])
		lines = lines[n:]
	}
	return nil
}

// writeLogArrays is writeLogs on PostgreSQL: one statement of one shape for any number of
// lines, its columns as arrays. A VALUES list is a new statement for each number of rows, which
// each pooled connection prepares (a round trip more) and plans afresh for its first runs.
func writeLogArrays(ctx context.Context, tx *store.Tx, lines []logLine) error {
	n := len(lines)
	ids, events, types, chats, sessions := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	processes, outcomes, reasons, instances := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seqs, depths := make([]int64, n), make([]int64, n)
	for i, l := range lines {
		ids[i], events[i], seqs[i], types[i], chats[i], sessions[i] = store.NewID("alog"), l.ev.ID, l.ev.Seq, l.ev.Type, l.ev.LiveChatID, l.ev.SessionID
		processes[i], outcomes[i], reasons[i], instances[i], depths[i] = l.process, l.outcome, l.reason, l.instance, int64(l.depth)
	}
	err := tx.ExecLater(ctx, `INSERT INTO automation_log (id, event_id, event_seq, event, live_chat_id, session_id, process_code,
		outcome, reason, instance_id, chain_depth, at)
		SELECT id, event_id, event_seq, event, live_chat_id, session_id, process_code, outcome, reason, instance_id, chain_depth, CAST(? AS BIGINT)
		FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
			CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]))
		AS l (id, event_id, event_seq, event, live_chat_id, session_id, process_code, outcome, reason, instance_id, chain_depth)`,
		store.TS(tx.Now()), ids, events, seqs, types, chats, sessions, processes, outcomes, reasons, instances, depths)
	if err != nil {
		return err
	}
	countLines(ctx, tx, lines)
	return nil
}

func countLines(ctx context.Context, tx *store.Tx, lines []logLine) {
	for _, l := range lines {
		countLine(ctx, tx, l.outcome)
	}
}
