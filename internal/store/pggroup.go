package store

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
)

// grouper shares PostgreSQL transactions among a node's short writes that arrive together
// (GroupTx). On PostgreSQL the cost of a customer's message was mostly its transaction's, not
// its statements': a table of messages written one per transaction took 2,700 rows a second
// on the 2 cores of the reference machine, eight per transaction 7,300. The grouper is
// SQLite's batcher made for a database with many writers: a few workers, each taking the
// writes that are queued when it is free, running them one after another in one transaction,
// and committing them with one COMMIT.
//
// There are no savepoints: a subtransaction per write would cost a round trip and an xid of
// its own. A write that fails dooms the group instead; the group is rolled back, the failed
// write is run alone (as Tx runs it), and the others are run again as a group. Running
// alone first is a valid order: the failed write's outcome then depends only on what has
// committed, never on writes of its group that were undone.
//
// A worker does not start a small group while another group runs: it waits for that one to
// end, or for pgGroupEarly writes to queue, and takes them all. With the workers free to
// start at once, a node with few writers in flight, such as one of three nodes sharing the
// customers, committed most writes in groups of one or two: with each node limited to 15 %
// of a core, half the node's CPU per message went to group transactions, twice what it was
// on a single node taking every customer.
type grouper struct {
	db      *DB
	reqs    chan *request
	done    chan struct{}
	workers sync.WaitGroup
	ended   chan struct{} // closed once every worker has stopped
	max     int

	gate     sync.Mutex    // held by the worker gathering the next group
	running  atomic.Int32  // groups being run
	finished chan struct{} // signalled when a group ends
	arrived  chan struct{} // signalled when a write is queued
}

// pgGroupWorkers is how many group transactions one node has running at once: enough that a
// group's round trips overlap with another's commit, few enough that most writes share one
// (and far under the pool, which readers and the dispatcher use too).
const pgGroupWorkers = 4

// pgGroupMax bounds one group: a group holds the row locks of its writes until it commits.
const pgGroupMax = 32

// pgGroupEarly is how many queued writes start a group while another group runs.
const pgGroupEarly = 8

func newGrouper(db *DB, workers, max int) *grouper {
	g := &grouper{db: db, reqs: make(chan *request, workers*max), done: make(chan struct{}), ended: make(chan struct{}), max: max,
		finished: make(chan struct{}, 1), arrived: make(chan struct{}, 1)}
	for range workers {
		g.workers.Add(1)
		go g.loop()
	}
	return g
}

// GroupTx runs fn as Tx does: everything fn did commits, or nothing does. It is for short
// writes that many callers make at once, such as a customer's message: on PostgreSQL, the
// ones from this node that are waiting at the same moment share one transaction and one
// COMMIT, and fn may run more than once (as Tx may on a serialization failure), so it must
// not act outside the transaction except through AfterCommit. The writes of a group run in
// the order of their keys, which should name the first row fn locks (such as its session's
// id): every group then takes its locks in one order, and two groups never wait for each
// other in a cycle. Work left with Gather runs once for the whole group.
//
// On SQLite it is Tx, whose single writer groups every write already.
func (db *DB) GroupTx(ctx context.Context, key string, fn func(*Tx) error) error {
	if db.grouper == nil {
		return db.Tx(ctx, fn)
	}
	return db.grouper.run(ctx, key, fn)
}

func (g *grouper) run(ctx context.Context, key string, fn func(*Tx) error) error {
	req := &request{ctx: ctx, key: key, fn: fn, result: make(chan error, 1)}
	select {
	case g.reqs <- req:
		signal(g.arrived)
	case <-ctx.Done():
		return ctx.Err()
	case <-g.done:
		return errClosed
	}
	var err error
	select {
	case err = <-req.result:
	case <-g.ended:
		// Queued as the workers stopped: answered if a worker took it, else never run.
		select {
		case err = <-req.result:
		default:
			err = errClosed
		}
	}
	var p panicked
	if errors.As(err, &p) {
		panic(p.value)
	}
	return err
}

func (g *grouper) loop() {
	defer g.workers.Done()
	for {
		group := g.gather()
		if group == nil {
			refuse(g.reqs)
			return
		}
		g.commit(group)
		g.running.Add(-1)
		signal(g.finished)
	}
}

