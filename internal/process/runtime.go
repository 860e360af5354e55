package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
)

// History events.
const (
	evStarted   = "started"   // the instance started (on the start event)
	evCompleted = "completed" // the element did its work and the token left
	evWaiting   = "waiting"   // the token waits here (task, job, timer, message, join, event)
	evJoined    = "joined"    // a parallel join had a token on every incoming flow
	evFailed    = "failed"    // the step failed; detail says why
	evRetrying  = "retrying"  // the step failed and will be tried again
	evCancelled = "cancelled" // the wait was cancelled (boundary timer, terminate, cancel)
	evFired     = "fired"     // a timer fired
	evTook      = "took"      // the token left by the flows in detail, chosen by their conditions or split
	evEnded     = "ended"     // the instance ended; detail says how
)

// histRow is one step of an instance's history, written with the others of the same
// transaction in one statement.
type histRow struct {
	seq     int
	element string
	kind    string
	event   string
	detail  string
}

// pending is a token that has arrived at an element and must be handled there.
type pending struct {
	tok *token
	el  *bpmn.Element
	via *bpmn.Flow
	// split is set when the token leaves el rather than arrives at it (see leave).
	split bool
	// done marks an inner instance of a multi-instance activity that finished its work.
	done bool
}

// runner moves one instance forward inside one transaction until every token waits or ended.
type runner struct {
	s     *Service
	ctx   context.Context
	tx    *store.Tx
	st    *state
	hist  []histRow
	queue []pending
	steps int
	// attempt is the number of the current try of a retried step, 1 for the first.
	attempt int
	// b buffers the rows the run appends; shared by the runs of one StartManyTx, which flushes
	// it once, else flushed by finish.
	b      *batch
	shared bool
	// tok is the token whose element runs now: expressions see its own variables (envFor).
	tok *token
	// call links the run to the call activity that started the instance, if any.
	call callRun
}

func (s *Service) newRunner(ctx context.Context, tx *store.Tx, st *state) *runner {
	return &runner{s: s, ctx: withInstance(ctx, st.id), tx: tx, st: st, attempt: 1, b: newBatch()}
}

func (r *runner) record(el *bpmn.Element, event, detail string) {
	r.st.seq++
	id, kind := "", ""
	if el != nil {
		id, kind = el.ID, string(el.Kind)
	}
	r.hist = append(r.hist, histRow{seq: r.st.seq, element: id, kind: kind, event: event, detail: detail})
}

// arrive queues a token that reaches an element.
func (r *runner) arrive(t *token, el *bpmn.Element, via *bpmn.Flow) {
	t.El, t.Wait, t.Flow = el.ID, "", ""
	r.queue = append(r.queue, pending{tok: t, el: el, via: via})
}

// take moves a token along a flow.
func (r *runner) take(t *token, f *bpmn.Flow) { r.arrive(t, f.To, f) }

// leave moves a token out of an element. An inner instance of a multi-instance activity goes
// back to its body instead (multiinstance.go). Otherwise the element's output mappings are
// written first; then, with one unconditional flow out, it is taken at once; otherwise the
// choice of flows is queued (see split), since a condition may fail and raise an incident,
// which must happen in turn like any other step.
func (r *runner) leave(t *token, el *bpmn.Element) {
	if t.Body != 0 && el.Loop != nil {
		r.queue = append(r.queue, pending{tok: t, el: el, done: true})
		return
	}
	if !r.mapOutputs(t, el) {
		return
	}
	if len(el.Outgoing) == 1 && el.Outgoing[0].Condition == "" {
		r.take(t, el.Outgoing[0])
		return
	}
	t.El, t.Wait, t.Flow = el.ID, "", ""
	r.queue = append(r.queue, pending{tok: t, el: el, split: true})
}

// env is what expressions evaluated for the running token see.
func (r *runner) env() map[string]any { return r.st.envFor(r.tok) }

// run handles queued tokens until none is left. A token that cannot go on raises an incident
// at its element; an error is returned only for failures of the database itself. Once the
// queue is empty, an inclusive join that no other token can reach any more fires, and its
// tokens run in turn.
func (r *runner) run() error {
	for {
		if err := r.drain(); err != nil || r.st.done() {
			return err
		}
		if fired, err := r.fireInclusiveJoins(); err != nil || !fired {
			return err
		}
	}
}

// drain handles queued tokens until the queue is empty or the instance has ended.
func (r *runner) drain() error {
	for len(r.queue) > 0 && !r.st.done() {
		p := r.queue[0]
		r.queue = r.queue[1:]
		r.steps++
		if r.steps > r.s.opts.MaxSteps {
			err := fmt.Errorf("more than %d steps without reaching a wait state; the diagram probably loops without a wait", r.s.opts.MaxSteps)
			if ierr := r.stepLimit(p, err); ierr != nil {
				return ierr
			}
			continue
		}
		if err := r.enter(p); err != nil {
			return err
		}
	}
	return nil
}

