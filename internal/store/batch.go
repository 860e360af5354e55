package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// errClosed is returned to writers that arrive after Close.
var errClosed = errors.New("database is closed")

// batcher is SQLite's single writer. Write transactions queue up while a commit is in
// progress and the next round runs them together: one BEGIN IMMEDIATE, one savepoint per
// caller, one COMMIT — so a burst of writers pays for one fsync instead of one each, while
// every caller still commits or rolls back on its own.
type batcher struct {
	db    *DB
	w     *sql.DB
	conn  *sql.Conn
	reqs  chan *request
	done  chan struct{}
	ended chan struct{}
	max   int
	// observe, when set, is told how long each group took (ObserveGroups).
	observe atomic.Pointer[func(GroupTimes)]
	// stmts caches prepared statements on the writer connection: parsing SQL was a third of
	// the writer's time. Only the writer goroutine touches it.
	stmts map[string]*sql.Stmt
}

// maxStatements bounds the cache; queries built at run time beyond it are prepared each time.
const maxStatements = 2048

// prepared returns the cached statement for query, preparing it on first use; nil when the
// cache is full or preparing fails (the caller then runs the query unprepared and reports
// the real error).
func (b *batcher) prepared(ctx context.Context, query string) *sql.Stmt {
	if st, ok := b.stmts[query]; ok {
		return st
	}
	if len(b.stmts) >= maxStatements {
		return nil
	}
	st, err := b.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	b.stmts[query] = st
	return st
}

type request struct {
	ctx    context.Context
	key    string // GroupTx's ordering key
	queued time.Time
	fn     func(*Tx) error
	tx     *Tx
	err    error
	result chan error
}

// panicked carries a panic from the writer goroutine back to the caller that caused it.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprintf("panic in transaction: %v", p.value) }

// sqliteSyncFull is PRAGMA synchronous's FULL; EXTRA is 3.
const sqliteSyncFull = 2

func newBatcher(ctx context.Context, db *DB, w *sql.DB, max int) (*batcher, error) {
	conn, err := w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// Every commit the writer acknowledges must be on disk, and the log's VFS (walVFSName)
	// writes a commit's frames only when SQLite syncs the log, which it does at each commit
	// with synchronous FULL or EXTRA only: with NORMAL a commit would be acknowledged, and
	// shown to the readers, before its frames were written.
	var level int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		conn.Close()
		return nil, err
	}
	if level < sqliteSyncFull {
		conn.Close()
		return nil, fmt.Errorf("the SQLite writer needs synchronous=FULL, not %s", [...]string{"OFF", "NORMAL"}[level])
	}
	b := &batcher{db: db, w: w, conn: conn, reqs: make(chan *request, max),
		done: make(chan struct{}), ended: make(chan struct{}), max: max, stmts: map[string]*sql.Stmt{}}
	go b.loop()
	return b, nil
}

// run queues fn and waits for its outcome. It waits even when ctx ends meanwhile, because
// once fn has started the caller must learn whether it committed.
func (b *batcher) run(ctx context.Context, fn func(*Tx) error) error {
	req := &request{ctx: ctx, queued: time.Now(), fn: fn, result: make(chan error, 1)}
	select {
	case b.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.done:
		return errClosed
	}
	err := <-req.result
	var p panicked
	if errors.As(err, &p) {
		panic(p.value)
	}
	return err
}

func (b *batcher) loop() {
	defer close(b.ended)
	// The writer keeps an OS thread of its own. Every customer's message passes through this
	// one goroutine, so its speed is the server's throughput. Unlocked, it was resumed on
	// whichever thread was free after each of its system calls and waits, and the server's
	// threads moved between the CPUs three times as often (perf stat, 5 s: 507 migrations
	// against 161), each move leaving the caches the writer had filled. Measured end to end,
	// 64 customers, seven 15 s pairs in both orders on 2 cores: 4,303 msgs/s on average
	// without, 4,711 with (+9.5 %, more in every pair), and less of the server's CPU per
	// message (docs/performance.md, "The single writer on a thread of its own"). The thread
	// ends with the writer (Close).
	runtime.LockOSThread()
	for {
		var first *request
		select {
		case first = <-b.reqs:
		case <-b.done:
			b.drain()
			return
		}
		b.commit(queued(first, b.reqs, b.max))
	}
}