// gather waits for a write and returns it with those queued after it; nil once the grouper
// closes. While another group runs it waits for that group to end, unless pgGroupEarly
// writes queue first: the writes that arrive meanwhile then share this group.
func (g *grouper) gather() []*request {
	g.gate.Lock()
	defer g.gate.Unlock()
	var first *request
	select {
	case first = <-g.reqs:
	case <-g.done:
		return nil
	}
wait:
	for g.running.Load() > 0 && 1+len(g.reqs) < pgGroupEarly {
		select {
		case <-g.finished:
		case <-g.arrived:
		case <-g.done:
			break wait
		}
	}
	g.running.Add(1)
	return queued(first, g.reqs, g.max)
}

// signal wakes whoever waits on c, or leaves the wake for the next one to wait.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// commit runs a group until every write in it has its answer.
func (g *grouper) commit(group []*request) {
	sort.SliceStable(group, func(i, j int) bool { return group[i].key < group[j].key })
	for len(group) > 0 {
		if len(group) == 1 {
			group[0].result <- g.alone(group[0])
			return
		}
		group = g.attempt(group)
	}
}

// alone runs one write in a transaction of its own, as Tx does.
func (g *grouper) alone(r *request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{p}
		}
	}()
	return g.db.Tx(r.ctx, r.fn)
}

// attempt runs the group in one transaction and answers its writes. When one fails, the
// group is rolled back, that write is answered from a run of its own, and the writes still
// to be answered are returned to be tried again as a group.
func (g *grouper) attempt(group []*request) []*request {
	ctx := context.Background()
	stx, err := g.db.pool.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range group {
			r.result <- g.alone(r)
		}
		return nil
	}
	var work []gathered
	ran := group[:0:0]
	rows := newRowBuffer() // the group's ExecRows, sent together
	gtx := g.db.newTx(stx)
	gtx.rows = rows
	shared := &groupShared{values: map[any]any{}}
	for _, r := range group {
		shared.keys = append(shared.keys, r.key)
	}
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.result <- err // its caller has gone; it did nothing
			continue
		}
		r.tx = g.db.newTx(stx)
		r.tx.rows, r.tx.shared = rows, shared
		var err error
		if i > 0 && r.key == group[i-1].key {
			// The same row again: it must read what the write before it wrote.
			err = gtx.sendRows(ctx)
		}
		if err == nil {
			err = call(r.fn, r.tx)
		}
		if err == nil {
			err = r.tx.flushLater(ctx)
		}
		if err != nil {
			_ = stx.Rollback()
			r.result <- g.alone(r)
			return append(ran, group[i+1:]...)
		}
		ran = append(ran, r)
		work = append(work, r.tx.gathered...)
	}
	group = ran
	if len(group) == 0 {
		_ = stx.Rollback()
		return nil
	}
	if err := gtx.sendRows(ctx); err != nil {
		_ = stx.Rollback()
		for _, r := range group {
			r.result <- g.alone(r)
		}
		return nil
	}
	if err := gtx.runGathered(ctx, work); err != nil {
		_ = stx.Rollback()
		for _, r := range group {
			r.result <- g.alone(r)
		}
		return nil
	}
	if err := stx.Commit(); err != nil {
		// Whether it committed is unknown, as for a Tx whose COMMIT fails: say so to all.
		for _, r := range group {
			r.result <- translate(err)
		}
		return nil
	}
	gtx.committed()
	for _, r := range group {
		r.tx.committed()
		r.result <- nil
	}
	return nil
}

func (g *grouper) close() {
	close(g.done)
	g.workers.Wait()
	close(g.ended)
}

// groupShared is what the writes of one group transaction read once for all of them (Shared).
type groupShared struct {
	keys   []string
	values map[any]any
}

// Shared returns what load reads for the whole group of writes that tx belongs to (GroupTx):
// load runs once, at the first call of any of them, in the group's transaction, with the keys
// of all the group's writes, and what it returns is given to every write that asks for kind
// after it. So a group of customers' messages locks and reads its sessions with one
// statement instead of one each. The writes share the value: a write must take from it only
// what is its own. ok is false outside a group (a Tx, or a write that ran alone); the caller
// then reads for itself.
func (tx *Tx) Shared(ctx context.Context, kind any, load func(ctx context.Context, tx *Tx, keys []string) (any, error)) (v any, ok bool, err error) {
	if tx.shared == nil {
		return nil, false, nil
	}
	if v, ok := tx.shared.values[kind]; ok {
		return v, true, nil
	}
	v, err = load(ctx, tx, tx.shared.keys)
	if err != nil {
		return nil, false, err
	}
	tx.shared.values[kind] = v
	return v, true, nil
}