// enter does what the element's kind does when a token arrives.
func (r *runner) enter(p pending) error {
	if p.split {
		return r.split(p.tok, p.el)
	}
	if p.done || p.el.Loop != nil {
		return r.enterLoop(p)
	}
	if ok, err := r.mapInputs(p.tok, p.el); !ok {
		return err
	}
	switch p.el.Kind {
	case bpmn.KindStart, bpmn.KindTask:
		r.record(p.el, evCompleted, "")
		r.leave(p.tok, p.el)
	case bpmn.KindBoundaryError, bpmn.KindBoundaryEscalation:
		r.record(p.el, evFired, "")
		r.leave(p.tok, p.el)
	case bpmn.KindEndNone:
		r.record(p.el, evCompleted, "")
		return r.tokenEnded(p.tok)
	case bpmn.KindThrowEscalation, bpmn.KindEndEscalation:
		return r.escalate(p.tok, p.el)
	case bpmn.KindEndTerminate:
		if p.tok.Scope != 0 {
			return r.terminateScope(p.tok, p.el)
		}
		r.record(p.el, evCompleted, "")
		return r.terminate(StateCompleted, "terminated at "+p.el.ID)
	case bpmn.KindParallelGateway:
		r.parallel(p)
	case bpmn.KindInclusiveGateway:
		return r.inclusive(p)
	case bpmn.KindLinkThrow:
		r.linkThrow(p.tok, p.el)
	case bpmn.KindLinkCatch, bpmn.KindMessageStart, bpmn.KindTimerStart:
		r.record(p.el, evCompleted, "")
		r.leave(p.tok, p.el)
	default:
		return r.execute(p.tok, p.el, true)
	}
	return nil
}

// execute runs the work of an element that may fail or wait. first is false when a worker
// runs it again (a retry or an administrator's retry of an incident), so that boundary
// timers are armed only once.
func (r *runner) execute(t *token, el *bpmn.Element, first bool) error {
	r.tok = t
	if el.Loop != nil && t.Body == 0 {
		return r.multiInstance(t, el)
	}
	switch el.Kind {
	case bpmn.KindScriptTask:
		return r.script(t, el)
	case bpmn.KindExclusiveGateway:
		return r.exclusive(t, el)
	case bpmn.KindUserTask:
		return r.userTask(t, el)
	case bpmn.KindServiceTask:
		return r.serviceTask(t, el, first)
	case bpmn.KindTimerCatch:
		return r.timerCatch(t, el)
	case bpmn.KindMessageCatch, bpmn.KindReceiveTask:
		return r.messageCatch(t, el)
	case bpmn.KindEndError:
		return r.endError(t, el)
	case bpmn.KindEventGateway:
		return r.eventGateway(t, el)
	case bpmn.KindSubProcess:
		return r.enterSubProcess(t, el)
	case bpmn.KindCallActivity:
		return r.callActivity(t, el, first)
	}
	return fmt.Errorf("element %s of kind %s cannot be executed", el.ID, el.Kind)
}

// endIfIdle completes the instance once no token is left.
func (r *runner) endIfIdle() {
	if len(r.st.toks.Tokens) == 0 {
		r.st.status, r.st.ended = StateCompleted, r.tx.Now()
		r.record(nil, evEnded, StateCompleted)
	}
}

// terminate ends the whole instance: every other token's wait is cancelled.
func (r *runner) terminate(status, detail string) error {
	if err := r.cancelAllWaits(); err != nil {
		return err
	}
	r.st.toks.Tokens, r.st.toks.Scopes = nil, nil
	r.queue = nil
	r.st.status, r.st.ended = status, r.tx.Now()
	r.record(nil, evEnded, detail)
	return nil
}

// cancelAllWaits removes every wait row of the instance: open tasks are marked cancelled,
// jobs, incidents and message subscriptions are deleted.
func (r *runner) cancelAllWaits() error {
	id := r.st.id
	if err := r.cancelAllCalled(); err != nil {
		return err
	}
	if err := r.notifyOpenTaskInboxes("instance_id = ? AND state = ?", id, TaskOpen); err != nil {
		return err
	}
	if err := r.exec("UPDATE process_tasks SET state = ?, ended_at = ? WHERE instance_id = ? AND state = ?",
		TaskCancelled, store.TS(r.tx.Now()), id, TaskOpen); err != nil {
		return err
	}
	if err := r.exec("DELETE FROM process_jobs WHERE instance_id = ?", id); err != nil {
		return err
	}
	return r.exec("DELETE FROM process_messages WHERE instance_id = ?", id)
}

// finish writes what the run changed: the instance row and the history, and wakes the
// workers when a job was created.
func (r *runner) finish() error {
	back := r.returning()
	if err := r.st.save(r.ctx, r.tx, r.b); err != nil {
		return err
	}
	now := store.TS(r.tx.Now())
	for _, h := range r.hist {
		r.b.add(historyTable, r.st.id, h.seq, h.element, h.kind, h.event, h.detail, now)
	}
	r.hist = r.hist[:0]
	if r.shared {
		return nil
	}
	if err := r.b.flush(r.ctx, r.tx); err != nil {
		return err
	}
	if err := r.passEscalations(); err != nil || !back {
		return err
	}
	return r.returnToCaller()
}