// queued returns first and the requests waiting behind it, up to max in all.
func queued(first *request, reqs chan *request, max int) []*request {
	group := []*request{first}
	for len(group) < max {
		select {
		case r := <-reqs:
			group = append(group, r)
		default:
			return group
		}
	}
	return group
}

// drain refuses the writers still queued at Close.
func (b *batcher) drain() { refuse(b.reqs) }

// refuse answers the requests still queued with errClosed.
func refuse(reqs chan *request) {
	for {
		select {
		case r := <-reqs:
			r.result <- errClosed
		default:
			return
		}
	}
}

// commit runs one group. A caller whose function fails is rolled back to its savepoint; the
// others commit together. If the commit itself fails, every caller gets that error.
func (b *batcher) commit(batch []*request) {
	ctx := context.Background()
	began := time.Now()
	if _, err := b.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		b.fail(batch, err)
		return
	}
	var work []gathered
	for _, r := range batch {
		if err := b.step(ctx, r); err != nil {
			_, _ = b.conn.ExecContext(ctx, "ROLLBACK")
			b.fail(batch, err)
			return
		}
		if r.err == nil {
			work = append(work, r.tx.gathered...)
		}
	}
	var gtx *Tx
	if len(work) > 0 {
		gtx = b.newTx()
		if err := gtx.runGathered(ctx, work); err != nil {
			_, _ = b.conn.ExecContext(ctx, "ROLLBACK")
			b.fail(batch, err)
			return
		}
	}
	ran := time.Now()
	if _, err := b.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = b.conn.ExecContext(ctx, "ROLLBACK")
		b.fail(batch, translate(err))
		return
	}
	if fn := b.observe.Load(); fn != nil {
		(*fn)(GroupTimes{Size: len(batch), Wait: began.Sub(batch[0].queued), Run: ran.Sub(began), Commit: time.Since(ran)})
	}
	if gtx != nil {
		gtx.committed()
	}
	for _, r := range batch {
		if r.err == nil {
			r.tx.committed()
		}
		r.result <- r.err
	}
}

// step runs one caller inside its savepoint. It returns an error only when the savepoint
// machinery itself fails, which dooms the whole group.
func (b *batcher) step(ctx context.Context, r *request) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return nil
	}
	if _, err := b.conn.ExecContext(ctx, "SAVEPOINT g"); err != nil {
		return err
	}
	r.tx = b.newTx()
	r.err = call(r.fn, r.tx)
	if r.err != nil {
		b.db.undone.Add(1)
		if _, err := b.conn.ExecContext(ctx, "ROLLBACK TO g"); err != nil {
			return err
		}
	}
	_, err := b.conn.ExecContext(ctx, "RELEASE g")
	return err
}

// newTx is a transaction on the writer's connection (see Tx.writer).
func (b *batcher) newTx() *Tx {
	tx := b.db.newTx(b.conn)
	tx.writer = b
	return tx
}

func call(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{p}
		}
	}()
	return fn(tx)
}

// fail ends the group with err; the writer rolled back whatever the group did.
func (b *batcher) fail(batch []*request, err error) {
	b.db.undone.Add(1)
	for _, r := range batch {
		if r.err == nil {
			r.err = err
		}
		r.result <- r.err
	}
}

func (b *batcher) close() error {
	close(b.done)
	<-b.ended
	for _, st := range b.stmts {
		st.Close()
	}
	return errors.Join(b.conn.Close(), b.w.Close())
}

// GroupTimes is where one SQLite group commit spent its time.
type GroupTimes struct {
	// Size is how many write transactions the group held.
	Size int
	// Wait is how long its first transaction queued for the writer.
	Wait time.Duration
	// Run is the transactions' own statements and the group's gathered work.
	Run time.Duration
	// Commit is the COMMIT: the log's fsync, and SQLite's checkpoint when one falls due.
	Commit time.Duration
}

// ObserveGroups has fn told the times of every SQLite group commit that commits, from the
// writer goroutine (so fn must be quick). An accept-latency tail is then seen in the phase
// it comes from: transactions queueing behind a slow group, slow statements, or a slow
// COMMIT. A no-op on PostgreSQL.
func (db *DB) ObserveGroups(fn func(GroupTimes)) {
	if db.writer != nil {
		db.writer.observe.Store(&fn)
	}
}
